package org.tandem.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.manifest.EmbeddedZooKeeper;
import org.tandem.keysync.manifest.ZooKeeperClientSettings;
import org.tandem.signer.election.ClusterConnection;
import org.tandem.signer.election.PublishLedger;
import org.tandem.signer.election.PublishRecord;
import org.tandem.signer.node.SignerNodeMain;
import org.tandem.signer.publish.SignedZoneFile;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code signerctl demo}: the whole Tandem story on one machine. An embedded ZooKeeper, two SoftHSM2
 * tokens ({@code node-a}, {@code node-b}) standing for the HSMs of two data centres, and two signer
 * nodes, each a separate process with its own HSM. Keys are generated once and replicated; the nodes
 * prove them, elect {@code node-a}, which signs, validates and publishes; then {@code node-a} is
 * killed (as a crash or a dead switch looks to ZooKeeper), and {@code node-b} takes over with the
 * same keys and a higher serial; both published versions are checked by {@code ldns-verify-zone}.
 *
 * <p>Everything goes to the work directory: {@code published/<zone>/<serial>.zone} for every
 * published version, {@code hsm/softhsm2.conf} with the tokens and their PIN files {@code
 * hsm/<label>.pin}, {@code tls/}, {@code node-a.yaml}, {@code node-b.yaml}, {@code logs/}.
 */
@Command(name = "demo", description = "Run the cluster demo: an embedded ZooKeeper, two signer nodes with two SoftHSM2 "
        + "tokens, one zone; generate keys once, replicate, prove, elect, sign, publish, validate; kill the active node "
        + "and watch the standby take over with the same keys and a higher serial.")
