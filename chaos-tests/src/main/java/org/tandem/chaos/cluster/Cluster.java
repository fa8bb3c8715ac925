package org.tandem.chaos.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.tandem.chaos.history.CapturedVersion;
import org.tandem.chaos.history.ClusterSample;
import org.tandem.chaos.history.JsonLines;
import org.tandem.chaos.history.LedgerEntry;
import org.tandem.chaos.history.ProberEvent;
import org.tandem.chaos.net.Host;
import org.tandem.chaos.net.Topology;
import org.tandem.chaos.proc.Proc;
import org.tandem.chaos.proc.Procs;
import org.tandem.chaos.watch.ClusterWatchMain;
import org.tandem.cli.lab.DemoPki;
import org.tandem.cli.lab.TokenLab;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.grpc.TlsMaterialException;
import org.tandem.keysync.manifest.ZooKeeperLayout;
import org.tandem.keysync.manifest.ZooKeeperServerTls;
import org.tandem.signer.node.SignerNodeMain;

/**
 * The cluster under test, on the {@link Topology}: three ZooKeeper voters (dc1, dc2, dc3), two
 * signer nodes ({@code node-a} in dc1, {@code node-b} in dc2), each with its own SoftHSM2 token of
 * the same name, the authoritative secondary and the validating resolver in the "internet" site, the
 * observer (prober and capture) and the cluster watch there too. Everything is a process of its own,
 * started from the harness's class path and the Debian binaries.
 *
 * <p>Files: {@code run/} under the report directory holds the tokens and PIN files ({@code hsm/}),
 * the PKI ({@code tls/}), configurations, ZooKeeper data, each node's published directory, {@code
 * logs/<process>.log}, and the record files {@code cluster.jsonl}, {@code ledger.jsonl}; the report
 * directory itself gets {@code prober.jsonl}, {@code captures.jsonl} and {@code published/}.
 */
