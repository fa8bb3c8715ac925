package org.tandem.cli.twosite;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Network;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.tandem.keysync.manifest.ZooKeeperServerTls;
import org.tandem.keysync.testing.TestPki;
import org.tandem.keysync.testing.TestTiming;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.images.builder.Transferable;

/**
 * Tandem in three data centres, every machine its own container: one Docker network per data centre
 * ({@code dc1}, {@code dc2}, {@code dc3}, each a LAN) and a {@code wan} network between them. Every
 * server is plugged into its site's LAN and the WAN, as a machine behind a site router; what crosses
 * sites goes over the WAN.
 *
 * <table>
 * <tr><th>site</th><th>machines</th></tr>
 * <tr><td>dc1</td><td>{@code zk1} (ZooKeeper voter), {@code node-a} (signer node, its own SoftHSM2 token
 * {@code node-a})</td></tr>
 * <tr><td>dc2</td><td>{@code zk2}, {@code node-b} (its own token {@code node-b})</td></tr>
 * <tr><td>dc3</td><td>{@code zk3} (the tie-breaker voter), {@code coordinator}, {@code operator} (signerctl and an
 * {@code OU=operator} certificate, no HSM; on the dc3 LAN only)</td></tr>
 * </table>
 *
 * <p>ZooKeeper is a real three-voter ensemble ({@code QuorumPeerMain}). Each node initialises its
 * token inside its own container with {@code softhsm2-util} (PINs made by the test, never written
 * outside {@code target/}), lists the other node as its {@code peers} entry (the leader replicates new
 * keys to it) and runs {@code bin/signer-node}; the coordinator runs {@code
 * bin/coordinator}; the operator runs {@code bin/signerctl}. The built checkout is mounted read-only
 * at {@code /tandem} in every container (its jars are not in the image); each machine's
 * configuration, certificates, token and published zones are in its own file system. The mutual-TLS
 * material is issued by keysync's {@code TestPki}, each certificate naming its host.
 *
 * <p>Faults: {@link #cutSite} (a site's WAN uplink fails: its machines still reach each other, no one
 * else), {@link #isolate} (one machine unplugged from everything), {@link #stop}/{@link #kill} (a
 * machine powered off), and their repairs.
 *
 * <p>Contracts: {@link #start} returns once the ensemble has a leader and every process is up, or
 * removes whatever it made and throws. {@link #close} removes every container and network of the
 * cluster (after saving each container's log under the work directory), also when the JVM exits
 * before it is called (a shutdown hook); a later cluster also removes what a crashed JVM left
 * behind (labels name the owning process). Not thread-safe: one test class, one cluster.
 */
