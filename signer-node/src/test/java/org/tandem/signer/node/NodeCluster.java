package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.tandem.keysync.grpc.MtlsChannels;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.manifest.ZooKeeperClientSettings;
import org.tandem.keysync.testing.KeySyncedTokens;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.keysync.testing.TestPki;
import org.tandem.keysync.testing.TestPorts;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.proto.signer.v1.GetStatusRequest;
import org.tandem.proto.signer.v1.NodeStatus;
import org.tandem.proto.signer.v1.SignerNodeGrpc;
import org.tandem.signer.election.ClusterConnection;
import org.tandem.signer.election.LedgerException;
import org.tandem.signer.election.PublishLedger;
import org.tandem.signer.election.PublishRecord;
import org.tandem.signer.publish.SignedZoneFile;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * A cluster of signer-node JVMs for the integration tests of replication and takeover: one SoftHSM2
 * token per node (KSK and ZSK generated once and replicated by keysync, as {@link KeySyncedTokens}
 * does: GENERATED in the manifest), a real ZooKeeper, the nodes' gRPC ports chosen up front so that
 * each node can name the others as peers, the published zone judged by {@code ldns-verify-zone}.
 * Close it after the test.
 */
final class NodeCluster implements AutoCloseable {
    static final ZoneName ZONE = ZoneName.of("example.test");
    static final Duration SESSION = Duration.ofSeconds(5);
    static final Duration WAIT = Duration.ofSeconds(90);
    static final String SOURCE = NodeTestFiles.DELEGATING_ZONE;

    final Path dir;
    final KeySyncedTokens tokens;
    final PublishLedger ledger;
    final TestPki pki;
    final String root;
    private final String zookeeper;
    private final Map<String, Integer> grpcPorts = new LinkedHashMap<>();
    private final Map<String, Integer> metricsPorts = new LinkedHashMap<>();
    private final List<NodeProcess> nodes = new ArrayList<>();
    private final List<AutoCloseable> open = new ArrayList<>();

