package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.KeySyncedTokens;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.keysync.testing.TestPki;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.signer.election.ClusterConnection;
import org.tandem.signer.election.LedgerException;
import org.tandem.signer.election.PublishLedger;
import org.tandem.signer.election.PublishRecord;
import org.tandem.signer.publish.SignedZoneFile;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * The cluster as it runs: signer-node daemons as separate JVMs (SIGKILL and SIGSTOP are real), each
 * with its own SoftHSM2 token, a real ZooKeeper (Curator's in-process server), keys generated once
 * and replicated by keysync, published zones judged by {@code ldns-verify-zone}, and the publish
 * history read back from the ledger.
 */
class ClusterIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    static final ZoneName ZONE = ZoneName.of("example.test");
    static final Duration SESSION = Duration.ofSeconds(5);
    static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<NodeProcess> nodes = new ArrayList<>();
    private final Clock clock = Clock.systemUTC();
    private KeySyncedTokens tokens;
    private String root;
    private PublishLedger ledger;
    private TestPki pki;

    @BeforeEach
    void tokensKeysAndZone() throws Exception {
        Prerequisites.requireSoftHsm();
        Prerequisites.requireTool("ldns-verify-zone", "ldnsutils");
        root = "/cluster-it-" + Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);
        tokens = KeySyncedTokens.create(
                List.of("node-a", "node-b"), ZONE, ZK.connectString(), root, dir.resolve("audit.jsonl"));
        open.add(tokens);
        ClusterConnection cluster =
                ClusterConnection.connect(ZK.clientSettings(), root, Duration.ofSeconds(20), Duration.ofSeconds(10));
        open.add(cluster);
        ledger = cluster.ledger(clock);
        pki = TestPki.create(dir.resolve("pki"), "cluster-it CA");
        NodeTestFiles.zone(dir, NodeTestFiles.DELEGATING_ZONE);
    }

    @AfterEach
    void stop() throws Exception {
        for (NodeProcess n : nodes) {
            n.close();
        }
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void killingTheLeaderLetsTheStandbyPublishAHigherSerialWithTheSameDnskeyRrset() throws Exception {
        NodeProcess a = start("node-a");
        PublishRecord first = awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        NodeProcess b = start("node-b");
        awaitHealth("node-b", 200, "");

        long killed = System.nanoTime();
        a.kill(); // F4: the leader crashes
        PublishRecord second = awaitPublish(r -> r.node().equals("node-b"), "node-b takes over");
        double seconds = (System.nanoTime() - killed) / 1e9;

        assertThat(second.epoch()).isGreaterThan(first.epoch());
        assertThat(second.serial()).isGreaterThan(first.serial());
        assertThat(seconds)
                .as("takeover within the session timeout plus a few seconds")
                .isLessThan(SESSION.toSeconds() + 15);
        assertThat(dnskeys(second)).isEqualTo(dnskeys(first)).hasSize(2);
        // the ledger records the published DNSKEY set: the same two keys before and after the takeover
        assertThat(second.dnskeyFingerprints()).hasSize(2).isEqualTo(first.dnskeyFingerprints());
        assertThat(second.dnskeyTtlSeconds()).isPositive();
        validates(versionFile(first));
        validates(versionFile(second));
        awaitLog(b, "event=published serial=" + second.serial() + " ");
        oneWriterPerEpochAndIncreasingSerials();
    }

    @Test
    void aPausedLeaderNeverPublishesAfterItLostLeadership() throws Exception {
        NodeProcess a = start("node-a");
        PublishRecord first = awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        start("node-b");
        awaitHealth("node-b", 200, "");

        a.pause(); // F3: a GC pause, a frozen VM, longer than the session timeout
        PublishRecord taken = awaitPublish(r -> r.node().equals("node-b"), "node-b takes over while node-a is stopped");
        // A source change that node-a would like to publish the moment it runs again
        Files.writeString(
                dir.resolve("zones/example.test.zone"),
                "txt TXT \"changed while node-a slept\"\n",
                StandardOpenOption.APPEND);
        a.resume();
        PublishRecord changed = awaitPublish(r -> r.serial() > taken.serial(), "the change is published");

        assertThat(changed.node()).isEqualTo("node-b");
        assertThat(ledger.history(ZONE))
                .filteredOn(r -> r.node().equals("node-a"))
                .allMatch(r -> r.epoch() == first.epoch());
        oneWriterPerEpochAndIncreasingSerials();
        validates(versionFile(changed));
    }

    @Test
    void aNodeWhoseHsmLacksAKeyNeverLeadsAndTheZoneStaysAsLastPublished() throws Exception {
        NodeProcess a = start("node-a");
        PublishRecord first = awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        HsmKey zsk = tokens.hsm("node-b").list(ZONE).stream()
                .filter(k -> k.role() == KeyRole.ZSK)
                .findFirst()
                .orElseThrow();
        tokens.hsm("node-b").delete(zsk.ref()); // node-b's HSM lost its ZSK
        start("node-b");
        String why = awaitHealth("node-b", 503, "missing");
        assertThat(why)
                .contains(
                        "example.test.", "ZSK", String.valueOf(zsk.claimedTag().value()), "node-b", "missing");

        a.kill(); // node-b is the only node left, and must not lead
        long deadline =
                System.nanoTime() + Duration.ofSeconds(SESSION.toSeconds() * 3).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(ledger.last(ZONE)).contains(first);
            Thread.sleep(200);
        }
        assertThat(ledger.currentEpoch()).isEqualTo(first.epoch());
        assertThat(Files.readString(dir.resolve("published/example.test.zone")))
                .isEqualTo(Files.readString(versionFile(first)));
        assertThat(awaitHealth("node-b", 503, "missing")).contains("not eligible");
    }

    @Test
    void aRestartOfTheWholeClusterResumesFromTheLedgersSerialAndEpoch() throws Exception {
        NodeProcess a = start("node-a");
        PublishRecord first = awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        a.stop(Duration.ofSeconds(20)); // F19: everything stops
        nodes.remove(a);
        NodeProcess b = start("node-b");
        PublishRecord again = awaitPublish(r -> r.epoch() > first.epoch(), "the first publish after the restart");

        assertThat(again.node()).isEqualTo("node-b");
        assertThat(again.serial()).isGreaterThan(first.serial());
        // the new leader continues from the published zone: one new signature (the SOA), the rest re-used
        awaitLog(b, "event=published serial=" + again.serial() + " .* signatures-made=1 reused=[1-9]");
        validates(versionFile(again));
        oneWriterPerEpochAndIncreasingSerials();
    }

    /** Waits until the node's log has a line matching {@code regex} (the commit comes a moment before the log line). */
    private static void awaitLog(NodeProcess node, String regex) throws Exception {
        Pattern p = Pattern.compile(regex);
        TestTiming.until(Duration.ofSeconds(20), node.name() + " logs " + regex, () -> {
            try {
                return p.matcher(node.log()).find();
            } catch (IOException e) {
                return false;
            }
        });
    }

    private void oneWriterPerEpochAndIncreasingSerials() throws Exception {
        List<PublishRecord> history = ledger.history(ZONE);
        Map<Long, Set<String>> writers = history.stream()
                .collect(Collectors.groupingBy(
                        PublishRecord::epoch, Collectors.mapping(PublishRecord::node, Collectors.toSet())));
        assertThat(writers.values()).allMatch(w -> w.size() == 1);
        for (int i = 1; i < history.size(); i++) {
            assertThat(history.get(i).serial()).isGreaterThan(history.get(i - 1).serial());
            assertThat(history.get(i).epoch())
                    .isGreaterThanOrEqualTo(history.get(i - 1).epoch());
        }
    }

    private NodeProcess start(String node) throws Exception {
        Path hsmYaml = dir.resolve(node + "-hsm.yaml");
        HsmSpec s = tokens.spec(node);
        Files.writeString(
                hsmYaml,
                "hsms:\n  - name: " + node + "\n    library: " + s.library() + "\n    token-label: "
                        + s.tokenLabel() + "\n    pin-file: " + s.pinFile() + "\nzookeeper: " + ZK.connectString()
                        + "\nzookeeper-root: " + root + "\n");
        TlsMaterial tls = pki.issue(node, "node");
        Path config = dir.resolve(node + ".yaml");
        if (!Files.exists(config)) {
            Files.writeString(
                    config,
                    "node: {name: " + node + ", site: dc-" + node + "}\n"
                            + "hsm-config: " + hsmYaml + "\n"
                            + "zones:\n  - name: " + ZONE + "\n    source: zones/example.test.zone\n"
                            + "zookeeper: {connect: \"" + ZK.connectString() + "\", session-timeout: "
                            + SESSION.toSeconds()
                            + "s, root: " + root + ", insecure-plaintext: true}\n"
                            + "publish:\n  directory: published\n  transfer: {listen: \"127.0.0.1:" + freePort()
                            + "\", allow: [127.0.0.1/32]}\n"
                            + "grpc: {listen: \"127.0.0.1:" + freePort() + "\"}\n"
                            + "metrics: {listen: \"127.0.0.1:" + freePort() + "\"}\n"
                            + "tls: {ca: " + tls.trustedCertificates() + ", cert: " + tls.certificateChain() + ", key: "
                            + tls.privateKey() + "}\n"
                            + "resign: {floor: 1s, debounce: 200ms}\n");
        }
        NodeProcess p = NodeProcess.start(node, config, SoftHsmTokens.shared().environment(), dir.resolve("logs"));
        nodes.add(p);
        return p;
    }

    private PublishRecord awaitPublish(Predicate<PublishRecord> what, String name) throws Exception {
        PublishRecord[] found = new PublishRecord[1];
        try {
            TestTiming.until(WAIT, name, () -> {
                try {
                    Optional<PublishRecord> last = ledger.last(ZONE);
                    found[0] = last.filter(what).orElse(null);
                    // the commit comes first, then the promote: wait until the version is the current file
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

    /** Waits until the node's {@code /health} answers {@code status} with a body containing {@code text}. */
    private String awaitHealth(String node, int status, String text) throws Exception {
        String yaml = Files.readString(dir.resolve(node + ".yaml"));
        int port = Integer.parseInt(yaml.lines()
                .filter(l -> l.startsWith("metrics:"))
                .findFirst()
                .orElseThrow()
                .replaceAll(".*127\\.0\\.0\\.1:(\\d+).*", "$1"));
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String[] last = {"no answer"};
        try {
            TestTiming.until(WAIT, node + " /health answers " + status + " with '" + text + "'", () -> {
                try {
                    HttpResponse<String> r = http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    last[0] = r.statusCode() + " " + r.body();
                    return r.statusCode() == status && r.body().contains(text);
                } catch (IOException e) {
                    last[0] = e.toString();
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last: " + last[0] + logs(), e);
        }
        return last[0].substring(last[0].indexOf(' ') + 1);
    }

    private String logs() throws IOException {
        StringBuilder b = new StringBuilder();
        for (NodeProcess n : nodes) {
            String log = n.log();
            b.append("\n--- ")
                    .append(n.name())
                    .append(" ---\n")
                    .append(log.length() > 6000 ? log.substring(log.length() - 6000) : log);
        }
        return b.toString();
    }

    /** {@code ldns-verify-zone}, a validator nobody here wrote, accepts the published file. */
    private static void validates(Path file) throws Exception {
        Process p = new ProcessBuilder("ldns-verify-zone", file.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("ldns-verify-zone " + file + ": " + out).isZero();
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

    private boolean promoted(PublishRecord r) {
        Path current = dir.resolve("published/example.test.zone");
        try {
            return Files.exists(versionFile(r)) && Files.exists(current) && Files.isSameFile(current, versionFile(r));
        } catch (IOException e) {
            return false;
        }
    }

    private Path versionFile(PublishRecord r) {
        return dir.resolve("published/example.test").resolve(r.serial() + ".zone");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
