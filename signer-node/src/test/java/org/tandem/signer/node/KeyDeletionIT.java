package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.keysync.testing.SoftHsmTokens.RemovedToken;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.signer.election.PublishRecord;

/**
 * Keys that left the zone leave the HSMs, on every node: two signer-node JVMs on their own SoftHSM2 tokens
 * and a real ZooKeeper roll a ZSK with intervals of seconds (the fixtures of {@link RolloverAgentIT}). Once
 * no cache can hold the old ZSK, the leader's agent marks it DELETED; the leader destroys its copy at once,
 * the standby, whose token is away at that moment, names the key, node and HSM it could not destroy, and
 * destroys it once the token is back. Every version validates, and the destroyed key is neither required
 * nor an extra key anywhere.
 */
class KeyDeletionIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    /** A ZSK lifetime of 9 s, removed keys deleted (the default): deleted Dprp + TTL + IretS = 4 s after removal. */
    private static final String POLICY =
            RolloverAgentIT.POLICY.replace("  delete-removed: false\n", "").replace("lifetime: 25s", "lifetime: 9s");

    @TempDir
    Path dir;

    private NodeCluster cluster;

    @BeforeEach
    void cluster() throws Exception {
        cluster = NodeCluster.twoNodesWithPolicy(dir, ZK.connectString(), RolloverAgentIT.ZONE, POLICY);
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    @Test
    void aRolledOutZskIsDestroyedOnBothTokensAndTheStandbyWhoseTokenWasAwayDestroysItWhenItIsBack() throws Exception {
        NodeProcess a = start("node-a");
        cluster.awaitLog(a, "node=node-a event=leader ");
        NodeProcess b = start("node-b");
        PublishRecord first = cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        DnssecKey zsk1 =
                zsk(cluster.tokens.keySync().manifest(NodeCluster.ZONE)).orElseThrow();
        String fp = zsk1.fingerprint().shortHex();

        // the successor signs, proven on both tokens; the old ZSK is RETIRED: node-b's token goes away now
        awaitState(zsk1, KeyState.RETIRED);
        assertThat(held(zsk1)).containsExactly("node-a", "node-b");
        RemovedToken away =
                SoftHsmTokens.shared().remove(cluster.tokens.spec("node-b").tokenLabel());
        try {
            awaitState(zsk1, KeyState.DELETED);
            ZoneKeySet m = cluster.tokens.keySync().manifest(NodeCluster.ZONE);
            ZoneKeySet.Entry e = m.find(zsk1.fingerprint()).orElseThrow();
            // the planner's due time: Dprp + TTL + IretS (1 + 2 + 1 s) after its DNSKEY left, never earlier
            assertThat(e.entered(KeyState.DELETED).orElseThrow())
                    .isAfterOrEqualTo(e.entered(KeyState.REMOVED).orElseThrow().plusSeconds(4));
            cluster.awaitLog(a, "event=rollover-step ZSK " + zsk1.keyTag() + " fp " + fp + ": REMOVED -> DELETED");
            cluster.awaitLog(a, "node=node-a zone=example.test. key=" + fp + " .*hsm=node-a event=key-destroyed ");
            cluster.awaitLog(
                    b,
                    "node=node-b zone=example.test. key=" + fp + " fp="
                            + zsk1.fingerprint().hex() + " tag=" + zsk1.keyTag()
                            + " role=ZSK hsm=node-b event=key-destruction-failed reason=");
            assertThat(held(zsk1)).as("destroyed on node-a's token only").doesNotContain("node-a");
            // not only in the log: /health names it, the metric counts it
            cluster.awaitHealth(
                    "node-b",
                    503,
                    "zone example.test.: ZSK " + zsk1.keyTag() + " (fp " + fp + ") is DELETED in the manifest but"
                            + " could not be destroyed on HSM node-b of node-b: ");
            cluster.awaitMetrics(
                    "node-b", "tandem_zone_key_destruction_failing{node=\"node-b\",zone=\"example.test.\"} 1.0");
        } finally {
            away.putBack();
            cluster.tokens.hsm("node-b").reopen(); // this JVM's own view of the token
        }
        cluster.awaitLog(b, "node=node-b zone=example.test. key=" + fp + " .*hsm=node-b event=key-destroyed ");
        assertThat(held(zsk1)).as("destroyed on both tokens").isEmpty();
        cluster.awaitMetrics(
                "node-b", "tandem_zone_key_destruction_failing{node=\"node-b\",zone=\"example.test.\"} 0.0");
        assertThat(cluster.awaitHealth("node-b", 200)).doesNotContain("could not be destroyed");

        // audited on each node: who, node, HSM, key
        for (String node : List.of("node-a", "node-b")) {
            assertThat(Files.readString(dir.resolve(node + "-audit.jsonl")))
                    .contains(
                            zsk1.fingerprint().hex(), "DELETED in the manifest", "tandem@" + node + " key-destruction");
        }
        // the destroyed key is neither required nor an extra key on either token
        ZoneKeySet after = cluster.tokens.keySync().manifest(NodeCluster.ZONE);
        assertThat(cluster.tokens.keySync().verify(NodeCluster.ZONE).problems())
                .noneMatch(
                        c -> c.fingerprint().filter(zsk1.fingerprint()::equals).isPresent()
                                || c.found().filter(zsk1.fingerprint()::equals).isPresent());
        assertThat(after.find(zsk1.fingerprint()).orElseThrow().state()).isEqualTo(KeyState.DELETED);

        // the zone kept validating: every version from the first keys on
        PublishRecord last = cluster.awaitPublish(
                r -> !r.dnskeyFingerprints().contains(zsk1.fingerprint().hex()), "a version without the old ZSK");
        long validated = 0;
        for (PublishRecord r : cluster.ledger.history(NodeCluster.ZONE)) {
            if (r.serial() >= first.serial() && r.serial() <= last.serial() && Files.exists(cluster.versionFile(r))) {
                NodeCluster.validates(cluster.versionFile(r));
                validated++;
            }
        }
        assertThat(validated).isGreaterThanOrEqualTo(3);
        assertThat(cluster.signers(last)).doesNotContain(zsk1.keyTag().value());
    }

    private NodeProcess start(String node) throws Exception {
        return cluster.startWithPolicy(node);
    }

    /** The nodes whose token holds the key, from this JVM's own view of the tokens. */
    private List<String> held(DnssecKey key) throws Exception {
        List<String> out = new ArrayList<>();
        for (String node : List.of("node-a", "node-b")) {
            if (cluster.tokens.hsm(node).list(NodeCluster.ZONE).stream()
                    .anyMatch(k ->
                            k.fingerprint().filter(key.fingerprint()::equals).isPresent())) {
                out.add(node);
            }
        }
        return out;
    }

    private void awaitState(DnssecKey key, KeyState state) throws Exception {
        try {
            TestTiming.until(NodeCluster.WAIT, key.describe() + " is " + state, () -> {
                try {
                    return cluster.state(key) == state;
                } catch (Exception e) {
                    return false;
                }
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + cluster.logs(), e);
        }
    }

    private static Optional<DnssecKey> zsk(ZoneKeySet m) {
        return m.entries().stream()
                .filter(e -> e.key().role() == KeyRole.ZSK && e.state() == KeyState.ACTIVE)
                .map(ZoneKeySet.Entry::key)
                .findFirst();
    }
}