    NodeCluster(Path dir, String zookeeper, List<String> names) throws Exception {
        this.dir = dir;
        this.zookeeper = zookeeper;
        this.root = "/node-cluster-" + Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);
        this.tokens = KeySyncedTokens.create(names, ZONE, zookeeper, root, dir.resolve("audit.jsonl"));
        open.add(tokens);
        ClusterConnection cluster = ClusterConnection.connect(
                ZooKeeperClientSettings.insecurePlaintext(zookeeper),
                root,
                Duration.ofSeconds(20),
                Duration.ofSeconds(10));
        open.add(cluster);
        this.ledger = cluster.ledger(Clock.systemUTC());
        this.pki = TestPki.create(dir.resolve("pki"), "node-cluster CA");
        NodeTestFiles.zone(dir, SOURCE);
        for (String n : names) {
            grpcPorts.put(n, freePort());
            metricsPorts.put(n, freePort());
        }
    }

    /**
     * The two-node cluster (node-a, node-b) of the replication, takeover and failover tests; skips the test where
     * SoftHSM2 or {@code ldns-verify-zone} is missing.
     */
    static NodeCluster twoNodes(Path dir, String zookeeper) throws Exception {
        Prerequisites.requireSoftHsm();
        Prerequisites.requireTool("ldns-verify-zone", "ldnsutils");
        return new NodeCluster(dir, zookeeper, List.of("node-a", "node-b"));
    }

    /**
     * Two nodes for the rollover tests: the zone source in {@code zones/example.test.zone} and the policy in
     * {@code policy.yaml} below {@code dir} ({@link #startWithPolicy}).
     */
    static NodeCluster twoNodesWithPolicy(Path dir, String zookeeper, String zone, String policy) throws Exception {
        NodeCluster c = twoNodes(dir, zookeeper);
        Files.writeString(dir.resolve("zones/example.test.zone"), zone);
        Files.writeString(dir.resolve("policy.yaml"), policy);
        return c;
    }

    /** Starts {@code node} on the zone and {@code policy.yaml} of {@link #twoNodesWithPolicy}, the other its peer. */
    NodeProcess startWithPolicy(String node) throws Exception {
        return start(
                node,
                "zones/example.test.zone",
                peersOf(node),
                new NodeOptions("    policy: policy.yaml\n", "", List.of()));
    }

    /** The node's gRPC endpoint, {@code 127.0.0.1:port}. */
    String endpoint(String node) {
        return "127.0.0.1:" + grpcPorts.get(node);
    }

    /** {@code peers:} naming every other node of the cluster. */
    String peersOf(String node) {
        StringBuilder b = new StringBuilder("peers:\n");
        grpcPorts.keySet().stream()
                .filter(n -> !n.equals(node))
                .forEach(n -> b.append("  - {name: ")
                        .append(n)
                        .append(", endpoint: \"")
                        .append(endpoint(n))
                        .append("\"}\n"));
        return b.toString();
    }

    /**
     * Starts the node's JVM.
     *
     * @param source the zone source, relative to the cluster's directory
     * @param extra more {@code node.yaml} lines (e.g. {@code peers:})
     */
    NodeProcess start(String node, String source, String extra) throws Exception {
        return start(node, source, extra, NodeOptions.NONE);
    }

    /**
     * More of a node's configuration than {@link #start(String, String, String)} takes.
     *
     * @param zone more lines of the zone's entry (e.g. {@code "    policy: policy.yaml\n"})
     * @param publish more lines of the {@code publish:} block (e.g. {@code "  transfer: {...}\n"})
     * @param jvmOptions more options of the node's JVM
     */
    record NodeOptions(String zone, String publish, List<String> jvmOptions) {
        static final NodeOptions NONE = new NodeOptions("", "", List.of());
    }

    /** As {@link #start(String, String, String)}, with {@code options}. */
    NodeProcess start(String node, String source, String extra, NodeOptions options) throws Exception {
        Path hsmYaml = dir.resolve(node + "-hsm.yaml");
        HsmSpec s = tokens.spec(node);
        Files.writeString(
                hsmYaml,
                "hsms:\n  - name: " + node + "\n    library: " + s.library() + "\n    token-label: "
                        + s.tokenLabel() + "\n    pin-file: " + s.pinFile() + "\nzookeeper: " + zookeeper
                        + "\nzookeeper-root: " + root + "\naudit-log: " + dir.resolve(node + "-audit.jsonl") + "\n");
        TlsMaterial tls = pki.issue(node, "node");
        Path config = NodeYaml.node(node, "dc-" + node)
                .hsmConfig(hsmYaml)
                .zone(ZONE.toString(), source)
                .zoneOptions(options.zone())
                .plaintextZooKeeper(zookeeper, SESSION, root)
                .publishOptions(options.publish())
                .grpc(endpoint(node))
                .metrics("127.0.0.1:" + metricsPorts.get(node))
                .tls(tls)
                .more("resign: {floor: 1s, debounce: 200ms}\n" + extra)
                .write(dir.resolve(node + ".yaml"));
        NodeProcess p = NodeProcess.start(
                node, config, SoftHsmTokens.shared().environment(), dir.resolve("logs"), options.jvmOptions());
        nodes.add(p);
        return p;
    }

    /** Waits until the ledger's last record matches and is the zone directory's current file. */
    PublishRecord awaitPublish(Predicate<PublishRecord> what, String name) throws Exception {
        PublishRecord[] found = new PublishRecord[1];
        try {
            TestTiming.until(WAIT, name, () -> {
                try {
                    Optional<PublishRecord> last = ledger.last(ZONE);
                    found[0] = last.filter(what).orElse(null);
                    return found[0] != null && promoted(found[0]);
                } catch (LedgerException e) {
                    return false;
                }
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last " + ledger.last(ZONE) + logs(), e);
        }
        return found[0];
    }

    /** Waits until the node's {@code /health} answers {@code status} with every text in its body; returns the body. */
    String awaitHealth(String node, int status, String... texts) throws Exception {
        return awaitHttp(node, "/health", status, texts);
    }

    /** Waits until the node's {@code /metrics} has every text; returns the scrape. */
    String awaitMetrics(String node, String... texts) throws Exception {
        return awaitHttp(node, "/metrics", 200, texts);
    }

    private String awaitHttp(String node, String path, int status, String... texts) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String[] last = {"no answer"};
        int[] code = {0};
        try {
            TestTiming.until(WAIT, node + " " + path + " answers " + status + " with " + List.of(texts), () -> {
                try {
                    HttpResponse<String> r = http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPorts.get(node) + path))
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    last[0] = r.body();
                    code[0] = r.statusCode();
                    return r.statusCode() == status && List.of(texts).stream().allMatch(r.body()::contains);
                } catch (IOException e) {
                    last[0] = e.toString();
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last: " + code[0] + " " + last[0] + logs(), e);
        }
        return last[0];
    }

    /** The node's {@code GetStatus}, asked with a certificate of the cluster CA (OU=node). */
    NodeStatus status(String node) throws Exception {
        TlsMaterial tls = pki.issue("observer", "node");
        ManagedChannel c = MtlsChannels.open(endpoint(node), tls);
        try {
            return SignerNodeGrpc.newBlockingStub(c)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getStatus(GetStatusRequest.getDefaultInstance());
        } finally {
            c.shutdownNow();
        }
    }

    /** Waits until the node's log has a line matching {@code regex}. */
    void awaitLog(NodeProcess node, String regex) throws Exception {
        Pattern p = Pattern.compile(regex);
        try {
            TestTiming.until(WAIT, node.name() + " logs " + regex, () -> {
                try {
                    return p.matcher(node.log()).find();
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + logs(), e);
        }
    }

    /** The key's state in the manifest now. */
    KeyState state(DnssecKey key) throws Exception {
        ZoneKeySet m = tokens.keySync().manifest(ZONE);
        return m.find(key.fingerprint()).orElseThrow().state();
    }

    /** {@code ldns-verify-zone}, a validator nobody here wrote, accepts the file. */
    static void validates(Path file) throws Exception {
        Process p = new ProcessBuilder("ldns-verify-zone", file.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("ldns-verify-zone " + file + ": " + out).isZero();
    }

    /** The published version's DNSKEY records, as text. */
    Set<String> dnskeys(PublishRecord r) throws Exception {
        Set<String> keys = new TreeSet<>();
        for (Record rec : records(r)) {
            if (rec.getType() == Type.DNSKEY) {
                keys.add(rec.rdataToString());
            }
        }
        return keys;
    }

    /** The key tags of every RRSIG of the published version. */
    Set<Integer> signers(PublishRecord r) throws Exception {
        Set<Integer> tags = new TreeSet<>();
        for (Record rec : records(r)) {
            if (rec instanceof RRSIGRecord s) {
                tags.add(s.getFootprint());
            }
        }
        return tags;
    }

    List<Record> records(PublishRecord r) throws Exception {
        return SignedZoneFile.read(versionFile(r), ZONE.name());
    }

    Path versionFile(PublishRecord r) {
        return dir.resolve("published/example.test").resolve(r.serial() + ".zone");
    }

    private boolean promoted(PublishRecord r) {
        Path current = dir.resolve("published/example.test.zone");
        try {
            return Files.exists(versionFile(r)) && Files.exists(current) && Files.isSameFile(current, versionFile(r));
        } catch (IOException e) {
            return false;
        }
    }

    String logs() throws IOException {
        StringBuilder b = new StringBuilder();
        for (NodeProcess n : nodes) {
            String log = n.log();
            b.append("\n--- ")
                    .append(n.name())
                    .append(" ---\n")
                    .append(log.length() > 8000 ? log.substring(log.length() - 8000) : log);
        }
        return b.toString();
    }

    static int freePort() throws IOException {
        return TestPorts.free();
    }

    @Override
    public void close() throws Exception {
        for (NodeProcess n : nodes) {
            n.close();
        }
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }
}