final class TwoSiteCluster implements AutoCloseable {
    static final String ZONE = "example.test.";
    static final List<String> NODES = List.of("node-a", "node-b");
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);
    /**
     * The zone's DNSKEY TTL (the nodes' signing policy). A new key signs only once it has been
     * published for a DNSKEY TTL, and a takeover checks the same; the default hour would make a test
     * whose ZSK was promoted after the KSK wait that long.
     */
    static final Duration DNSKEY_TTL = Duration.ofSeconds(10);

    static final int NODE_GRPC_PORT = 7443;
    static final int COORDINATOR_PORT = 7500;
    static final String SIGNERCTL_YAML = "/etc/tandem/signerctl.yaml";
    /** Where each node's signed zones go, inside its container. */
    static final String PUBLISHED = "/var/lib/tandem/published";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LABEL_RUN = "org.tandem.twosite.run";
    private static final String LABEL_PID = "org.tandem.twosite.pid";
    /** The voters' secure client ports: ZooKeeper speaks TLS only, with certificates of the test CA. */
    private static final String ZK_CONNECT = "zk1:2281,zk2:2281,zk3:2281";

    static final int ZK_PORT = 2281;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final String SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so";
    /**
     * JVM options of the daemons: small heaps and a quick start on 2 shared cores; no negative DNS cache (names come
     * and go with the networks).
     */
    private static final String DAEMON_JVM =
            "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 " + "-Dsun.net.inetaddr.negative.ttl=0";

    private final String runId;
    private final Path dir;
    private final Map<String, SiteHost.Lan> lans = new LinkedHashMap<>();
    private final Map<String, SiteHost> hosts = new LinkedHashMap<>();
    private final Map<String, String> pins = new LinkedHashMap<>();
    private final Thread shutdownHook;
    private TestPki pki;
    private Duration imageTime = Duration.ZERO;
    private Duration startTime = Duration.ZERO;
    private boolean closed;

    private TwoSiteCluster(Path dir) {
        this.runId = HexFormat.of().formatHex(random(4));
        this.dir = dir;
        this.shutdownHook = new Thread(this::closeQuietly, "twosite-cleanup-" + runId);
    }

    /**
     * Builds or re-uses the images, then starts the whole cluster; files the test makes (PKI, PINs,
     * configurations, the containers' logs at {@link #close}) go to {@code dir}.
     */
    static TwoSiteCluster start(Path dir) throws Exception {
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        String image = TestImages.runtime();
        TwoSiteCluster c = new TwoSiteCluster(dir);
        c.imageTime = Duration.ofNanos(System.nanoTime() - t0);
        Runtime.getRuntime().addShutdownHook(c.shutdownHook);
        try {
            long t1 = System.nanoTime();
            c.boot(image);
            c.startTime = Duration.ofNanos(System.nanoTime() - t1);
            System.err.printf(
                    Locale.ROOT,
                    "twosite: cluster %s up in %.1f s (images %.1f s): %s%n",
                    c.runId,
                    c.startTime.toMillis() / 1000.0,
                    c.imageTime.toMillis() / 1000.0,
                    c.describe());
            return c;
        } catch (Exception | Error e) {
            try {
                c.close();
            } catch (Exception x) {
                e.addSuppressed(x);
            }
            throw e;
        }
    }

    /** How long the engine check and the image build (or re-use) took. */
    Duration imageTime() {
        return imageTime;
    }

    /** How long it took from networks to every process up (ensemble with a leader, nodes and coordinator started). */
    Duration startTime() {
        return startTime;
    }

    Path dir() {
        return dir;
    }

    /** The machines, by name: zk1, zk2, zk3, node-a, node-b, coordinator, operator. */
    Set<String> hosts() {
        return hosts.keySet();
    }

    /** The user PIN of a node's token (made by the test). */
    String pin(String node) {
        return Objects.requireNonNull(pins.get(node), () -> "no token for " + node);
    }

    /** The test's PKI (the cluster CA), to issue more certificates, e.g. for a test's own gRPC client. */
    TestPki pki() {
        return pki;
    }

    // ---- running things

    /** A command run inside a machine, and what came of it. */
    record Exec(String host, List<String> command, int exit, String stdout, String stderr) {
        @Override
        public String toString() {
            return host + "$ " + String.join(" ", command) + "\n[exit " + exit + "]\n" + stdout
                    + (stderr.isBlank() ? "" : "[stderr]\n" + stderr);
        }
    }

    /** Runs {@code command} in machine {@code host} and waits for it. */
    Exec exec(String host, String... command) throws IOException, InterruptedException {
        ExecResult r = host(host).execInContainer(StandardCharsets.UTF_8, command);
        return new Exec(host, List.of(command), r.getExitCode(), r.getStdout(), r.getStderr());
    }

    /** {@code signerctl --config signerctl.yaml ARGS} on the operator's machine. */
    Exec signerctl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("/tandem/bin/signerctl", "--config", SIGNERCTL_YAML));
        cmd.addAll(List.of(args));
        return exec("operator", cmd.toArray(String[]::new));
    }

    /** {@link #signerctl}, failing with its whole output unless it exits 0. */
    Exec signerctlOk(String... args) throws IOException, InterruptedException {
        Exec e = signerctl(args);
        if (e.exit() != 0) {
            throw new AssertionError("expected exit 0:\n" + e);
        }
        return e;
    }

    /**
     * The operator's key ceremony, each step through the coordinator: the cluster KEK made inside
     * node-a's token and enrolled into node-b's; a KSK and a ZSK generated once on node-a; replicated
     * and proven on both ({@code keys sync} exits 0 only when key-synced).
     */
    void keyCeremony() throws IOException, InterruptedException {
        // as the runbook starts: the coordinator reaches every node before a ceremony (a node that has
        // just started may still be refused for a moment while the coordinator's channel reconnects)
        awaitStatus("the coordinator reaches node-a and node-b", Duration.ofSeconds(60), s -> {
            for (String n : List.of("node-a", "node-b")) {
                String role = node(s, n).path("role").asText();
                if (role.isEmpty() || role.equals("unreachable")) {
                    return false;
                }
            }
            return true;
        });
        signerctlOk("kek", "init", "--on", "node-a");
        signerctlOk("kek", "enrol", "--from", "node-a", "--to", "node-b");
        signerctlOk("keys", "generate", "--zone", ZONE, "--role", "ksk", "--on", "node-a");
        signerctlOk("keys", "generate", "--zone", ZONE, "--role", "zsk", "--on", "node-a");
        signerctlOk("keys", "sync", "--zone", ZONE);
    }

    /** The operator's {@code signerctl status --json}: the coordinator's view of the cluster. */
    JsonNode status() throws IOException, InterruptedException {
        Exec e = signerctl("status", "--json");
        if (e.exit() != 0) {
            throw new IOException("signerctl status failed:\n" + e);
        }
        return JSON.readTree(e.stdout());
    }

    /**
     * Polls {@link #status} until {@code condition} holds (a status that cannot be had counts as
     * not yet); fails naming {@code what} and the last status after {@code timeout} (scaled by
     * {@code tandem.timing.multiple}).
     */
    JsonNode awaitStatus(String what, Duration timeout, Predicate<JsonNode> condition) throws InterruptedException {
        JsonNode[] last = new JsonNode[1];
        String[] lastProblem = {"no answer yet"};
        try {
            TestTiming.until(timeout, what, () -> {
                try {
                    JsonNode s = status();
                    last[0] = s;
                    return condition.test(s);
                } catch (IOException e) {
                    lastProblem[0] = e.getMessage();
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted waiting for " + what, e);
                }
            });
        } catch (AssertionError e) {
            throw new AssertionError(
                    e.getMessage() + "; last status: " + (last[0] != null ? last[0].toPrettyString() : lastProblem[0]),
                    e);
        }
        return last[0];
    }

    /** A node's entry in a {@link #status}. */
    static JsonNode node(JsonNode status, String name) {
        for (JsonNode n : status.path("nodes")) {
            if (n.path("name").asText().equals(name)) {
                return n;
            }
        }
        throw new AssertionError("no node " + name + " in " + status.toPrettyString());
    }

    /** A node's role in a {@link #status}: leader, standby, not_eligible, stopped, unreachable. */
    static String role(JsonNode status, String name) {
        return node(status, name).path("role").asText();
    }

    /** A file of a machine's file system (also of a stopped machine). */
    String readFile(String host, String path) throws IOException {
        return host(host).copyFileFromContainer(path, in -> new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }

    /**
     * The machine's address on the WAN (for the test's own clients: this host is the gateway of
     * every network; certificates name the host, so clients override the authority with its name).
     */
    String wanAddress(String host) {
        return host(host).plugged().stream()
                .filter(l -> l.label().equals("wan"))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(host + " is not on the WAN now"))
                .address(host(host).hostNumber());
    }

    /** The zone as a node last published it (its current file), read from the node's file system. */
    String publishedZone(String node) throws IOException {
        return readFile(node, PUBLISHED + "/" + ZONE.substring(0, ZONE.length() - 1) + ".zone");
    }

    /**
     * Polls the zone {@code node} published (its current file, read from its file system) until
     * {@code condition} holds; fails naming {@code what} and what it found last.
     */
    PublishedZone awaitPublished(String node, String what, Duration timeout, Predicate<PublishedZone> condition)
            throws InterruptedException {
        PublishedZone[] last = new PublishedZone[1];
        try {
            TestTiming.until(timeout, what, () -> {
                try {
                    last[0] = PublishedZone.parse(ZONE, publishedZone(node));
                    return condition.test(last[0]);
                } catch (IOException | RuntimeException e) {
                    return false; // nothing published yet
                }
            });
        } catch (AssertionError e) {
            throw new AssertionError(
                    e.getMessage() + "; " + node + " published last: "
                            + (last[0] == null
                                    ? "nothing"
                                    : "serial " + last[0].serial() + ", DNSKEY " + last[0].dnskeys()
                                            + ", SOA signed by key tags " + last[0].soaSigners()),
                    e);
        }
        return last[0];
    }

    /** Everything a machine's main process wrote so far. */
    String logs(String host) {
        return host(host).getLogs();
    }

    // ---- faults

    /** The site's WAN uplink fails: its machines are unplugged from the WAN (they still reach each other). */
    void cutSite(String site) {
        SiteHost.Lan wan = lans.get("wan");
        for (SiteHost h : sited(site)) {
            if (h.plugged().contains(wan)) {
                h.disconnect(wan);
            }
        }
    }

    /** Repairs {@link #cutSite}: the site's servers are on the WAN again, with the same addresses. */
    void restoreSite(String site) {
        SiteHost.Lan wan = lans.get("wan");
        for (SiteHost h : sited(site)) {
            if (!h.name().equals("operator") && !h.plugged().contains(wan)) {
                h.connect(wan);
            }
        }
    }

    /** One machine unplugged from every network (its switch port and uplink dead). */
    void isolate(String host) {
        SiteHost h = host(host);
        for (SiteHost.Lan lan : h.plugged()) {
            h.disconnect(lan);
        }
    }

    /** Repairs {@link #isolate}: plugged into its site's LAN and, for servers, the WAN. */
    void reconnect(String host) {
        SiteHost h = host(host);
        for (SiteHost.Lan lan : home(h)) {
            if (!h.plugged().contains(lan)) {
                h.connect(lan);
            }
        }
    }

    /** Powers a machine off gracefully (SIGTERM to its process, SIGKILL after 10 s); its file system stays. */
    void stop(String host) {
        docker().stopContainerCmd(host(host).getContainerId()).withTimeout(10).exec();
    }

    /** Pulls a machine's power cord (SIGKILL); its file system stays. */
    void kill(String host) {
        docker().killContainerCmd(host(host).getContainerId()).exec();
    }

    /** Powers a stopped machine on again: its process starts anew on the same file system (same token). */
    void restart(String host) {
        docker().startContainerCmd(host(host).getContainerId()).exec();
    }

    boolean running(String host) {
        Boolean r = docker().inspectContainerCmd(host(host).getContainerId())
                .exec()
                .getState()
                .getRunning();
        return Boolean.TRUE.equals(r);
    }

    // ---- set-up

    private void boot(String image) throws Exception {
        sweepLeftovers();
        Path tls = dir.resolve("tls");
        pki = TestPki.create(tls, "Tandem two-site test CA " + runId);
        for (String node : NODES) {
            pki.issue(node, "node", List.of(node));
        }
        pki.issue("coordinator", "coordinator", List.of("coordinator"));
        pki.issue("operator", "operator", List.of("operator"));
        for (int i = 1; i <= 3; i++) {
            ZooKeeperServerTls.writeKeyStore(
                    pki.issue("zk" + i, "zookeeper", List.of("zk" + i)), tls.resolve("zk" + i + ".pem"));
        }

        makeNetworks();
        Path repo = TestImages.repository();
        String[] zks = {"zk1", "zk2", "zk3"};
        for (int i = 0; i < zks.length; i++) {
            hosts.put(zks[i], zooKeeper(image, repo, zks[i], "dc" + (i + 1), i + 1));
        }
        hosts.put("node-a", node(image, repo, "node-a", "dc1", 21));
        hosts.put("node-b", node(image, repo, "node-b", "dc2", 22));
        hosts.put("coordinator", coordinator(image, repo));
        hosts.put("operator", operator(image, repo));

        startAll(List.of("zk1", "zk2", "zk3"));
        startAll(List.of("node-a", "node-b", "coordinator", "operator"));
    }

    private void startAll(List<String> names) {
        // one thread per machine: they boot side by side, as machines do
        ExecutorService pool = Executors.newFixedThreadPool(names.size());
        try {
            List<CompletableFuture<Void>> starts = new ArrayList<>();
            for (String n : names) {
                starts.add(CompletableFuture.runAsync(hosts.get(n)::start, pool));
            }
            CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            throw new IllegalStateException(
                    "twosite: starting " + names + " failed (logs in " + dir.resolve("logs") + " after close): "
                            + e.getCause().getMessage(),
                    e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private SiteHost base(String image, Path repo, String name, String site, int hostNumber, boolean wan) {
        SiteHost h = new SiteHost(
                        image, name, site, hostNumber, lans.get(site), wan ? List.of(lans.get("wan")) : List.of())
                .withFileSystemBind(repo.toString(), "/tandem", BindMode.READ_ONLY)
                .withEnv("TANDEM_NO_BUILD", "1")
                .withLabel(LABEL_RUN, runId)
                .withLabel(LABEL_PID, Long.toString(ProcessHandle.current().pid()))
                .withStartupTimeout(START_TIMEOUT);
        h.withCreateContainerCmdModifier(cmd -> cmd.withName("tandem-twosite-" + runId + "-" + name));
        return h;
    }

    private SiteHost zooKeeper(String image, Path repo, String name, String site, int myid) throws IOException {
        StringBuilder cfg = new StringBuilder("""
                tickTime=1000
                initLimit=20
                syncLimit=5
                dataDir=/var/lib/zookeeper
                admin.enableServer=false
                quorumListenOnAllIPs=true
                4lw.commands.whitelist=srvr,ruok
                """);
        for (int i = 1; i <= 3; i++) {
            cfg.append("server.").append(i).append("=zk").append(i).append(":2888:3888\n");
        }
        Path keyStore = Path.of("/etc/zookeeper/tls/zk.pem");
        Path ca = Path.of("/etc/zookeeper/tls/ca.crt");
        ZooKeeperServerTls.clientProperties(ZK_PORT, keyStore, ca)
                .forEach((k, v) -> cfg.append(k).append('=').append(v).append('\n'));
        ZooKeeperServerTls.quorumProperties(keyStore, ca)
                .forEach((k, v) -> cfg.append(k).append('=').append(v).append('\n'));
        // peers reach each other by name (zkN in their certificates); an accepted peer is not verified by
        // its source address, which crosses the site routers
        cfg.append("ssl.quorum.clientHostnameVerification=false\n");
        return base(image, repo, name, site, 10 + myid, true)
                .withCopyToContainer(Transferable.of(cfg.toString()), "/etc/zookeeper/zoo.cfg")
                .withCopyToContainer(Transferable.of(myid + "\n"), "/var/lib/zookeeper/myid")
                .withCopyToContainer(file("tls/ca.crt", 0644), "/etc/zookeeper/tls/ca.crt")
                .withCopyToContainer(file("tls/" + name + ".pem", 0600), "/etc/zookeeper/tls/zk.pem")
                .withCommand(
                        "java",
                        "-Xmx128m",
                        "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1",
                        "-Dsun.net.inetaddr.negative.ttl=0",
                        "-cp",
                        "/tandem/cli/target/lib/*",
                        "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                        "/etc/zookeeper/zoo.cfg")
                .waitingFor(LogLine.containing("Peer state changed: (leading|following)")
                        .withStartupTimeout(START_TIMEOUT));
    }

    private SiteHost node(String image, Path repo, String name, String site, int hostNumber) throws IOException {
        String pin = HexFormat.of().formatHex(random(8));
        String soPin = HexFormat.of().formatHex(random(8));
        pins.put(name, pin);
        Path local = Files.createDirectories(dir.resolve(name));
        Files.writeString(local.resolve(name + ".pin"), pin + "\n");
        String node = "node: {name: " + name + ", site: " + site + "}\n"
                + "hsm-config: hsm.yaml\n"
                + "hsms: [" + name + "]\n"
                + "zones:\n"
                + "  - name: " + ZONE + "\n"
                + "    source: zones/example.test.zone\n"
                + "    policy: policy.yaml\n"
                + "zookeeper: {connect: \"" + ZK_CONNECT + "\", session-timeout: " + SESSION_TIMEOUT.toSeconds()
                + "s, root: /tandem,\n"
                + "            tls: {ca: tls/ca.crt, cert: tls/" + name + ".crt, key: tls/" + name + ".key}}\n"
                + "publish:\n"
                + "  directory: " + PUBLISHED + "\n"
                + "grpc: {listen: \"0.0.0.0:" + NODE_GRPC_PORT + "\"}\n"
                + "metrics: {listen: \"127.0.0.1:9105\"}\n"
                + "tls: {ca: tls/ca.crt, cert: tls/" + name + ".crt, key: tls/" + name + ".key}\n"
                + "peers:\n"
                + NODES.stream()
                        .filter(n -> !n.equals(name))
                        .map(n -> "  - {name: " + n + ", endpoint: \"" + n + ":" + NODE_GRPC_PORT + "\"}\n")
                        .collect(Collectors.joining());
        String hsm = "hsms:\n"
                + "  - name: " + name + "\n"
                + "    library: " + SOFTHSM + "\n"
                + "    token-label: " + name + "\n"
                + "    pin-file: hsm/" + name + ".pin\n"
                + "    so-pin-file: hsm/so.pin\n"
                + "zookeeper: " + ZK_CONNECT + "\n"
                + "zookeeper-root: /tandem\n"
                + "audit-log: /var/lib/tandem/audit.jsonl\n";
        String softhsm = "directories.tokendir = /var/lib/tandem/tokens\nobjectstore.backend = file\n"
                + "log.level = ERROR\nslots.removable = false\n";
        // The node's own HSM: a token in this container's file system, initialised here once (a restart keeps it).
        String start = "#!/bin/sh\nset -eu\n"
                + "mkdir -p /var/lib/tandem/tokens " + PUBLISHED + "\n"
                + "if ! softhsm2-util --show-slots | grep -q 'Label: *" + name + " *$'; then\n"
                + "  softhsm2-util --init-token --free --label " + name + " --pin \"$(cat /etc/tandem/hsm/" + name
                + ".pin)\" --so-pin \"$(cat /etc/tandem/hsm/so.pin)\"\n"
                + "fi\n"
                + "exec /tandem/bin/signer-node --config /etc/tandem/node.yaml\n";
        Files.writeString(local.resolve("node.yaml"), node);
        Files.writeString(local.resolve("hsm.yaml"), hsm);
        return base(image, repo, name, site, hostNumber, true)
                .withEnv("SOFTHSM2_CONF", "/etc/tandem/hsm/softhsm2.conf")
                .withEnv("JDK_JAVA_OPTIONS", DAEMON_JVM)
                .withCopyToContainer(Transferable.of(node), "/etc/tandem/node.yaml")
                .withCopyToContainer(Transferable.of(hsm), "/etc/tandem/hsm.yaml")
                .withCopyToContainer(Transferable.of(softhsm), "/etc/tandem/hsm/softhsm2.conf")
                .withCopyToContainer(Transferable.of(pin + "\n", 0600), "/etc/tandem/hsm/" + name + ".pin")
                .withCopyToContainer(Transferable.of(soPin + "\n", 0600), "/etc/tandem/hsm/so.pin")
                .withCopyToContainer(Transferable.of(start, 0755), "/etc/tandem/start-node.sh")
                .withCopyToContainer(Transferable.of(zone()), "/etc/tandem/zones/example.test.zone")
                .withCopyToContainer(
                        Transferable.of("dnskey-ttl: " + DNSKEY_TTL.toSeconds() + "\n"), "/etc/tandem/policy.yaml")
                .withCopyToContainer(file("tls/ca.crt", 0644), "/etc/tandem/tls/ca.crt")
                .withCopyToContainer(file("tls/" + name + ".crt", 0644), "/etc/tandem/tls/" + name + ".crt")
                .withCopyToContainer(file("tls/" + name + ".key", 0600), "/etc/tandem/tls/" + name + ".key")
                .withCommand("/etc/tandem/start-node.sh")
                .waitingFor(LogLine.containing("node=" + name + " site=" + site + " event=started")
                        .withStartupTimeout(START_TIMEOUT));
    }

    private SiteHost coordinator(String image, Path repo) throws IOException {
        StringBuilder nodes = new StringBuilder("nodes:\n");
        for (int i = 0; i < NODES.size(); i++) {
            nodes.append("  - {name: ")
                    .append(NODES.get(i))
                    .append(", site: dc")
                    .append(i + 1)
                    .append(", endpoint: \"")
                    .append(NODES.get(i))
                    .append(':')
                    .append(NODE_GRPC_PORT)
                    .append("\"}\n");
        }
        String yaml = "coordinator: {name: coordinator}\n" + nodes
                + "zookeeper: {connect: \"" + ZK_CONNECT + "\", root: /tandem,\n"
                + "            tls: {ca: tls/ca.crt, cert: tls/coordinator.crt, key: tls/coordinator.key}}\n"
                + "grpc: {listen: \"0.0.0.0:" + COORDINATOR_PORT + "\"}\n"
                + "tls: {ca: tls/ca.crt, cert: tls/coordinator.crt, key: tls/coordinator.key}\n"
                + "audit-log: /var/lib/tandem/coordinator-audit.jsonl\n";
        Files.writeString(Files.createDirectories(dir.resolve("coordinator")).resolve("coordinator.yaml"), yaml);
        return base(image, repo, "coordinator", "dc3", 31, true)
                .withEnv("JDK_JAVA_OPTIONS", DAEMON_JVM)
                .withCopyToContainer(Transferable.of(yaml), "/etc/tandem/coordinator.yaml")
                .withCopyToContainer(Transferable.of(""), "/var/lib/tandem/.keep")
                .withCopyToContainer(file("tls/ca.crt", 0644), "/etc/tandem/tls/ca.crt")
                .withCopyToContainer(file("tls/coordinator.crt", 0644), "/etc/tandem/tls/coordinator.crt")
                .withCopyToContainer(file("tls/coordinator.key", 0600), "/etc/tandem/tls/coordinator.key")
                .withCommand("/tandem/bin/coordinator", "--config", "/etc/tandem/coordinator.yaml")
                .waitingFor(LogLine.containing("coordinator=coordinator event=started")
                        .withStartupTimeout(START_TIMEOUT));
    }

    private SiteHost operator(String image, Path repo) throws IOException {
        String yaml = "coordinator: \"coordinator:" + COORDINATOR_PORT + "\"\n"
                + "tls: {ca: tls/ca.crt, cert: tls/operator.crt, key: tls/operator.key}\n";
        Files.writeString(Files.createDirectories(dir.resolve("operator")).resolve("signerctl.yaml"), yaml);
        // the operator's desk: signerctl and its certificate, no HSM; only on its site's LAN
        return base(image, repo, "operator", "dc3", 41, false)
                .withEnv("TANDEM_JAVA_OPTS", "-XX:TieredStopAtLevel=1")
                .withCopyToContainer(Transferable.of(yaml), SIGNERCTL_YAML)
                .withCopyToContainer(file("tls/ca.crt", 0644), "/etc/tandem/tls/ca.crt")
                .withCopyToContainer(file("tls/operator.crt", 0644), "/etc/tandem/tls/operator.crt")
                .withCopyToContainer(file("tls/operator.key", 0600), "/etc/tandem/tls/operator.key")
                .withCommand("sleep", "infinity");
    }

    private Transferable file(String relative, int mode) throws IOException {
        return Transferable.of(Files.readAllBytes(dir.resolve(relative)), mode);
    }

    /** The unsigned zone every node signs (the demo's zone). */
    static String zone() {
        return """
                $ORIGIN example.test.
                $TTL 3600
                @        SOA   ns1 hostmaster 2026120100 7200 3600 1209600 300
                @        NS    ns1
                @        NS    ns2.example.net.
                @        MX    10 mail
                @        TXT   "v=spf1 mx -all"
                ns1      A     192.0.2.53
                ns1      AAAA  2001:db8::53
                mail     A     192.0.2.25
                www      A     192.0.2.80
                www      AAAA  2001:db8::80
                *.wild   TXT   "any name"
                sub      NS    ns.sub
                ns.sub   A     192.0.2.54
                """;
    }

    // ---- networks

    /** dc1, dc2, dc3 and wan, each a /24 under 10.213.0.0/16 that no Docker network on this machine uses yet. */
    private void makeNetworks() {
        Set<String> used = new HashSet<>();
        for (Network n : docker().listNetworksCmd().exec()) {
            if (n.getIpam() != null && n.getIpam().getConfig() != null) {
                n.getIpam().getConfig().forEach(c -> used.add(c.getSubnet()));
            }
        }
        int third = 1;
        for (String label : List.of("dc1", "dc2", "dc3", "wan")) {
            while (true) {
                if (third > 254) {
                    throw new IllegalStateException("twosite: no free /24 left in 10.213.0.0/16 for network " + label);
                }
                String subnet = "10.213." + third + ".0/24";
                third++;
                if (used.contains(subnet)) {
                    continue;
                }
                String name = "tandem-twosite-" + runId + "-" + label;
                try {
                    docker().createNetworkCmd()
                            .withName(name)
                            .withDriver("bridge")
                            .withCheckDuplicate(true)
                            .withLabels(Map.of(
                                    LABEL_RUN,
                                    runId,
                                    LABEL_PID,
                                    Long.toString(ProcessHandle.current().pid())))
                            .withIpam(new Network.Ipam().withConfig(new Network.Ipam.Config().withSubnet(subnet)))
                            .exec();
                } catch (RuntimeException e) {
                    if (String.valueOf(e.getMessage()).contains("overlaps")) {
                        continue; // another cluster took it meanwhile
                    }
                    throw e;
                }
                lans.put(label, new SiteHost.Lan(label, name, subnet.substring(0, subnet.lastIndexOf('.'))));
                break;
            }
        }
    }

    /** Removes containers and networks that a test JVM which no longer runs left behind. */
    private static void sweepLeftovers() {
        DockerClient d = docker();
        for (Container c : d.listContainersCmd()
                .withShowAll(true)
                .withLabelFilter(List.of(LABEL_PID))
                .exec()) {
            if (ownerGone(c.getLabels().get(LABEL_PID))) {
                System.err.println("twosite: removing container " + String.join(",", c.getNames())
                        + " left behind by a test JVM that no longer runs");
                d.removeContainerCmd(c.getId())
                        .withForce(true)
                        .withRemoveVolumes(true)
                        .exec();
            }
        }
        for (Network n :
                d.listNetworksCmd().withFilter("label", List.of(LABEL_PID)).exec()) {
            if (ownerGone(n.getLabels().get(LABEL_PID))) {
                System.err.println(
                        "twosite: removing network " + n.getName() + " left behind by a test JVM that no longer runs");
                d.removeNetworkCmd(n.getId()).exec();
            }
        }
    }

    private static boolean ownerGone(String pid) {
        try {
            return ProcessHandle.of(Long.parseLong(pid))
                    .filter(ProcessHandle::isAlive)
                    .isEmpty();
        } catch (NumberFormatException e) {
            return true;
        }
    }

    // ---- tear-down

    /** Saves every container's log to {@code dir/logs/}, then removes the containers and the networks. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: this is the hook
        }
        List<Exception> problems = new ArrayList<>();
        Path logs = Files.createDirectories(dir.resolve("logs"));
        for (SiteHost h : hosts.values()) {
            String id = h.getContainerId();
            if (id == null) {
                continue;
            }
            try {
                Files.writeString(logs.resolve(h.name() + ".log"), h.getLogs());
            } catch (IOException | RuntimeException e) {
                problems.add(e);
            }
            try {
                docker().removeContainerCmd(id)
                        .withForce(true)
                        .withRemoveVolumes(true)
                        .exec();
            } catch (NotFoundException e) {
                // already gone
            } catch (RuntimeException e) {
                problems.add(e);
            }
        }
        for (SiteHost.Lan lan : lans.values()) {
            try {
                docker().removeNetworkCmd(lan.dockerName()).exec();
            } catch (NotFoundException e) {
                // already gone
            } catch (RuntimeException e) {
                problems.add(e);
            }
        }
        if (!problems.isEmpty()) {
            IOException e = new IOException("twosite: cleaning up cluster " + runId + " failed: "
                    + problems.stream().map(Exception::getMessage).collect(Collectors.joining("; ")));
            problems.forEach(e::addSuppressed);
            throw e;
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException | RuntimeException e) {
            System.err.println("twosite: " + e.getMessage());
        }
    }

    // ---- helpers

    private SiteHost host(String name) {
        SiteHost h = hosts.get(name);
        if (h == null) {
            throw new IllegalArgumentException("no machine " + name + " in the cluster (" + hosts.keySet() + ")");
        }
        return h;
    }

    private List<SiteHost> sited(String site) {
        if (!lans.containsKey(site) || site.equals("wan")) {
            throw new IllegalArgumentException("no site " + site + " (dc1, dc2, dc3)");
        }
        return hosts.values().stream().filter(h -> h.site().equals(site)).toList();
    }

    private List<SiteHost.Lan> home(SiteHost h) {
        return h.name().equals("operator") ? List.of(lans.get(h.site())) : List.of(lans.get(h.site()), lans.get("wan"));
    }

    private String describe() {
        return hosts.values().stream()
                .map(h -> h.name() + "@" + h.site()
                        + h.plugged().stream()
                                .map(l -> l.label() + "=" + l.address(h.hostNumber()))
                                .collect(Collectors.joining(",", "(", ")")))
                .collect(Collectors.joining(" "));
    }

    private static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }
}
