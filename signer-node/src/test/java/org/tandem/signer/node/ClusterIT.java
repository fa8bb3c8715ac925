package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.KeySyncedTokens;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.signer.election.PublishLedger;
import org.tandem.signer.election.PublishRecord;

/**
 * The cluster as it runs: signer-node daemons as separate JVMs (SIGKILL and SIGSTOP are real), each
 * with its own SoftHSM2 token, a real ZooKeeper (Curator's in-process server), keys generated once
 * and replicated by keysync, published zones judged by {@code ldns-verify-zone}, and the publish
 * history read back from the ledger.
 */
class ClusterIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    static final ZoneName ZONE = NodeCluster.ZONE;
    static final Duration SESSION = NodeCluster.SESSION;

    @TempDir
    Path dir;

    private NodeCluster cluster;
    private KeySyncedTokens tokens;
    private PublishLedger ledger;

    @BeforeEach
    void tokensKeysAndZone() throws Exception {
        cluster = NodeCluster.twoNodes(dir, ZK.connectString());
        tokens = cluster.tokens;
        ledger = cluster.ledger;
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    @Test
    void killingTheLeaderLetsTheStandbyPublishAHigherSerialWithTheSameDnskeyRrset() throws Exception {
        NodeProcess a = start("node-a");
        PublishRecord first = cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        NodeProcess b = start("node-b");
        cluster.awaitHealth("node-b", 200, "");

        long killed = System.nanoTime();
        a.kill(); // F4: the leader crashes
        PublishRecord second = cluster.awaitPublish(r -> r.node().equals("node-b"), "node-b takes over");
        double seconds = (System.nanoTime() - killed) / 1e9;

        assertThat(second.epoch()).isGreaterThan(first.epoch());
        assertThat(second.serial()).isGreaterThan(first.serial());
        assertThat(seconds)
                .as("takeover within the session timeout plus a few seconds")
                .isLessThan(SESSION.toSeconds() + 15);
        assertThat(cluster.dnskeys(second)).isEqualTo(cluster.dnskeys(first)).hasSize(2);
        // the ledger records the published DNSKEY set: the same two keys before and after the takeover
        assertThat(second.dnskeyFingerprints()).hasSize(2).isEqualTo(first.dnskeyFingerprints());
        assertThat(second.dnskeyTtlSeconds()).isPositive();
        NodeCluster.validates(cluster.versionFile(first));
        NodeCluster.validates(cluster.versionFile(second));
        cluster.awaitLog(b, "event=published serial=" + second.serial() + " ");
        oneWriterPerEpochAndIncreasingSerials();
    }

    @Test
    void aPausedLeaderNeverPublishesAfterItLostLeadership() throws Exception {
        NodeProcess a = start("node-a");
        PublishRecord first = cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        start("node-b");
        cluster.awaitHealth("node-b", 200, "");

        a.pause(); // F3: a GC pause, a frozen VM, longer than the session timeout
        PublishRecord taken =
                cluster.awaitPublish(r -> r.node().equals("node-b"), "node-b takes over while node-a is stopped");
        // A source change that node-a would like to publish the moment it runs again
        Files.writeString(
                dir.resolve("zones/example.test.zone"),
                "txt TXT \"changed while node-a slept\"\n",
                StandardOpenOption.APPEND);
        a.resume();
        PublishRecord changed = cluster.awaitPublish(r -> r.serial() > taken.serial(), "the change is published");

        assertThat(changed.node()).isEqualTo("node-b");
        assertThat(ledger.history(ZONE))
                .filteredOn(r -> r.node().equals("node-a"))
                .allMatch(r -> r.epoch() == first.epoch());
        oneWriterPerEpochAndIncreasingSerials();
        NodeCluster.validates(cluster.versionFile(changed));
    }

    @Test
    void aNodeWhoseHsmLacksAKeyNeverLeadsAndTheZoneStaysAsLastPublished() throws Exception {
        NodeProcess a = start("node-a");
        PublishRecord first = cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        HsmKey zsk = tokens.hsm("node-b").list(ZONE).stream()
                .filter(k -> k.role() == KeyRole.ZSK)
                .findFirst()
                .orElseThrow();
        tokens.hsm("node-b").delete(zsk.ref()); // node-b's HSM lost its ZSK
        start("node-b");
        String why = cluster.awaitHealth("node-b", 503, "missing");
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
                .isEqualTo(Files.readString(cluster.versionFile(first)));
        assertThat(cluster.awaitHealth("node-b", 503, "missing")).contains("not eligible");
    }

    @Test
    void aRestartOfTheWholeClusterResumesFromTheLedgersSerialAndEpoch() throws Exception {
        NodeProcess a = start("node-a");
        PublishRecord first = cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        a.stop(Duration.ofSeconds(20)); // F19: everything stops
        NodeProcess b = start("node-b");
        PublishRecord again =
                cluster.awaitPublish(r -> r.epoch() > first.epoch(), "the first publish after the restart");

        assertThat(again.node()).isEqualTo("node-b");
        assertThat(again.serial()).isGreaterThan(first.serial());
        // the new leader continues from the published zone: one new signature (the SOA), the rest re-used
        cluster.awaitLog(b, "event=published serial=" + again.serial() + " .* signatures-made=1 reused=[1-9]");
        NodeCluster.validates(cluster.versionFile(again));
        oneWriterPerEpochAndIncreasingSerials();
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

    /** The node's JVM, its zone transfers served on a port of its own. */
    private NodeProcess start(String node) throws Exception {
        String transfer = "  transfer: {listen: \"127.0.0.1:" + NodeCluster.freePort() + "\", allow: [127.0.0.1/32]}\n";
        return cluster.start(node, "zones/example.test.zone", "", new NodeCluster.NodeOptions("", transfer, List.of()));
    }
}
