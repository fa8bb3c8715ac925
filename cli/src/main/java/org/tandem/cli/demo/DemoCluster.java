package org.tandem.cli.demo;

import java.io.File;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.tandem.cli.SignerctlException;
import org.tandem.cli.cluster.CoordinatorClient;
import org.tandem.cli.lab.DemoPki;
import org.tandem.cli.lab.TokenLab;
import org.tandem.keysync.hsm.pkcs11.Pkcs11JvmFlags;
import org.tandem.keysync.key.ZoneName;
import org.tandem.proto.coordinator.v1.GetClusterStatusRequest;
import org.tandem.proto.coordinator.v1.NodeRole;
import org.tandem.proto.coordinator.v1.NodeView;
import org.tandem.signer.election.PublishLedger;
import org.tandem.signer.election.PublishRecord;
import org.tandem.signer.node.SignerNodeMain;

/**
 * The demo's cluster on this machine, shared by its modes ({@link DemoStory}, {@link TakeoverRounds},
 * {@link KeepRunningDemo}): a per-node {@link TokenLab} (each node its own SoftHSM2 token), the cluster
 * CA, the zone, each node's configuration, and the processes: both signer nodes and the coordinator,
 * each {@code java} with this class path, logging to {@code logs/<name>.log}; then the KEK ceremony and
 * the keys through the coordinator, told by the {@link DemoNarrator}. Detached (for {@code
 * --keep-running}), every process goes into the pid file ({@link DemoProcesses}).
 *
 * <p>One demo run's, on its thread. Whoever creates it stops its processes ({@link #stopAll}), or,
 * detached, {@link DemoProcesses#stop}.
 */