public final class Cluster implements AutoCloseable {
    public static final String ZONE = "example.test.";
    public static final List<String> NODES = List.of("node-a", "node-b");
    public static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);
    public static final int TRANSFER_PORT = 5353;
    /** How often the cluster watch samples who believes it leads (at most 100 ms: two claims must not hide between). */
    public static final Duration WATCH_INTERVAL = Duration.ofMillis(100);
    /** How often the zone churn driver changes the zone source. */
    public static final Duration CHURN_INTERVAL = Duration.ofSeconds(1);

    /**
     * The size of each node's publish file system: a tmpfs of its own under {@code run/<node>/published}
     * (scenario {@code publish-disk-full} fills it). Every version is kept (about 6 KiB each): room for
     * hours of churn.
     */
    public static final String PUBLISH_FS_SIZE = "64m";
    /** The tmpfs source name of a node's publish file system ({@code bin/chaos} unmounts leftovers by it). */
    static final String PUBLISH_FS_PREFIX = "tdmc-publish-";

    static final Map<String, String> NODE_HOST = Map.of("node-a", "dc1-signer", "node-b", "dc2-signer");
    static final List<String> ZK_HOSTS = List.of("dc1-zk", "dc2-zk", "dc3-zk");
    /** The voters' secure client port (TLS only; no plaintext port). */
    public static final int ZK_PORT = 2281;

    private final Topology net;
    private final Procs procs;
    private final Path report;
    private final Path run;
    private final PrintWriter out;
    private TokenLab lab;
    private final Map<String, Proc> zk = new LinkedHashMap<>();
    private final Map<String, Proc> nodes = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> nodeEnv = new LinkedHashMap<>();
    private String zkConnect;
    private DemoPki pki;
    private Internet internet;
    private List<String> zoneExtra = List.of();
    /** Per node: more lines of its zone entry and of its top level in {@code node.yaml} (a scenario's policy). */
    private final Map<String, List<String>> configExtra = new ConcurrentHashMap<>();

    private final List<Path> publishMounts = new ArrayList<>();
    private long churned;
    private ScheduledExecutorService churn;

    private final JsonLines.Tail<ClusterSample> samples;
    private final JsonLines.Tail<LedgerEntry> ledger;
    private final JsonLines.Tail<CapturedVersion> captures;
    private final JsonLines.Tail<ProberEvent> prober;

    private Cluster(Topology net, Procs procs, Path report, PrintWriter out) {
        this.net = net;
        this.procs = procs;
        this.report = report;
        this.run = report.resolve("run");
        this.out = out;
        this.samples = new JsonLines.Tail<>(run.resolve("cluster.jsonl"), ClusterSample.class);
        this.ledger = new JsonLines.Tail<>(run.resolve("ledger.jsonl"), LedgerEntry.class);
        this.captures = new JsonLines.Tail<>(report.resolve("captures.jsonl"), CapturedVersion.class);
        this.prober = new JsonLines.Tail<>(report.resolve("prober.jsonl"), ProberEvent.class);
    }

    /**
     * Builds the network and starts everything; returns once the cluster has converged and the prober sees AD answers.
     */
    public static Cluster start(Path report, PrintWriter out, Map<String, Map<String, String>> nodeEnv)
            throws Exception {
        Topology net = Topology.create();
        Procs procs = null;
        Cluster c = null;
        try {
            Files.createDirectories(report);
            procs = new Procs(report.resolve("run/logs"));
            c = new Cluster(net, procs, report.toAbsolutePath(), out);
            c.nodeEnv.putAll(nodeEnv);
            c.setUp();
            return c;
        } catch (Exception | Error e) {
            if (c != null) {
                c.close();
            } else {
                if (procs != null) {
                    procs.close();
                }
                net.close();
            }
            throw e;
        }
    }

    private void say(String s) {
        out.println("chaos: " + s);
        out.flush();
    }

    private void setUp() throws Exception {
        long t0 = System.nanoTime();
        say("network up: " + net.hosts().size() + " hosts in namespaces " + Topology.PREFIX
                + "*, sites dc1 dc2 dc3 inet");
        lab = TokenLab.perNode(run, NODES);
        List<String> connect = new ArrayList<>();
        for (String h : ZK_HOSTS) {
            connect.add(net.host(h).address() + ":" + ZK_PORT);
        }
        zkConnect = String.join(",", connect);
        // The PKI first: ZooKeeper speaks TLS only (clients and quorum), with certificates of the cluster CA.
        pki = DemoPki.create(run.resolve("tls"), lab);
        for (String n : NODES) {
            pki.issue(n, "node", List.of(nodeHost(n).address()));
        }
        pki.issue("operator", "operator");
        pki.issue("coordinator", "coordinator", List.of(net.host("dc3-coord").address()));
        for (int i = 1; i <= 3; i++) {
            // peers and clients may verify the voter by its address or by its host name (/etc/hosts)
            pki.issueForHosts(
                    "zk" + i,
                    "zookeeper",
                    List.of(net.host(ZK_HOSTS.get(i - 1)).address()),
                    List.of(ZK_HOSTS.get(i - 1)));
        }
        for (int i = 1; i <= 3; i++) {
            writeZooKeeperConfig(i);
            startZooKeeper(i);
        }
        startWatch();
        await("ZooKeeper quorum (3 voters)", Duration.ofSeconds(60), s -> s.zookeeper());
        say("ZooKeeper ensemble up (TLS for clients and quorum, role ACLs): " + zkConnect);
        writeZone(List.of());
        for (String n : NODES) {
            mountPublishFs(n);
            writeNodeConfig(n);
            startNode(n);
        }
        startCoordinator();
        keys();
        say("keys generated once inside node-a's HSM, carried to node-b's through the KeySync service, proven on both: "
                + keys.values());
        await(
                "node-a's first publication",
                Duration.ofSeconds(90),
                s -> s.lastNode().equals("node-a") && s.lastSerial() > 0);
        awaitConverged(Duration.ofSeconds(90));
        say("node-a leads, node-b is a key-synced standby");
        internet = Internet.start(this);
        say(String.format(
                "internet site up: Knot secondary %s, Unbound %s, prober and capture running (set-up %.0f s)",
                net.host("inet-auth").address(), net.host("inet-resolver").address(), (System.nanoTime() - t0) / 1e9));
    }

    /**
     * The KEK ceremony and the keys, as an operator on the operator's host (dc3-coord, no HSM) does
     * them through the coordinator: the nodes' HSMs are in other namespaces and other token
     * directories; keys reach node-b only wrapped, through node-b's KeySync service.
     */
    private void keys() throws Exception {
        String c = "--config=" + run.resolve("signerctl.yaml");
        signerctl("kek", "init", c, "--on=node-a");
        signerctl("kek", "enrol", c, "--from=node-a", "--to=node-b");
        // Every scenario starts with node-a leading: node-b is down while the keys are made, so that
        // node-a is the only node eligible when the zone gets its first keys; it leads, and it
        // publishes them once node-b, back, holds them too (keys sync below).
        node("node-b").stop(20);
        signerctl("keys", "generate", c, "--zone=" + ZONE, "--role=ksk", "--on=node-a");
        signerctl("keys", "generate", c, "--zone=" + ZONE, "--role=zsk", "--on=node-a");
        await("node-a leading", Duration.ofSeconds(60), s -> s.latch().equals(List.of("node-a")));
        startNode("node-b");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Run sync = signerctlRun("keys", "sync", c, "--zone=" + ZONE);
        while (sync.exit() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(1000); // node-b's gRPC service is not up yet
            sync = signerctlRun("keys", "sync", c, "--zone=" + ZONE);
        }
        if (sync.exit() != 0) {
            throw new ChaosException("signerctl keys sync failed (exit " + sync.exit() + "): "
                    + sync.output().strip());
        }
        signerctl("keys", "verify", c, "--zone=" + ZONE);
        JsonNode view = JsonLines.MAPPER.readTree(signerctl(
                "--config", run.resolve("signerctl.yaml").toString(), "keys", "--cluster", "--zone=" + ZONE, "--json"));
        for (JsonNode zone : view.get("zones")) {
            for (JsonNode k : zone.get("keys")) {
                String role = k.get("role").asText().toUpperCase(Locale.ROOT);
                int tag = k.get("key_tag").asInt();
                // the object label every HSM gives the key: tandem:<zone>:<ROLE>:<algorithm>:<tag>
                String label =
                        "tandem:" + ZONE + ":" + role + ":" + k.get("algorithm").asInt() + ":" + tag;
                keys.put(role, new Key(role, tag, k.get("fingerprint").asText(), label));
            }
        }
        if (!keys.containsKey("KSK") || !keys.containsKey("ZSK")) {
            throw new ChaosException("signerctl keys --cluster shows no KSK and ZSK: " + view);
        }
    }

    /**
     * One key of the zone as the manifest and the tokens know it.
     *
     * @param role {@code KSK} or {@code ZSK}
     * @param tag the key tag
     * @param fingerprint the keysync fingerprint (hex), also the {@code CKA_ID} on every token
     * @param label the {@code CKA_LABEL} on the tokens
     */
    public record Key(String role, int tag, String fingerprint, String label) {
        @Override
        public String toString() {
            return role + " " + tag;
        }
    }

    private final Map<String, Key> keys = new LinkedHashMap<>();

    /** The zone's key of that role ({@code KSK}, {@code ZSK}). */
    public Key key(String role) {
        return keys.get(role);
    }

    /**
     * Runs {@code signerctl ARGS} on the operator's host (dc3-coord), where ZooKeeper is reachable; returns its output.
     */
    public String signerctl(String... args) throws IOException, InterruptedException {
        return signerctlExit(args).output;
    }

    /** Result of a signerctl run. */
    public record Run(int exit, String output) {}

    /** Runs {@code signerctl ARGS} on dc3-coord and fails unless it exits 0. */
    private Run signerctlExit(String... args) throws IOException, InterruptedException {
        Run r = signerctlRun(args);
        if (r.exit != 0) {
            throw new ChaosException(
                    "signerctl " + String.join(" ", args) + " failed (exit " + r.exit + "): " + r.output.strip());
        }
        return r;
    }

    /** Runs {@code signerctl ARGS} on dc3-coord, whatever its exit code. */
    public Run signerctlRun(String... args) throws IOException, InterruptedException {
        ProcessBuilder pb = lab.signerctl(List.of(args));
        List<String> cmd = new ArrayList<>(
                List.of("ip", "netns", "exec", net.host("dc3-coord").namespace()));
        cmd.addAll(pb.command());
        pb.command(cmd).redirectErrorStream(true).directory(run.toFile());
        Process p = pb.start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        Files.writeString(
                procs.log("signerctl"),
                "$ signerctl " + String.join(" ", args) + "\n" + text + "(exit " + exit + ")\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        return new Run(exit, text);
    }

    private void writeZooKeeperConfig(int i) throws IOException {
        Path dir = Files.createDirectories(run.resolve("zk" + i + "/data"));
        Files.writeString(dir.resolve("myid"), i + "\n");
        StringBuilder cfg = new StringBuilder();
        Path keyStore;
        try {
            keyStore = ZooKeeperServerTls.writeKeyStore(
                    new TlsMaterial(pki.cert("zk" + i), pki.key("zk" + i), pki.ca()),
                    run.resolve("zk" + i + "/keystore.pem"));
        } catch (TlsMaterialException e) {
            throw new IOException(e.getMessage(), e);
        }
        Map<String, String> tls = new LinkedHashMap<>(ZooKeeperServerTls.clientProperties(ZK_PORT, keyStore, pki.ca()));
        tls.putAll(ZooKeeperServerTls.quorumProperties(keyStore, pki.ca()));
        cfg.append("tickTime=1000\ninitLimit=10\nsyncLimit=2\ncnxTimeout=2000\n")
                .append("dataDir=")
                .append(dir)
                .append('\n')
                .append("secureClientPortAddress=")
                .append(net.host(ZK_HOSTS.get(i - 1)).address())
                .append('\n')
                .append("admin.enableServer=false\n4lw.commands.whitelist=srvr,mntr,ruok\nstandaloneEnabled=false\n")
                .append("maxSessionTimeout=20000\nminSessionTimeout=2000\n");
        for (int j = 1; j <= 3; j++) {
            cfg.append("server.")
                    .append(j)
                    .append('=')
                    .append(net.host(ZK_HOSTS.get(j - 1)).address())
                    .append(":2888:3888\n");
        }
        tls.forEach((k, v) -> cfg.append(k).append('=').append(v).append('\n'));
        Files.writeString(run.resolve("zk" + i + "/zoo.cfg"), cfg.toString());
    }

    /** Starts ZooKeeper voter {@code i} (1 dc1, 2 dc2, 3 dc3) from the ZooKeeper jar. */
    public void startZooKeeper(int i) throws IOException {
        Proc p = procs.startJava(
                net.host(ZK_HOSTS.get(i - 1)),
                "zk" + i,
                "192m",
                List.of("-Dzookeeper.jmx.log4j.disable=true", "-Dorg.slf4j.simpleLogger.log.org.apache.zookeeper=info"),
                "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                List.of(run.resolve("zk" + i + "/zoo.cfg").toString()),
                Map.of());
        zk.put("zk" + i, p);
    }

    /** The voter process {@code zk1..zk3}. */
    public Proc zooKeeper(int i) {
        return zk.get("zk" + i);
    }

    private void startWatch() throws IOException {
        List<String> args = new ArrayList<>(List.of(
                zkConnect,
                ZooKeeperLayout.DEFAULT_ROOT,
                ZONE,
                run.toString(),
                String.valueOf(WATCH_INTERVAL.toMillis()),
                // read only, as the coordinator
                "--zookeeper-tls=" + pki.ca() + "," + pki.cert("coordinator") + "," + pki.key("coordinator")));
        for (String n : NODES) {
            args.add(n + "=" + nodeHost(n).address() + ":9105");
        }
        procs.startJava(
                net.host("inet-resolver"),
                "cluster-watch",
                "96m",
                List.of(),
                ClusterWatchMain.class.getName(),
                args,
                Map.of());
    }

    /**
     * The unsigned master file both nodes read (a shared hidden-primary source); {@code extra} lines are
     * appended, and they stay while the churn driver keeps changing the zone.
     */
    public synchronized void writeZone(List<String> extra) throws IOException {
        zoneExtra = List.copyOf(extra);
        writeZoneSource();
    }

    /**
     * Starts the zone churn: the source changes every {@link #CHURN_INTERVAL} (one TXT record {@code
     * churn.example.test.} counts up), during every scenario, so that every check that says "X
     * published nothing" has something X would have published. Idempotent.
     */
    public synchronized void startChurn() {
        if (churn != null) {
            return;
        }
        churn = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "zone-churn");
            t.setDaemon(true);
            return t;
        });
        churn.scheduleAtFixedRate(
                () -> {
                    try {
                        churnOnce();
                    } catch (IOException | RuntimeException e) {
                        out.println("chaos: zone churn could not write the source: " + e.getMessage());
                    }
                },
                0,
                CHURN_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        say("zone churn: the source of " + ZONE + " changes every " + CHURN_INTERVAL.toMillis() + " ms");
    }

    private synchronized void churnOnce() throws IOException {
        churned++;
        writeZoneSource();
    }

    /** How many times the churn driver has changed the zone source so far. */
    public synchronized long churned() {
        return churned;
    }

    private void writeZoneSource() throws IOException {
        List<String> extra = new ArrayList<>(zoneExtra);
        if (churned > 0) {
            extra.add("churn    TXT   \"change " + churned + "\"");
        }
        Path zones = Files.createDirectories(run.resolve("zones"));
        StringBuilder b = new StringBuilder("""
                $ORIGIN example.test.
                $TTL 10
                @        SOA   ns1 hostmaster 2026120100 10 5 1209600 10
                @        NS    ns1
                @        MX    10 mail
                @        TXT   "v=spf1 mx -all"
                @        CAA   0 issue "letsencrypt.org"
                ns1      A     10.77.4.53
                mail     A     192.0.2.25
                www      A     192.0.2.80
                www      AAAA  2001:db8::80
                _443._tcp.www TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
                svc      HTTPS 1 . alpn="h2,h3"
                *.wild   TXT   "any name"
                sub      NS    ns.sub
                ns.sub   A     192.0.2.54
                sub      DS    12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
                """);
        for (String l : extra) {
            b.append(l).append('\n');
        }
        Path file = zones.resolve("example.test.zone");
        Path tmp = zones.resolve(".example.test.zone.tmp");
        Files.writeString(tmp, b.toString(), StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The coordinator on the operator's host in dc3, and signerctl.yaml for the operator's commands there. */
    private void startCoordinator() throws Exception {
        Host h = net.host("dc3-coord");
        StringBuilder b = new StringBuilder("coordinator: {name: coordinator}\nnodes:\n");
        for (String n : NODES) {
            b.append("  - {name: ")
                    .append(n)
                    .append(", site: ")
                    .append(nodeHost(n).site())
                    .append(", endpoint: \"")
                    .append(nodeHost(n).address())
                    .append(":7443\"}\n");
        }
        b.append("zookeeper: {connect: \"")
                .append(zkConnect)
                .append("\", root: /tandem,\n")
                .append("            tls: {ca: tls/ca.crt, cert: tls/coordinator.crt, key: tls/coordinator.key}}\n")
                .append("grpc: {listen: \"")
                .append(h.address())
                .append(":7444\"}\n")
                .append("tls: {ca: tls/ca.crt, cert: tls/coordinator.crt, key: tls/coordinator.key}\n")
                .append("audit-log: coordinator-audit.jsonl\n")
                .append("preflight: {min-expiry-after-takeover: 1d, wait-for-publish: 60s}\n");
        Files.writeString(run.resolve("coordinator.yaml"), b.toString(), StandardCharsets.UTF_8);
        Files.writeString(
                run.resolve("signerctl.yaml"),
                "coordinator: \"" + h.address() + ":7444\"\n"
                        + "tls: {ca: tls/ca.crt, cert: tls/operator.crt, key: tls/operator.key}\n",
                StandardCharsets.UTF_8);
        procs.startJava(
                h,
                "coordinator",
                "192m",
                List.of(),
                "org.tandem.coordinator.CoordinatorMain",
                List.of("--config", run.resolve("coordinator.yaml").toString()),
                Map.of());
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Run last;
        do {
            last = signerctlRun("--config", run.resolve("signerctl.yaml").toString(), "status");
            if (last.exit() == 0) {
                say("coordinator up on " + h.address() + ":7444 (operator host dc3-coord)");
                return;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        throw new ChaosException("the coordinator did not answer within 60 s: "
                + last.output().strip() + "; see " + procs.log("coordinator"));
    }

    /** The node's publish directory: a tmpfs of {@link #PUBLISH_FS_SIZE} of its own. */
    public Path publishDir(String n) {
        return run.resolve(n + "/published");
    }

    private void mountPublishFs(String n) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(publishDir(n));
        tool(
                "mount",
                "-t",
                "tmpfs",
                "-o",
                "size=" + PUBLISH_FS_SIZE + ",mode=0755",
                PUBLISH_FS_PREFIX + n,
                dir.toString());
        publishMounts.add(dir);
    }

    /**
     * Unmounts the publish file systems, their content kept: copied out first, back into the (then
     * plain) directory afterwards, for the report.
     */
    private void unmountPublishFs() {
        for (Path dir : publishMounts) {
            Path saved = dir.resolveSibling(dir.getFileName() + ".saved");
            try {
                tool("cp", "-a", dir.toString(), saved.toString());
                tool("umount", dir.toString());
                tool("sh", "-c", "cp -a \"$0\"/. \"$1\"/ && rm -rf \"$0\"", saved.toString(), dir.toString());
            } catch (IOException e) {
                out.println("chaos: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        publishMounts.clear();
    }

    private static void tool(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + text.strip());
        }
    }

    /**
     * Sets node {@code n}'s extra configuration ({@code zone}: lines of its zone entry, {@code top}:
     * top-level lines of {@code node.yaml}) and rewrites its {@code node.yaml}; takes effect at its
     * next start. Empty strings restore the harness's configuration.
     */
    public void reconfigure(String n, String zone, String top) throws IOException {
        configExtra.put(n, List.of(zone, top));
        writeNodeConfig(n);
    }

    /** The file whose existence stalls node {@code n}'s signing loop (the node's test-only hook). */
    public Path stallFile(String n) {
        return run.resolve(n + ".stall-signing");
    }

    private void writeNodeConfig(String n) throws IOException {
        Host h = nodeHost(n);
        List<String> extra = configExtra.getOrDefault(n, List.of("", ""));
        Files.writeString(
                run.resolve(n + ".yaml"),
                "node: {name: " + n + ", site: " + h.site() + "}\n"
                        + "hsm-config: " + run.relativize(lab.writeNodeHsmYaml(n, zkConnect)) + "\n"
                        + "peers:\n"
                        + "  - {name: " + other(n) + ", endpoint: \""
                        + nodeHost(other(n)).address() + ":7443\"}\n"
                        + "zones:\n"
                        + "  - name: " + ZONE + "\n"
                        + "    source: zones/example.test.zone\n"
                        + extra.get(0)
                        // the churn changes the source every second: publish each change (floor 1 s, not 10 s)
                        + "resign: {floor: 1s, debounce: 200ms}\n"
                        + "zookeeper: {connect: \"" + zkConnect + "\", session-timeout: " + SESSION_TIMEOUT.toSeconds()
                        + "s, root: /tandem,\n"
                        + "            tls: {ca: tls/ca.crt, cert: tls/" + n + ".crt, key: tls/" + n + ".key}}\n"
                        + "publish:\n"
                        + "  directory: " + n + "/published\n"
                        + "  transfer:\n"
                        + "    listen: \"" + h.address() + ":" + TRANSFER_PORT + "\"\n"
                        + "    notify: [\"" + net.host("inet-auth").address() + ":53\"]\n"
                        // the secondaries' network, and the node itself: its expiry watchdog reads its own endpoint
                        + "    allow: [10.77.4.0/24, " + h.address() + "/32]\n"
                        + "grpc: {listen: \"" + h.address() + ":7443\"}\n"
                        + "metrics: {listen: \"" + h.address() + ":9105\"}\n"
                        + "tls: {ca: tls/ca.crt, cert: tls/" + n + ".crt, key: tls/" + n + ".key}\n"
                        + extra.get(1),
                StandardCharsets.UTF_8);
    }

    /** Starts (or restarts) a signer node on its host. */
    public Proc startNode(String n) throws IOException {
        Proc old = nodes.get(n);
        if (old != null && old.alive()) {
            throw new ChaosException(n + " is still running (" + old + ")");
        }
        Map<String, String> env = new LinkedHashMap<>(nodeEnv.getOrDefault(n, Map.of()));
        env.put("SOFTHSM2_CONF", lab.softhsmConf(n).toString()); // this node's own HSM, nothing else
        env.putAll(fakeTime(n));
        Proc p = procs.startJava(
                nodeHost(n),
                n,
                "256m",
                List.of(
                        "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                        // the ZooKeeper client's and Curator's own lines: what a takeover waited for
                        "-Dorg.slf4j.simpleLogger.log.org.apache.zookeeper=info",
                        "-Dorg.slf4j.simpleLogger.log.org.apache.curator=info",
                        // the node's test-only hook: its signing loop stalls while this file exists
                        // (scenario signature-expiry-stall); absent, it does nothing
                        "-Dtandem.test.stall-signing-file=" + stallFile(n)),
                SignerNodeMain.class.getName(),
                List.of("--config", run.resolve(n + ".yaml").toString()),
                env);
        nodes.put(n, p);
        return p;
    }

    /** libfaketime, so that a scenario can move one node's wall clock (and nothing else: nanoTime stays true). */
    static final Path FAKETIME = Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1");

    private Map<String, String> fakeTime(String n) throws IOException {
        if (!Files.isRegularFile(FAKETIME)) {
            return Map.of();
        }
        Path offset = run.resolve(n + ".faketime");
        if (!Files.exists(offset)) {
            Files.writeString(offset, "+0\n");
        }
        return Map.of(
                "LD_PRELOAD",
                FAKETIME.toString(),
                "FAKETIME_TIMESTAMP_FILE",
                offset.toString(),
                "FAKETIME_CACHE_DURATION",
                "1",
                "FAKETIME_DONT_FAKE_MONOTONIC",
                "1",
                "FAKETIME_FORCE_MONOTONIC_FIX",
                "0");
    }

    /**
     * Sets node {@code n}'s wall-clock offset ({@code +0}, {@code +1d}, {@code -2h}); read by libfaketime within a
     * second.
     */
    public void clockOffset(String n, String offset) throws IOException {
        if (!Files.isRegularFile(FAKETIME)) {
            throw new ChaosException("libfaketime is not installed (" + FAKETIME + "): apt-get install libfaketime");
        }
        Path file = run.resolve(n + ".faketime");
        Path tmp = run.resolve("." + n + ".faketime.tmp");
        Files.writeString(tmp, offset + "\n");
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public Proc node(String n) {
        return nodes.get(n);
    }

    /**
     * Thread dumps of the running signer nodes ({@code jcmd PID Thread.print}) into {@code
     * logs/<node>-threads-<label>.txt}: what a node that stopped publishing was doing when the judge
     * noticed. Best effort: a dump that fails leaves its error in the file instead.
     */
    public List<Path> dumpThreads(String label) throws InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        List<Path> out = new ArrayList<>();
        for (String n : NODES) {
            Proc p = nodes.get(n);
            if (p == null || !p.alive()) {
                continue;
            }
            Path file = procs.logs().resolve(n + "-threads-" + label + ".txt");
            try {
                Process dump = new ProcessBuilder(jcmd.toString(), Long.toString(p.pid()), "Thread.print")
                        .redirectErrorStream(true)
                        .redirectOutput(file.toFile())
                        .start();
                if (!dump.waitFor(30, TimeUnit.SECONDS)) {
                    dump.destroyForcibly();
                    Files.writeString(file, "jcmd did not finish within 30 s\n", StandardOpenOption.APPEND);
                }
                out.add(file);
            } catch (IOException e) {
                out.add(file);
                try {
                    Files.writeString(file, "jcmd failed: " + e.getMessage() + "\n");
                } catch (IOException ignored) {
                    // the report names the file either way
                }
            }
        }
        return out;
    }

    public Host nodeHost(String n) {
        return net.host(NODE_HOST.get(n));
    }

    public static String other(String n) {
        return n.equals("node-a") ? "node-b" : "node-a";
    }

    public Topology net() {
        return net;
    }

    public Procs procs() {
        return procs;
    }

    public Path run() {
        return run;
    }

    public Path report() {
        return report;
    }

    public TokenLab lab() {
        return lab;
    }

    public String zkConnect() {
        return zkConnect;
    }

    public PrintWriter out() {
        return out;
    }

    // ---- what the watch and the observer recorded ----

    /** The watch's latest sample, if any. */
    public Optional<ClusterSample> latest() {
        return samples.last();
    }

    public List<ClusterSample> samples() {
        return samples.all();
    }

    public List<LedgerEntry> ledger() {
        return ledger.all();
    }

    public List<CapturedVersion> captures() {
        return captures.all();
    }

    public List<ProberEvent> prober() {
        return prober.all();
    }

    /** Waits until the watch's latest sample (newer than the call) satisfies {@code ok}. */
    public ClusterSample await(String what, Duration timeout, Predicate<ClusterSample> ok) throws InterruptedException {
        Instant since = Instant.now();
        return poll(
                what, timeout, () -> latest().filter(s -> s.at().isAfter(since)).filter(ok));
    }

    /** Waits for one leader that is the latch's first and every node key-synced and healthy. */
    public ClusterSample awaitConverged(Duration timeout) throws InterruptedException {
        return await("convergence (one leader, every node key-synced and healthy)", timeout, s -> s.converged(NODES));
    }

    /** Polls {@code probe} every 200 ms until it gives a value; throws with the last sample after {@code timeout}. */
    public <T> T poll(String what, Duration timeout, Supplier<Optional<T>> probe) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<T> v = probe.get();
            if (v.isPresent()) {
                return v.get();
            }
            if (System.nanoTime() > deadline) {
                throw new ChaosException("no " + what + " within " + timeout.toSeconds() + " s; last cluster sample: "
                        + latest().map(Object::toString).orElse("none") + "; logs in " + procs.logs());
            }
            for (Proc p : zk.values()) {
                // a voter the scenario did not stop must not die
                if (!p.alive() && !stoppedOnPurpose.contains(p)) {
                    throw new ChaosException(p + " exited with " + p.process().exitValue() + "; see " + p.log());
                }
            }
            Thread.sleep(200);
        }
    }

    private final Set<Proc> stoppedOnPurpose = ConcurrentHashMap.newKeySet();

    /** Marks a process as stopped by a scenario (its exit is not an error of the harness). */
    public void stoppedOnPurpose(Proc p) {
        stoppedOnPurpose.add(p);
    }

    @Override
    public void close() {
        synchronized (this) {
            if (churn != null) {
                churn.shutdownNow();
            }
        }
        try {
            if (internet != null) {
                internet.close();
            }
        } finally {
            procs.close();
            unmountPublishFs();
            net.close();
        }
    }
}
