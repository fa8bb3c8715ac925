package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.proto.signer.v1.Role;
import org.tandem.proto.signer.v1.ZoneStatus;
import org.tandem.signer.election.PublishRecord;

/**
 * Replicate before publish, with signer-node JVMs on their own SoftHSM2 tokens and a real ZooKeeper:
 * a key generated on one node's HSM (GENERATED) is published only after the leader has brought it to
 * every peer through the peers' KeySync service and proven it there; a peer that cannot be reached
 * keeps it unpublished, named in status, {@code /health} and the metrics, while the zone stays valid.
 */
class KeyReplicationIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    @TempDir
    Path dir;

    private NodeCluster cluster;

    @BeforeEach
    void cluster() throws Exception {
        cluster = NodeCluster.twoNodes(dir, ZK.connectString());
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    @Test
    void theLeaderReplicatesAGeneratedKeyToItsPeerProvesItThereAndOnlyThenPublishesIt() throws Exception {
        NodeProcess a = cluster.start("node-a", "zones/example.test.zone", cluster.peersOf("node-a"));
        cluster.awaitLog(a, "node=node-a event=leader ");
        // the keys keysync made are GENERATED: nothing is published while node-b is not there to prove them
        cluster.awaitLog(a, "event=replication-pending .*missing on node-b");
        assertThat(cluster.ledger.last(NodeCluster.ZONE)).isEmpty();
        cluster.start("node-b", "zones/example.test.zone", cluster.peersOf("node-b"));
        PublishRecord first = cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        assertThat(first.dnskeyFingerprints()).hasSize(2);
        cluster.awaitLog(a, "event=key-promoted .*proven-on=\"node-a \\(node-a\\), node-b \\(node-b\\)\"");
        cluster.awaitHealth("node-b", 200, "ok");

        // a new ZSK, generated in node-a's HSM only (as a rollover agent would): GENERATED
        DnssecKey zsk2 = cluster.tokens
                .keySync()
                .generate(NodeCluster.ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256, new HsmId("node-a"));
        assertThat(cluster.state(zsk2)).isEqualTo(KeyState.GENERATED);

        PublishRecord withIt = cluster.awaitPublish(
                r -> r.dnskeyFingerprints().contains(zsk2.fingerprint().hex()), "the new ZSK is published");
        cluster.awaitLog(a, "key=" + zsk2.fingerprint().shortHex() + " .*event=key-sent to=node-b ");
        assertThat(cluster.state(zsk2)).isEqualTo(KeyState.PUBLISHED);
        // node-b's HSM holds it, proven (its own key check, over its own token)
        assertThat(cluster.tokens.keySync().verify(NodeCluster.ZONE).keySynced())
                .isTrue();
        assertThat(withIt.node()).isEqualTo("node-a");
        assertThat(withIt.dnskeyFingerprints()).hasSize(3);
        assertThat(cluster.dnskeys(withIt)).hasSize(3);
        // published, but it does not sign before the DNSKEY TTL (3600 s) has passed
        assertThat(cluster.signers(withIt))
                .doesNotContain(zsk2.keyTag().value())
                .hasSize(2);
        NodeCluster.validates(cluster.versionFile(withIt));
        assertThat(cluster.status("node-a").getZones(0).getReplicationPendingList())
                .isEmpty();
        // node-b's own key check (every 5 s) sees the key on its HSM, PUBLISHED now: nothing pending,
        // key-synced (a check that began before the promotion may still report the key as missing)
        TestTiming.until(NodeCluster.WAIT, "node-b's status: key-synced, no pending key", () -> {
            try {
                var z = cluster.status("node-b").getZones(0);
                return z.getReplicationPendingList().isEmpty()
                        && z.getKeySync() == org.tandem.proto.signer.v1.KeySyncState.KEY_SYNCED;
            } catch (Exception e) {
                return false;
            }
        });

        // a key generated on the standby: the leader fetches it (ExportWrappedKey there, unwrap and
        // prove here) before it promotes and publishes it
        DnssecKey ksk2 = cluster.tokens
                .keySync()
                .generate(NodeCluster.ZONE, KeyRole.KSK, Algorithm.ECDSAP256SHA256, new HsmId("node-b"));
        PublishRecord four = cluster.awaitPublish(
                r -> r.dnskeyFingerprints().contains(ksk2.fingerprint().hex()),
                "the KSK generated on node-b is published by node-a");
        cluster.awaitLog(a, "key=" + ksk2.fingerprint().shortHex() + " .*event=key-imported from=node-b ");
        assertThat(four.node()).isEqualTo("node-a");
        assertThat(four.dnskeyFingerprints()).hasSize(4);
        assertThat(cluster.signers(four))
                .doesNotContain(ksk2.keyTag().value(), zsk2.keyTag().value());
        NodeCluster.validates(cluster.versionFile(four));
        assertThat(cluster.tokens.keySync().verify(NodeCluster.ZONE).keySynced())
                .isTrue();
    }

    @Test
    void aPeerThatCannotBeReachedKeepsTheKeyUnpublishedNamedInStatusHealthAndMetricsWhileTheZoneStaysValid()
            throws Exception {
        cluster.tokens.promoteAll(NodeCluster.ZONE); // a cluster whose KSK and ZSK are published already
        // node-b's endpoint: nobody listens there
        NodeProcess a = cluster.start("node-a", "zones/example.test.zone", cluster.peersOf("node-a"));
        PublishRecord first = cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");

        DnssecKey zsk2 = cluster.tokens
                .keySync()
                .generate(NodeCluster.ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256, new HsmId("node-a"));
        String key = "ZSK " + zsk2.keyTag() + " fp " + zsk2.fingerprint().shortHex();
        String health = cluster.awaitHealth("node-a", 503, key, "missing on node-b", "unreachable");
        assertThat(health).contains("zone example.test.: key not published, not on every node: " + key);
        cluster.awaitMetrics(
                "node-a",
                "tandem_zone_key_replication_pending{node=\"node-a\",zone=\"example.test.\"} 1.0",
                "tandem_peer_keys_pending{node=\"node-a\",peer=\"node-b\"} 1.0",
                "tandem_leader{node=\"node-a\"} 1.0");
        ZoneStatus z = cluster.status("node-a").getZones(0);
        assertThat(z.getReplicationPendingList())
                .singleElement()
                .satisfies(line -> assertThat(line).startsWith(key + ": missing on node-b ("));
        assertThat(cluster.status("node-a").getRole()).isEqualTo(Role.LEADER);

        // a change of the zone is published, still without the new key, and validates
        Files.writeString(
                dir.resolve("zones/example.test.zone"),
                "txt TXT \"while node-b is away\"\n",
                StandardOpenOption.APPEND);
        PublishRecord changed = cluster.awaitPublish(r -> r.serial() > first.serial(), "the change is published");
        assertThat(cluster.state(zsk2)).isEqualTo(KeyState.GENERATED);
        assertThat(changed.dnskeyFingerprints())
                .hasSize(2)
                .doesNotContain(zsk2.fingerprint().hex());
        assertThat(cluster.signers(changed)).doesNotContain(zsk2.keyTag().value());
        NodeCluster.validates(cluster.versionFile(changed));
        cluster.awaitLog(a, "event=replication-pending .*missing on node-b");
    }
}