final class DemoCluster {
    static final ZoneName ZONE = ZoneName.of("example.test");
    static final List<String> NODES = List.of("node-a", "node-b");
    /** ZooKeeper session timeout of the demo nodes; the takeover takes about this long. */
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);

    static final Duration WAIT = Duration.ofSeconds(60);
    /** The coordinator's main class (module coordinator; referenced by name so the cli compiles without it). */
    static final String COORDINATOR_MAIN = "org.tandem.coordinator.CoordinatorMain";

    private final Map<String, Integer> grpcPorts = new HashMap<>();
    private final boolean detached;
    private final DemoNarrator n;
    private final TokenLab lab;
    private final Path dir;
    private final List<Process> nodes = new ArrayList<>();
    private final Set<Process> killed = new HashSet<>();
    private final Map<String, Process> byName = new HashMap<>();
    private int coordinatorPort;

    private DemoCluster(TokenLab lab, DemoNarrator n, boolean detached) {
        this.lab = lab;
        this.dir = lab.dir();
        this.n = n;
        this.detached = detached;
    }

    /**
     * Makes the nodes' tokens in {@code workdir} (which must not hold tokens yet).
     *
     * @param detached whether the processes outlive the command (--keep-running: in the pid file)
     */
    static DemoCluster create(Path workdir, PrintWriter out, PrintWriter err, boolean detached)
            throws IOException, InterruptedException {
        TokenLab lab = TokenLab.perNode(workdir, NODES);
        return new DemoCluster(lab, new DemoNarrator(out, err, lab), detached);
    }

    /** The work directory, absolute. */
    Path dir() {
        return dir;
    }

    DemoNarrator narrator() {
        return n;
    }

    /**
     * Refuses to start without the coordinator on the class path.
     *
     * @param hint how to build it, for the message
     */
    static void requireCoordinator(String hint) {
        if (!coordinatorAvailable()) {
            throw new IllegalStateException("the coordinator (module coordinator, " + COORDINATOR_MAIN
                    + ") is not on the " + "class path; " + hint);
        }
    }

    /**
     * The cluster CA and every certificate of the demo, before ZooKeeper starts: the nodes' ({@code
     * OU=node}), the operator's, the coordinator's, and ZooKeeper's own server certificate (an {@code
     * OU} that grants no Tandem role).
     */
    DemoPki pki() throws IOException, InterruptedException {
        DemoPki pki = DemoPki.create(dir.resolve("tls"), lab);
        for (String node : NODES) {
            pki.issue(node, "node");
        }
        pki.issue("operator", "operator");
        pki.issue("coordinator", "coordinator");
        pki.issue("zookeeper", "zookeeper");
        return pki;
    }

    private Path writeCoordinatorConfig(String zk) throws IOException {
        coordinatorPort = freePort();
        StringBuilder b = new StringBuilder("coordinator: {name: coordinator}\nnodes:\n");
        for (int i = 0; i < NODES.size(); i++) {
            b.append("  - {name: ")
                    .append(NODES.get(i))
                    .append(", site: dc")
                    .append(i + 1)
                    .append(", endpoint: \"127.0.0.1:")
                    .append(grpcPorts.get(NODES.get(i)))
                    .append("\"}\n");
        }
        b.append("zookeeper: {connect: \"")
                .append(zk)
                .append("\", root: /tandem,\n")
                .append("            tls: {ca: tls/ca.crt, cert: tls/coordinator.crt, key: tls/coordinator.key}}\n")
                .append("grpc: {listen: \"127.0.0.1:")
                .append(coordinatorPort)
                .append("\"}\n")
                .append("metrics: {listen: \"127.0.0.1:")
                .append(freePort())
                .append("\"}\n")
                .append("tls: {ca: tls/ca.crt, cert: tls/coordinator.crt, key: tls/coordinator.key}\n")
                .append("audit-log: coordinator-audit.jsonl\n")
                .append("preflight: {min-expiry-after-takeover: 1d, wait-for-publish: 120s}\n");
        Path file = dir.resolve("coordinator.yaml");
        Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
        return file;
    }

    private static boolean coordinatorAvailable() {
        try {
            Class.forName(COORDINATOR_MAIN, false, DemoCluster.class.getClassLoader());
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
                throw new IllegalStateException(
                        "demo: the coordinator exited with " + p.exitValue() + "; see logs/coordinator.log");
            }
            for (Process node : nodes) {
                if (!node.isAlive() && !killed.contains(node)) {
                    throw new IllegalStateException(
                            "demo: a process exited with " + node.exitValue() + "; see " + dir.resolve("logs"));
                }
            }
            try (CoordinatorClient c = CoordinatorClient.open(signerctlYaml)) {
                var status = c.call(
                        "status",
                        Duration.ofSeconds(5),
                        stub -> stub.getClusterStatus(GetClusterStatusRequest.getDefaultInstance()));
                List<String> unreachable = status.getNodesList().stream()
                        .filter(v -> v.getRole() == NodeRole.UNREACHABLE)
                        .map(NodeView::getName)
                        .toList();
                if (unreachable.isEmpty()) {
                    return;
                }
                last = "the coordinator does not reach " + String.join(", ", unreachable) + " yet";
            } catch (SignerctlException e) {
                last = e.getMessage();
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(
                "demo: the coordinator did not answer within " + WAIT.toSeconds() + " s: " + last);
    }

    /**
     * Everything before the first publication, as an operator does it across two sites: the PKI,
     * the zone, each node's own HSM configuration and node.yaml, both nodes and the coordinator
     * started, then the KEK ceremony and the keys through the coordinator. Returns the node
     * configurations in {@link #NODES} order.
     */
    List<Path> setUp(String zk) throws Exception {
        Path source = writeZone();
        for (String node : NODES) {
            grpcPort(node);
        }
        List<Path> configs = new ArrayList<>();
        for (int i = 0; i < NODES.size(); i++) {
            configs.add(writeNodeConfig(NODES.get(i), "dc" + (i + 1), zk, source));
        }
        n.heading(
                "Start both signer nodes. Each opens only its own HSM (hsm/<node>/hsm.yaml names one token). The zone "
                        + "has no keys yet, so neither may lead: they wait out of the election.");
        for (int i = 0; i < NODES.size(); i++) {
            start(NODES.get(i), configs.get(i));
        }
        Path coordinatorYaml = writeCoordinatorConfig(zk);
        Path signerctlYaml = dir.resolve("signerctl.yaml");
        Files.writeString(
                signerctlYaml,
                "coordinator: \"127.0.0.1:" + coordinatorPort + "\"\n"
                        + "tls: {ca: tls/ca.crt, cert: tls/operator.crt, key: tls/operator.key}\n",
                StandardCharsets.UTF_8);
        startJava("coordinator", List.of(COORDINATOR_MAIN, "--config", coordinatorYaml.toString()), null);
        n.say("$ coordinator --config " + rel(coordinatorYaml) + "   # pid "
                + byName.get("coordinator").pid() + ", log logs/coordinator.log");
        awaitCoordinator(signerctlYaml);
        n.say("The coordinator answers at 127.0.0.1:" + coordinatorPort + " and reaches both nodes. The operator's "
                + "commands below use signerctl.yaml (the operator's certificate, no HSM).");
        keys(signerctlYaml);
        return configs;
    }

    private void keys(Path signerctlYaml) throws IOException, InterruptedException {
        String c = "--config=" + signerctlYaml;
        n.heading("The cluster KEK: made inside node-a's HSM, carried into node-b's under an RSA key that node-b's HSM "
                + "makes; only the public half and the wrapped KEK cross between the sites, never the KEK in "
                + "plaintext.");
        n.expect(0, "kek", "init", c, "--on=node-a");
        n.expect(0, "kek", "enrol", c, "--from=node-a", "--to=node-b");
        n.heading("Generate once, inside node-a's HSM: a KSK and a ZSK. They are not published until every node holds "
                + "them, proven. They reach node-b wrapped under the KEK, and node-b imports only keys the "
                + "manifest lists and proves each at once: the elected node's replication agent copies new "
                + "keys to its peers by itself every few seconds, and keys sync does it at once on the "
                + "operator's order (it copies whatever is still missing). keys verify has every private key "
                + "on every node sign the operator's fresh nonce.");
        n.expect(0, "keys", "generate", c, "--zone=" + ZONE, "--role=ksk", "--on=node-a");
        n.expect(0, "keys", "generate", c, "--zone=" + ZONE, "--role=zsk", "--on=node-a");
        n.expect(0, "keys", "sync", c, "--zone=" + ZONE);
        n.expect(0, "keys", "verify", c, "--zone=" + ZONE);
    }

    static String other(String node) {
        return node.equals(NODES.get(0)) ? NODES.get(1) : NODES.get(0);
    }

    void start(String node, Path config) throws IOException {
        Process p = startJava(
                node, List.of(SignerNodeMain.class.getName(), "--config", config.toString()), lab.softhsmConf(node));
        n.say("$ signer-node --config " + rel(config) + "   # pid " + p.pid() + ", log "
                + rel(dir.resolve("logs/" + node + ".log")));
    }

    /**
     * Starts {@code java -cp <this class path> MAIN ARGS}, logging to logs/NAME.log; with
     * --keep-running, in the pid file. {@code softhsmConf}: the one HSM the process may open, or null
     * for none.
     */
    Process startJava(String name, List<String> mainAndArgs, Path softhsmConf) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // first, so that demo --stop finds it in a command line the OS may cut after the long class path
                DemoProcesses.MARK + dir.toAbsolutePath().normalize(),
                Pkcs11JvmFlags.ADD_EXPORTS,
                "-Xmx256m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-cp",
                System.getProperty("java.class.path")));
        cmd.addAll(mainAndArgs);
        Files.createDirectories(dir.resolve("logs"));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("logs").resolve(name + ".log").toFile()));
        Process p = TokenLab.withTokens(pb, softhsmConf).start();
        nodes.add(p);
        byName.put(name, p);
        if (detached) {
            DemoProcesses.append(dir, name, p.pid());
        }
        return p;
    }

    /** Kills {@code name}'s process with SIGKILL (as a crash or a dead switch looks to ZooKeeper) and waits for it. */
    Process kill(String name) throws InterruptedException {
        Process p = byName.get(name);
        killed.add(p);
        p.destroyForcibly();
        p.waitFor(20, TimeUnit.SECONDS);
        return p;
    }

    /** Stops every process started here: SIGTERM, then SIGKILL after 20 s. */
    void stopAll() throws InterruptedException {
        for (Process p : nodes) {
            p.destroy();
        }
        for (Process p : nodes) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** The process started as {@code name}. */
    Process process(String name) {
        return byName.get(name);
    }

    PublishRecord awaitPublish(PublishLedger ledger, Predicate<PublishRecord> what, String name) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<PublishRecord> last = ledger.last(ZONE);
            // the commit comes first, then the promote into published/: wait for the file too
            if (last.isPresent() && what.test(last.get()) && Files.exists(versionFile(last.get()))) {
                return last.get();
            }
            for (Process p : nodes) {
                if (!p.isAlive() && !killed.contains(p)) {
                    throw new IllegalStateException(
                            "demo: a signer node exited with " + p.exitValue() + "; see " + dir.resolve("logs"));
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(
                "demo: no " + name + " within " + WAIT.toSeconds() + " s; see the logs in " + dir.resolve("logs"));
    }

    void awaitHealthy(Path config, String node) throws Exception {
        int port = Integer.parseInt(Files.readAllLines(config).stream()
                .filter(l -> l.startsWith("metrics:"))
                .findFirst()
                .orElseThrow()
                .replaceAll(".*127\\.0\\.0\\.1:(\\d+).*", "$1"));
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + WAIT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body().strip();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(
                "demo: " + node + " did not become healthy within " + WAIT.toSeconds() + " s: " + last);
    }

    Path versionFile(PublishRecord r) {
        return dir.resolve("published").resolve(zoneDir()).resolve(r.serial() + ".zone");
    }

    static String zoneDir() {
        String z = ZONE.toString();
        return z.endsWith(".") ? z.substring(0, z.length() - 1) : z;
    }

    String rel(Path p) {
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
        Files.writeString(
                file,
                "node: {name: " + node + ", site: " + site + "}\n"
                        + "hsm-config: " + rel(hsmYaml) + "\n"
                        + "peers:\n"
                        + "  - {name: " + peer + ", endpoint: \"127.0.0.1:" + grpcPorts.get(peer) + "\"}\n"
                        + "zones:\n"
                        + "  - name: " + ZONE + "\n"
                        + "    source: " + dir.relativize(source) + "\n"
                        + "zookeeper: {connect: \"" + zk + "\", session-timeout: " + SESSION_TIMEOUT.toSeconds()
                        + "s, root: /tandem,\n"
                        + "            tls: {ca: tls/ca.crt, cert: tls/" + node + ".crt, key: tls/" + node + ".key}}\n"
                        + "publish:\n"
                        + "  directory: published\n"
                        + "  transfer: {listen: \"127.0.0.1:" + freePort() + "\", allow: [127.0.0.1/32]}\n"
                        + "grpc: {listen: \"127.0.0.1:" + grpcPorts.get(node) + "\"}\n"
                        + "metrics: {listen: \"127.0.0.1:" + freePort() + "\"}\n"
                        + "tls: {ca: tls/ca.crt, cert: tls/" + node + ".crt, key: tls/" + node + ".key}\n",
                StandardCharsets.UTF_8);
        return file;
    }

    private int grpcPort(String node) throws IOException {
        int port = freePort();
        grpcPorts.put(node, port);
        return port;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