final class DemoCommand implements Callable<Integer> {
    static final ZoneName ZONE = ZoneName.of("example.test");
    static final List<String> NODES = List.of("node-a", "node-b");
    /** ZooKeeper session timeout of the demo nodes; the takeover takes about this long. */
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);
    static final Duration WAIT = Duration.ofSeconds(60);

    @Option(names = "--workdir", paramLabel = "DIR", description = "where everything goes (default: a new temporary directory)")
    Path workdir;

    @Option(names = "--takeover-rounds", hidden = true, paramLabel = "N",
            description = "after the story, kill the leader N more times (restarting the other node as standby each "
                    + "time) and print each takeover time and the median (bench/takeover)")
    int takeoverRounds;

    @Option(names = "--keep-running", description = "set the cluster up (tokens, keys, PKI, ZooKeeper, both nodes, the "
            + "coordinator), wait for the first publication, and leave it running; writes DIR/coordinator.yaml, "
            + "DIR/signerctl.yaml and DIR/pids (needs --workdir)")
    boolean keepRunning;

    @Option(names = "--stop", description = "stop what --keep-running left running in --workdir (SIGTERM, SIGKILL after "
            + "20 s)")
    boolean stop;

    @Spec
    CommandSpec spec;

    /** The coordinator's main class (module coordinator; referenced by name so the cli compiles without it). */
    static final String COORDINATOR_MAIN = "org.tandem.coordinator.CoordinatorMain";

    private PrintWriter out;
    private final java.util.Map<String, Integer> grpcPorts = new java.util.HashMap<>();
    private boolean detached;
    private DemoNarrator n;
    private TokenLab lab;
    private Path dir;
    private final List<Process> nodes = new ArrayList<>();
    private final Set<Process> killed = new java.util.HashSet<>();
    private final java.util.Map<String, Process> byName = new java.util.HashMap<>();

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        if (stop || keepRunning) {
            if (workdir == null) {
                throw new ClusterCommandException(ExitCode.USAGE, "demo: --keep-running and --stop need --workdir DIR");
            }
            if (stop && keepRunning) {
                throw new ClusterCommandException(ExitCode.USAGE, "demo: --keep-running or --stop, not both");
            }
            if (stop) {
                Path d = workdir.toAbsolutePath().normalize();
                int stopped = DemoProcesses.stop(d, out);
                out.println("stopped " + stopped + " process(es) of the demo in " + d);
                return ExitCode.OK.code();
            }
            return keepRunning();
        }
        lab = TokenLab.perNode(workdir != null ? workdir : Files.createTempDirectory("tandem-demo-"), NODES);
        dir = lab.dir();
        n = new DemoNarrator(out, spec.commandLine().getErr(), lab);
        if (!Prerequisite.onPath("ldns-verify-zone")) {
            throw new IllegalStateException("ldns-verify-zone is not installed: apt-get install ldnsutils (bin/demo installs it)");
        }
        if (!coordinatorAvailable()) {
            throw new IllegalStateException("the coordinator (module coordinator, " + COORDINATOR_MAIN + ") is not on the class "
                    + "path; build the whole project (mvn package) and run bin/demo");
        }
        n.say("Tandem cluster demo. Everything goes to " + dir);
        n.say("Two signer nodes, node-a (site dc1) and node-b (site dc2), one zone: " + ZONE + ". Each node has its own HSM, "
                + "a SoftHSM2 token in its own token directory (hsm/node-a/, hsm/node-b/) that only its own process opens, "
                + "as in two data centres. The operator's commands hold no HSM: they go through the coordinator, and keys "
                + "reach the other site only wrapped, through the nodes' KeySync service.");
        DemoPki pki = pki();
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zookeeper"), 0, tls(pki, "zookeeper"))) {
            n.say("An embedded ZooKeeper at " + zk.connectString() + " holds the key manifest, the election, the epoch and "
                    + "the publish ledger. It speaks TLS only and lets in only certificates of the cluster CA (tls/), by "
                    + "role: nodes and the operator may write, the coordinator may read, nobody else gets in.");
            try (ClusterConnection cluster = ClusterConnection.connect(
                    ZooKeeperClientSettings.tls(zk.connectString(), tls(pki, "operator")), "/tandem", SESSION_TIMEOUT,
                    Duration.ofSeconds(10))) {
                PublishLedger ledger = cluster.ledger(Clock.systemUTC());
                List<Path> configs = setUp(zk.connectString());
                cluster(ledger, configs);
            } finally {
                for (Process p : nodes) {
                    p.destroy();
                }
                for (Process p : nodes) {
                    if (!p.waitFor(20, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                }
            }
        }
        out.println();
        n.say("Done. Files: " + dir);
        n.say("  published/" + zoneDir() + "/<serial>.zone  every published version (published/" + zoneDir()
                + ".zone is the current one, for a hidden primary to load)");
        n.say("  node-a.yaml, node-b.yaml  the node configurations;  hsm/<node>/  each node's own HSM (softhsm2.conf, token "
                + "directory, PIN file, hsm.yaml);  coordinator.yaml, signerctl.yaml  the coordinator's and the operator's "
                + "configuration;  tls/  the cluster CA and certificates;  logs/  each process's log;  audit-<node>.jsonl  "
                + "each node's key audit log;  coordinator-audit.jsonl  the operator's orders");
        return ExitCode.OK.code();
    }

    /**
     * {@code --keep-running}: the cluster of the demo left running, each part a process of its own:
     * ZooKeeper ({@code signerctl zookeeper}), both nodes with their own HSMs, the coordinator, the
     * keys made through it. Returns once one node has published and the other is a healthy standby. If anything fails,
     * what was started is stopped again.
     */
    private Integer keepRunning() throws Exception {
        detached = true;
        lab = TokenLab.perNode(workdir, NODES);
        dir = lab.dir();
        n = new DemoNarrator(out, spec.commandLine().getErr(), lab);
        if (!coordinatorAvailable()) {
            throw new IllegalStateException("the coordinator (module coordinator, " + COORDINATOR_MAIN + ") is not on the class "
                    + "path; build the whole project (mvn package)");
        }
        n.say("Tandem demo cluster, left running. Everything goes to " + dir);
        int zkPort = freePort();
        String zk = "127.0.0.1:" + zkPort;
        try {
            DemoPki pki = pki();
            startJava("zookeeper", List.of(SignerctlCommand.class.getName(), "zookeeper", "--dir",
                    dir.resolve("zookeeper").toString(), "--port", Integer.toString(zkPort), "--tls-ca",
                    pki.ca().toString(), "--tls-cert", pki.cert("zookeeper").toString(), "--tls-key",
                    pki.key("zookeeper").toString()), null);
            n.say("$ signerctl zookeeper --dir zookeeper --port " + zkPort + " --tls-ca tls/ca.crt --tls-cert"
                    + " tls/zookeeper.crt --tls-key tls/zookeeper.key   # pid " + byName.get("zookeeper").pid()
                    + ", log logs/zookeeper.log");
            try (ClusterConnection cluster = ClusterConnection.connect(
                    ZooKeeperClientSettings.tls(zk, tls(pki, "operator")), "/tandem", SESSION_TIMEOUT, WAIT)) {
                if (!cluster.connected()) {
                    throw new IllegalStateException("demo: ZooKeeper at " + zk + " did not come up; see logs/zookeeper.log");
                }
                n.say("ZooKeeper (embedded, its own process) at " + zk + ".");
                PublishLedger ledger = cluster.ledger(Clock.systemUTC());
                setUp(zk);
                PublishRecord first = awaitPublish(ledger, r -> true, "the first publication");
                standbyName = other(first.node());
                String standby = standbyName;
                n.say(first.node() + " leads (epoch " + first.epoch() + ") and published serial " + first.serial() + ": "
                        + rel(versionFile(first)));
                awaitHealthy(dir.resolve(standby + ".yaml"), standby);
                n.say(standby + " is a key-synced standby.");
            }
        } catch (Exception | Error e) {
            spec.commandLine().getErr().println("signerctl: demo: stopping what was started: " + e.getMessage());
            if (Files.exists(dir.resolve(DemoProcesses.FILE))) {
                DemoProcesses.stop(dir, spec.commandLine().getErr());
            }
            throw e;
        }
        out.println();
        n.say("The cluster keeps running. Try (from " + dir + "):");
        n.say("  signerctl --config " + dir.resolve("signerctl.yaml") + " status");
        n.say("  signerctl --config " + dir.resolve("signerctl.yaml") + " keys --cluster");
        n.say("  signerctl --config " + dir.resolve("signerctl.yaml") + " keys verify --zone " + ZONE);
        n.say("  signerctl --config " + dir.resolve("signerctl.yaml") + " preflight --to " + standbyName);
        n.say("  signerctl --config " + dir.resolve("signerctl.yaml") + " failover --to " + standbyName
                + " --reason \"runbook drill\"");
        n.say("Stop it: signerctl demo --stop --workdir " + dir + "   (pids in " + rel(dir.resolve(DemoProcesses.FILE))
                + ", logs in logs/)");
        return ExitCode.OK.code();
    }

    private int coordinatorPort;
    /** --keep-running: the node that did not publish first. */
    private String standbyName;

    /**
     * The cluster CA and every certificate of the demo, before ZooKeeper starts: the nodes' ({@code
     * OU=node}), the operator's, the coordinator's, and ZooKeeper's own server certificate (an {@code
     * OU} that grants no Tandem role).
     */
    private DemoPki pki() throws IOException, InterruptedException {
        DemoPki pki = DemoPki.create(dir.resolve("tls"), lab);
        for (String node : NODES) {
            pki.issue(node, "node");
        }
        pki.issue("operator", "operator");
        pki.issue("coordinator", "coordinator");
        pki.issue("zookeeper", "zookeeper");
        return pki;
    }

    private static TlsMaterial tls(DemoPki pki, String name) {
        return new TlsMaterial(pki.cert(name), pki.key(name), pki.ca());
    }

    private Path writeCoordinatorConfig(String zk) throws IOException {
        coordinatorPort = freePort();
        StringBuilder b = new StringBuilder("coordinator: {name: coordinator}\nnodes:\n");
        for (int i = 0; i < NODES.size(); i++) {
            b.append("  - {name: ").append(NODES.get(i)).append(", site: dc").append(i + 1).append(", endpoint: \"127.0.0.1:")
                    .append(grpcPorts.get(NODES.get(i))).append("\"}\n");
        }
        b.append("zookeeper: {connect: \"").append(zk).append("\", root: /tandem,\n")
                .append("            tls: {ca: tls/ca.crt, cert: tls/coordinator.crt, key: tls/coordinator.key}}\n")
                .append("grpc: {listen: \"127.0.0.1:").append(coordinatorPort).append("\"}\n")
                .append("metrics: {listen: \"127.0.0.1:").append(freePort()).append("\"}\n")
                .append("tls: {ca: tls/ca.crt, cert: tls/coordinator.crt, key: tls/coordinator.key}\n")
                .append("audit-log: coordinator-audit.jsonl\n")
                .append("preflight: {min-expiry-after-takeover: 1d, wait-for-publish: 120s}\n");
        Path file = dir.resolve("coordinator.yaml");
        Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
        return file;
    }

    static boolean coordinatorAvailable() {
        try {
            Class.forName(COORDINATOR_MAIN, false, DemoCommand.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** Waits until the coordinator answers and reaches every node's gRPC service. */
    private void awaitCoordinator(Path signerctlYaml) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String last = "no answer";
        Process p = byName.get("coordinator");
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("demo: the coordinator exited with " + p.exitValue() + "; see logs/coordinator.log");
            }
            for (Process node : nodes) {
                if (!node.isAlive() && !killed.contains(node)) {
                    throw new IllegalStateException("demo: a process exited with " + node.exitValue() + "; see " + dir.resolve("logs"));
                }
            }
            try (CoordinatorClient c = new CoordinatorClient(ClusterConfig.load(signerctlYaml))) {
                var status = c.call("status", Duration.ofSeconds(5), stub -> stub.getClusterStatus(
                        org.tandem.proto.coordinator.v1.GetClusterStatusRequest.getDefaultInstance()));
                List<String> unreachable = status.getNodesList().stream()
                        .filter(v -> v.getRole() == org.tandem.proto.coordinator.v1.NodeRole.UNREACHABLE)
                        .map(org.tandem.proto.coordinator.v1.NodeView::getName)
                        .toList();
                if (unreachable.isEmpty()) {
                    return;
                }
                last = "the coordinator does not reach " + String.join(", ", unreachable) + " yet";
            } catch (ClusterCommandException e) {
                last = e.getMessage();
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("demo: the coordinator did not answer within " + WAIT.toSeconds() + " s: " + last);
    }

    /**
     * Everything before the first publication, as an operator does it across two sites: the PKI,
     * the zone, each node's own HSM configuration and node.yaml, both nodes and the coordinator
     * started, then the KEK ceremony and the keys through the coordinator. Returns the node
     * configurations in {@link #NODES} order.
     */
    private List<Path> setUp(String zk) throws Exception {
        Path source = writeZone();
        for (String node : NODES) {
            grpcPort(node);
        }
        List<Path> configs = new ArrayList<>();
        for (int i = 0; i < NODES.size(); i++) {
            configs.add(writeNodeConfig(NODES.get(i), "dc" + (i + 1), zk, source));
        }
        n.heading("Start both signer nodes. Each opens only its own HSM (hsm/<node>/hsm.yaml names one token). The zone "
                + "has no keys yet, so neither may lead: they wait out of the election.");
        for (int i = 0; i < NODES.size(); i++) {
            start(NODES.get(i), configs.get(i));
        }
        Path coordinatorYaml = writeCoordinatorConfig(zk);
        Path signerctlYaml = dir.resolve("signerctl.yaml");
        Files.writeString(signerctlYaml, "coordinator: \"127.0.0.1:" + coordinatorPort + "\"\n"
                + "tls: {ca: tls/ca.crt, cert: tls/operator.crt, key: tls/operator.key}\n", StandardCharsets.UTF_8);
        startJava("coordinator", List.of(COORDINATOR_MAIN, "--config", coordinatorYaml.toString()), null);
        n.say("$ coordinator --config " + rel(coordinatorYaml) + "   # pid " + byName.get("coordinator").pid()
                + ", log logs/coordinator.log");
        awaitCoordinator(signerctlYaml);
        n.say("The coordinator answers at 127.0.0.1:" + coordinatorPort + " and reaches both nodes. The operator's "
                + "commands below use signerctl.yaml (the operator's certificate, no HSM).");
        keys(signerctlYaml);
        return configs;
    }

    private void keys(Path signerctlYaml) throws IOException, InterruptedException {
        String c = "--config=" + signerctlYaml;
        n.heading("The cluster KEK: made inside node-a's HSM, carried into node-b's under an RSA key that node-b's HSM "
                + "makes; only the public half and the wrapped KEK cross between the sites, never the KEK in plaintext.");
        n.expect(0, "kek", "init", c, "--on=node-a");
        n.expect(0, "kek", "enrol", c, "--from=node-a", "--to=node-b");
        n.heading("Generate once, inside node-a's HSM: a KSK and a ZSK. They are not published until every node holds them, "
                + "proven. They reach node-b wrapped under the KEK, and node-b imports only keys the manifest lists and "
                + "proves each at once: the elected node's replication agent copies new keys to its peers by itself every "
                + "few seconds, and keys sync does it at once on the operator's order (it copies whatever is still "
                + "missing). keys verify has every private key on every node sign the operator's fresh nonce.");
        n.expect(0, "keys", "generate", c, "--zone=" + ZONE, "--role=ksk", "--on=node-a");
        n.expect(0, "keys", "generate", c, "--zone=" + ZONE, "--role=zsk", "--on=node-a");
        n.expect(0, "keys", "sync", c, "--zone=" + ZONE);
        n.expect(0, "keys", "verify", c, "--zone=" + ZONE);
    }

    private static String other(String node) {
        return node.equals(NODES.get(0)) ? NODES.get(1) : NODES.get(0);
    }

    private void cluster(PublishLedger ledger, List<Path> configs) throws Exception {
        n.heading("The first node to prove its keys wins the election (epoch bumped in ZooKeeper); once every node holds "
                + "the new keys, proven, it publishes them, signs " + ZONE + " (capability canary first), passes the "
                + "validation gate and commits the serial in ZooKeeper, fenced by the epoch.");
        PublishRecord first = awaitPublish(ledger, r -> true, "the first publication");
        String leader = first.node();
        String standby = other(leader);
        n.say(leader + " published serial " + first.serial() + " in epoch " + first.epoch() + ": " + rel(versionFile(first)));
        awaitHealthy(configs.get(NODES.indexOf(standby)), standby);
        n.say(standby + " is a key-synced standby (its /health answers 200): it proved the same keys on its own HSM.");

        n.heading("An outside validator nobody here wrote checks what " + leader + " published.");
        validate(first);

        n.heading("Cut " + leader + " off: kill -9 its process, as a crash or a dead switch looks to ZooKeeper. Its session "
                + "expires after " + SESSION_TIMEOUT.toSeconds() + " s; " + standby + " re-proves its keys, checks from the "
                + "ledger that every key it will sign with was published long enough, wins with a new epoch and publishes a "
                + "higher serial.");
        Process a = byName.get(leader);
        long killedAt = System.nanoTime();
        killed.add(a);
        a.destroyForcibly();
        a.waitFor(20, TimeUnit.SECONDS);
        n.say("$ kill -9 " + a.pid() + "   # " + leader);
        PublishRecord second = awaitPublish(ledger, r -> r.node().equals(standby) && r.epoch() > first.epoch(),
                standby + "'s takeover");
        double seconds = (System.nanoTime() - killedAt) / 1e9;
        n.say(String.format("%s published serial %d in epoch %d, %.1f s after the kill: %s", standby, second.serial(),
                second.epoch(), seconds, rel(versionFile(second))));

        n.heading("Same keys, higher serial, and it validates.");
        Set<String> before = dnskeys(first);
        Set<String> after = dnskeys(second);
        if (!before.equals(after)) {
            throw new IllegalStateException("demo: the DNSKEY RRset changed across the failover: " + before + " vs " + after);
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("event=published serial=" + second.serial()
                + " .*signatures-made=(\\d+) reused=(\\d+)").matcher(Files.readString(dir.resolve("logs/" + standby + ".log")));
        if (m.find()) {
            n.say(standby + " continued from the published zone: it made " + m.group(1) + " signature(s) and re-used "
                    + m.group(2) + " still-valid ones (logs/" + standby + ".log).");
        }
        n.say("DNSKEY RRset identical in serial " + first.serial() + " and serial " + second.serial() + " (" + after.size()
                + " keys); serial " + second.serial() + " > " + first.serial() + ".");
        validate(second);
        if (takeoverRounds > 0) {
            takeovers(ledger, configs, standby);
        }
        n.say("Publish history in ZooKeeper (one writer per epoch, serials increasing):");
        for (PublishRecord r : ledger.history(ZONE)) {
            n.say("  serial " + r.serial() + "  epoch " + r.epoch() + "  " + r.node() + "  " + r.committedAt());
        }
    }

    /**
     * The takeover benchmark: each round restarts the killed node as a standby, waits until it is
     * healthy, kills the leader and times kill → first publication by the other node in a new epoch.
     */
    private void takeovers(PublishLedger ledger, List<Path> configs, String leader) throws Exception {
        n.heading("Takeover benchmark: " + takeoverRounds + " leader kills, session timeout " + SESSION_TIMEOUT.toSeconds()
                + " s (kill -9 of the leader -> first validated publication by the standby in a new epoch).");
        List<Double> times = new ArrayList<>();
        for (int i = 1; i <= takeoverRounds; i++) {
            String standby = leader.equals("node-a") ? "node-b" : "node-a";
            Path standbyConfig = configs.get(NODES.indexOf(standby));
            start(standby, standbyConfig);
            awaitHealthy(standbyConfig, standby);
            PublishRecord before = ledger.last(ZONE).orElseThrow();
            Process old = byName.get(leader);
            killed.add(old);
            long t0 = System.nanoTime();
            old.destroyForcibly();
            old.waitFor(20, TimeUnit.SECONDS);
            PublishRecord after = awaitPublish(ledger, r -> r.node().equals(standby) && r.epoch() > before.epoch(),
                    standby + "'s takeover");
            double s = (System.nanoTime() - t0) / 1e9;
            times.add(s);
            validateQuietly(after);
            n.say(String.format("round %d: %s -> %s, serial %d epoch %d, %.2f s", i, leader, standby, after.serial(),
                    after.epoch(), s));
            leader = standby;
        }
        List<Double> sorted = times.stream().sorted().toList();
        double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        n.say(String.format("takeover: median %.2f s, min %.2f s, max %.2f s over %d kills (session timeout %d s)", median,
                sorted.get(0), sorted.get(sorted.size() - 1), sorted.size(), SESSION_TIMEOUT.toSeconds()));
    }

    private void validateQuietly(PublishRecord r) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ldns-verify-zone", versionFile(r).toString()).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (TokenLab.waitFor(p) != 0) {
            throw new IllegalStateException("demo: ldns-verify-zone refused serial " + r.serial() + ": " + text.strip());
        }
    }

    private void start(String node, Path config) throws IOException {
        Process p = startJava(node, List.of(SignerNodeMain.class.getName(), "--config", config.toString()),
                lab.softhsmConf(node));
        n.say("$ signer-node --config " + rel(config) + "   # pid " + p.pid() + ", log " + rel(dir.resolve("logs/" + node + ".log")));
    }

    /**
     * Starts {@code java -cp <this class path> MAIN ARGS}, logging to logs/NAME.log; with
     * --keep-running, in the pid file. {@code softhsmConf}: the one HSM the process may open, or null
     * for none.
     */
    private Process startJava(String name, List<String> mainAndArgs, Path softhsmConf) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // first, so that demo --stop finds it in a command line the OS may cut after the long class path
                DemoProcesses.MARK + dir.toAbsolutePath().normalize(),
                "--add-exports=jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED", "-Xmx256m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-cp", System.getProperty("java.class.path")));
        cmd.addAll(mainAndArgs);
        Files.createDirectories(dir.resolve("logs"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("logs").resolve(name + ".log").toFile()));
        if (softhsmConf != null) {
            pb.environment().put("SOFTHSM2_CONF", softhsmConf.toString());
        } else {
            pb.environment().remove("SOFTHSM2_CONF");
        }
        Process p = pb.start();
        nodes.add(p);
        byName.put(name, p);
        if (detached) {
            DemoProcesses.append(dir, name, p.pid());
        }
        return p;
    }

    private PublishRecord awaitPublish(PublishLedger ledger, java.util.function.Predicate<PublishRecord> what, String name)
            throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<PublishRecord> last = ledger.last(ZONE);
            // the commit comes first, then the promote into published/: wait for the file too
            if (last.isPresent() && what.test(last.get()) && Files.exists(versionFile(last.get()))) {
                return last.get();
            }
            for (Process p : nodes) {
                if (!p.isAlive() && !killed.contains(p)) {
                    throw new IllegalStateException("demo: a signer node exited with " + p.exitValue() + "; see "
                            + dir.resolve("logs"));
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("demo: no " + name + " within " + WAIT.toSeconds() + " s; see the logs in "
                + dir.resolve("logs"));
    }

    private void awaitHealthy(Path config, String node) throws Exception {
        int port = Integer.parseInt(Files.readAllLines(config).stream().filter(l -> l.startsWith("metrics:"))
                .findFirst().orElseThrow().replaceAll(".*127\\.0\\.0\\.1:(\\d+).*", "$1"));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + WAIT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body().strip();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("demo: " + node + " did not become healthy within " + WAIT.toSeconds() + " s: " + last);
    }

    private void validate(PublishRecord r) throws IOException, InterruptedException {
        int code = n.run(List.of("ldns-verify-zone", versionFile(r).toString()));
        if (code != 0) {
            throw new IllegalStateException("demo: ldns-verify-zone refused serial " + r.serial() + " (exit " + code + ")");
        }
    }

    private Set<String> dnskeys(PublishRecord r) throws Exception {
        Set<String> keys = new TreeSet<>();
        for (Record rec : SignedZoneFile.read(versionFile(r), ZONE.name())) {
            if (rec.getType() == Type.DNSKEY) {
                keys.add(rec.rdataToString());
            }
        }
        return keys;
    }

    private Path versionFile(PublishRecord r) {
        return dir.resolve("published").resolve(zoneDir()).resolve(r.serial() + ".zone");
    }

    private static String zoneDir() {
        String z = ZONE.toString();
        return z.endsWith(".") ? z.substring(0, z.length() - 1) : z;
    }

    private String rel(Path p) {
        return dir.relativize(p.toAbsolutePath()).toString();
    }

    private Path writeZone() throws IOException {
        Path zones = Files.createDirectories(dir.resolve("zones"));
        Path file = zones.resolve("example.test.zone");
        Files.writeString(file, """
                $ORIGIN example.test.
                $TTL 3600
                @        SOA   ns1 hostmaster 2026120100 7200 3600 1209600 300
                @        NS    ns1
                @        NS    ns2.example.net.
                @        MX    10 mail
                @        TXT   "v=spf1 mx -all"
                @        CAA   0 issue "letsencrypt.org"
                ns1      A     192.0.2.53
                ns1      AAAA  2001:db8::53
                mail     A     192.0.2.25
                www      A     192.0.2.80
                www      AAAA  2001:db8::80
                _443._tcp.www TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
                svc      HTTPS 1 . alpn="h2,h3"
                *.wild   TXT   "any name"
                sub      NS    ns.sub
                ns.sub   A     192.0.2.54
                sub      DS    12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
                """, StandardCharsets.US_ASCII);
        return file;
    }

    private Path writeNodeConfig(String node, String site, String zk, Path source) throws IOException {
        Path file = dir.resolve(node + ".yaml");
        Files.createDirectories(dir.resolve("published"));
        Path hsmYaml = lab.writeNodeHsmYaml(node, zk);
        String peer = other(node);
        Files.writeString(file, "node: {name: " + node + ", site: " + site + "}\n"
                + "hsm-config: " + rel(hsmYaml) + "\n"
                + "peers:\n"
                + "  - {name: " + peer + ", endpoint: \"127.0.0.1:" + grpcPorts.get(peer) + "\"}\n"
                + "zones:\n"
                + "  - name: " + ZONE + "\n"
                + "    source: " + dir.relativize(source) + "\n"
                + "zookeeper: {connect: \"" + zk + "\", session-timeout: " + SESSION_TIMEOUT.toSeconds() + "s, root: /tandem,\n"
                + "            tls: {ca: tls/ca.crt, cert: tls/" + node + ".crt, key: tls/" + node + ".key}}\n"
                + "publish:\n"
                + "  directory: published\n"
                + "  transfer: {listen: \"127.0.0.1:" + freePort() + "\", allow: [127.0.0.1/32]}\n"
                + "grpc: {listen: \"127.0.0.1:" + grpcPorts.get(node) + "\"}\n"
                + "metrics: {listen: \"127.0.0.1:" + freePort() + "\"}\n"
                + "tls: {ca: tls/ca.crt, cert: tls/" + node + ".crt, key: tls/" + node + ".key}\n", StandardCharsets.UTF_8);
        return file;
    }

    private int grpcPort(String node) throws IOException {
        int port = freePort();
        grpcPorts.put(node, port);
        return port;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
