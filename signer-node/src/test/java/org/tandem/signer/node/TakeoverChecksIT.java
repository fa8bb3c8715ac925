package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.manifest.ZooKeeperManifestStore;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.proto.signer.v1.Role;
import org.tandem.signer.election.PublishRecord;

/**
 * The automatic takeover runs the preflight checks that do not need the old leader, with signer-node
 * JVMs on SoftHSM2 tokens and a real ZooKeeper: a key published for less than the DNSKEY TTL stays
 * in the new leader's DNSKEY RRset but does not sign; a role left without a key that may sign, or a
 * failed capability canary, keeps the standby from leading (no new epoch), named in its log, status
 * and {@code /health}, and the zone stays as last published.
 */
class TakeoverChecksIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    @TempDir
    Path dir;

    private NodeCluster cluster;

    @BeforeEach
    void cluster() throws Exception {
        cluster = NodeCluster.twoNodes(dir, ZK.connectString());
        cluster.tokens.promoteAll(NodeCluster.ZONE); // a cluster whose KSK and ZSK are published
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    /** A second ZSK on both tokens (GENERATED), which node-a then proves on both nodes and publishes. */
    private DnssecKey newZskPublishedBy(NodeProcess leader) throws Exception {
        DnssecKey zsk2 = cluster.tokens
                .keySync()
                .generate(NodeCluster.ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256, new HsmId("node-a"));
        assertThat(cluster.tokens
                        .keySync()
                        .sync(NodeCluster.ZONE, Optional.empty(), false)
                        .after()
                        .keySynced())
                .isTrue();
        cluster.awaitPublish(
                r -> r.dnskeyFingerprints().contains(zsk2.fingerprint().hex()), "the new ZSK is published");
        assertThat(cluster.state(zsk2)).isEqualTo(KeyState.PUBLISHED);
        return zsk2;
    }

    @Test
    void aNewLeaderPublishesAKeyPublishedForLessThanTheDnskeyTtlButDoesNotSignWithIt() throws Exception {
        NodeProcess a = cluster.start("node-a", "zones/example.test.zone", cluster.peersOf("node-a"));
        PublishRecord first = cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        NodeProcess b = cluster.start("node-b", "zones/example.test.zone", cluster.peersOf("node-b"));
        cluster.awaitHealth("node-b", 200, "ok");
        DnssecKey zsk2 = newZskPublishedBy(a);
        int tag2 = zsk2.keyTag().value();

        a.kill(); // the leader crashes less than the DNSKEY TTL (3600 s) after it published the new ZSK
        PublishRecord taken = cluster.awaitPublish(r -> r.node().equals("node-b"), "node-b takes over");

        assertThat(taken.epoch()).isGreaterThan(first.epoch());
        assertThat(taken.dnskeyFingerprints())
                .hasSize(3)
                .contains(zsk2.fingerprint().hex());
        assertThat(cluster.signers(taken)).doesNotContain(tag2).hasSize(2);
        NodeCluster.validates(cluster.versionFile(taken));
        List<String> checks = cluster.status("node-b").getZones(0).getTakeoverChecksList();
        assertThat(checks).anySatisfy(l -> assertThat(l).startsWith("keys-identical: passed: 3 published key(s)"));
        assertThat(checks)
                .anySatisfy(l -> assertThat(l)
                        .startsWith("published-long-enough: ")
                        .contains(
                                "ZSK " + tag2 + " fp " + zsk2.fingerprint().shortHex() + " published, not signing",
                                "DNSKEY TTL 3600 s"));
        assertThat(checks).anySatisfy(l -> assertThat(l).startsWith("canary: passed: "));
        assertThat(checks).anySatisfy(l -> assertThat(l).startsWith("expiry-safe: passed: earliest RRSIG expiry"));
        cluster.awaitLog(b, "event=takeover-check zone example.test.: published-long-enough: passed: .*ZSK " + tag2);
    }

    @Test
    void aStandbyThatWouldLeaveTheZskRoleWithoutASigningKeyRefusesToLeadAndNamesTheKey() throws Exception {
        NodeProcess a = cluster.start("node-a", "zones/example.test.zone", cluster.peersOf("node-a"));
        cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        NodeProcess b = cluster.start("node-b", "zones/example.test.zone", cluster.peersOf("node-b"));
        cluster.awaitHealth("node-b", 200, "ok");
        DnssecKey zsk2 = newZskPublishedBy(a);
        // a botched rollover: the old ZSK is removed (manifest and both HSMs) before the new one may sign
        DnssecKey zsk1 = cluster.tokens.keySync().manifest(NodeCluster.ZONE).publishable().stream()
                .map(ZoneKeySet.Entry::key)
                .filter(k -> k.role() == KeyRole.ZSK && !k.equals(zsk2))
                .findFirst()
                .orElseThrow();
        a.kill();
        remove(zsk1);
        PublishRecord last = cluster.ledger.last(NodeCluster.ZONE).orElseThrow();
        long epoch = cluster.ledger.currentEpoch();

        String refusal =
                "published-long-enough: refused: zone example.test.: no ZSK or CSK of algorithm 13 may sign: ZSK "
                        + zsk2.keyTag() + " fp " + zsk2.fingerprint().shortHex()
                        + " (published-long-enough: published since ";
        cluster.awaitLog(b, "event=takeover-refused .*" + Pattern.quote(refusal));
        String health = cluster.awaitHealth("node-b", 503, "takeover refused", refusal);
        assertThat(health).contains("less than the DNSKEY TTL 3600 s");
        TestTiming.until(Duration.ofSeconds(15), "node-b tried again after its hold-off", () -> {
            try {
                return b.log().split("event=takeover-refused", -1).length > 2;
            } catch (IOException e) {
                return false;
            }
        });
        assertThat(cluster.ledger.currentEpoch())
                .as("node-b never led: no epoch was bumped")
                .isEqualTo(epoch);
        assertThat(cluster.ledger.last(NodeCluster.ZONE)).contains(last);
        NodeCluster.validates(dir.resolve("published/example.test.zone"));
    }

    @Test
    void aStandbyWhoseCanaryFailsRefusesTheTakeoverWithoutANewEpochAndTheZoneStaysAsPublished() throws Exception {
        NodeProcess a = cluster.start("node-a", "zones/example.test.zone", "");
        PublishRecord first = cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        cluster.awaitLog(
                a,
                "node=node-a event=no-peers .*promotes a new \\(GENERATED\\) key to PUBLISHED as soon as its"
                        + " own HSM proves it");
        // node-b's copy of the zone source holds a record type its signer cannot sign (RFC 6895 §3.1: 128-255
        // are meta types): a Restena-like fault on the standby only
        Files.createDirectories(dir.resolve("zones-b"));
        Files.writeString(dir.resolve("zones-b/example.test.zone"), NodeCluster.SOURCE + "odd TYPE200 \\# 2 0102\n");
        NodeProcess b = cluster.start("node-b", "zones-b/example.test.zone", "");
        cluster.awaitHealth("node-b", 200, "ok");

        a.kill();
        cluster.awaitLog(b, "event=takeover-refused .*canary: refused: .*(TYPE200|type 200)");
        String health = cluster.awaitHealth("node-b", 503, "takeover refused", "canary: refused: ");
        assertThat(health).contains("zone example.test.");
        assertThat(cluster.ledger.currentEpoch())
                .as("node-b never led: no epoch was bumped")
                .isEqualTo(first.epoch());
        assertThat(cluster.ledger.last(NodeCluster.ZONE)).contains(first);
        assertThat(cluster.status("node-b").getRole()).isNotEqualTo(Role.LEADER);
        NodeCluster.validates(cluster.versionFile(first));
    }

    /** The key leaves: REMOVED in the manifest, destroyed on both tokens (else it would be an extra key). */
    private void remove(DnssecKey key) throws Exception {
        try (ZooKeeperManifestStore store =
                ZooKeeperManifestStore.connect(ZK.clientSettings(), cluster.root, Duration.ofSeconds(10))) {
            var read = store.read(NodeCluster.ZONE.toString()).orElseThrow();
            ZoneKeySet m = ZoneKeySet.fromProto(read.manifest(), read.version());
            store.compareAndSet(
                    m.version(),
                    m.withState(key.fingerprint(), KeyState.PUBLISHED, KeyState.REMOVED)
                            .toProto(Instant.now(), "test: botched rollover"));
        }
        for (String node : List.of("node-a", "node-b")) {
            for (HsmKey k : cluster.tokens.hsm(node).list(NodeCluster.ZONE)) {
                if (k.fingerprint().filter(key.fingerprint()::equals).isPresent()) {
                    cluster.tokens.hsm(node).delete(k.ref());
                }
            }
        }
    }
}
