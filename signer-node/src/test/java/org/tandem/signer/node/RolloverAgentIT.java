package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tandem.signer.node.RolloverChecks.algorithms;
import static org.tandem.signer.node.RolloverChecks.awaitCds;
import static org.tandem.signer.node.RolloverChecks.dsSeen;
import static org.tandem.signer.node.RolloverChecks.hasCds;
import static org.tandem.signer.node.RolloverChecks.indexOf;
import static org.tandem.signer.node.RolloverChecks.key;
import static org.tandem.signer.node.RolloverChecks.noCachedCombinationFailsToValidate;
import static org.tandem.signer.node.RolloverChecks.provenOnBothBeforePublished;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.proof.KeySetReport;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.proto.signer.v1.Role;
import org.tandem.signer.election.PublishRecord;
import org.tandem.signer.lifecycle.ManifestParent;
import org.xbill.DNS.Record;

/**
 * The rollover agent on the leader, with two signer-node JVMs on their own SoftHSM2 tokens and a real
 * ZooKeeper, and a policy whose intervals are seconds: a ZSK rollover runs from start to end by itself
 * (successor generated once on the leader, replicated to and proven on both HSMs before it is
 * published, pre-published without signing, the switch, the old ZSK retired and then removed), and
 * every version published on the way validates with ldns-verify-zone. An algorithm rollover (RFC 6781 §4.1.4)
 * from 13 to 14 runs to its end the same way once the nodes restart with the new policy.
 */
class RolloverAgentIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    /** TTLs of 2 s: the RFC 7583 intervals are seconds (Ipub = 1 + 2 + 1 s, Iret = 0 + 1 + 2 + 1 s). */
    static final String ZONE = """
            $ORIGIN example.test.
            $TTL 2
            @        SOA   ns1 hostmaster 2026120100 7200 3600 1209600 2
            @        NS    ns1
            ns1      A     192.0.2.53
            www      A     192.0.2.80
            """;

    /** Removed keys kept (delete-removed: false): the deletion is {@code KeyDeletionIT}'s. */
    static final String POLICY = """
            dnskey-ttl: 2
            keys:
              ksk: {algorithm: 13, lifetime: 0}
              zsk: {algorithm: 13, lifetime: 25s}
              delete-removed: false
            propagation-delay: 1s
            publish-safety: 1s
            retire-safety: 1s
            parent: {ds-ttl: 1s, propagation-delay: 1s, check: none}
            """;

    @TempDir
    Path dir;

    private NodeCluster cluster;

    @BeforeEach
    void cluster() throws Exception {
        cluster = NodeCluster.twoNodesWithPolicy(dir, ZK.connectString(), ZONE, POLICY);
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    private NodeProcess start(String node) throws Exception {
        return cluster.startWithPolicy(node);
    }

    @Test
    void aZskRollsByItselfProvenOnBothHsmsBeforePublicationAndEveryPublishedVersionValidates() throws Exception {
        NodeProcess a = start("node-a");
        cluster.awaitLog(a, "node=node-a event=leader ");
        NodeProcess b = start("node-b");
        // the first keys: proven on both nodes, then published and active at once (nothing to overlap with)
        PublishRecord first = cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        ZoneKeySet initial = cluster.tokens.keySync().manifest(NodeCluster.ZONE);
        ZoneKeySet.Entry zsk1 = key(initial, KeyRole.ZSK, KeyState.ACTIVE).orElseThrow();
        assertThat(initial.entries()).allSatisfy(e -> assertThat(e.state()).isEqualTo(KeyState.ACTIVE));
        assertThat(zsk1.entered(KeyState.ACTIVE)).isPresent();

        // the successor: generated once on node-a, proven on both HSMs, pre-published; the switch; the old ZSK
        // retired, then removed
        TestTiming.until(NodeCluster.WAIT.multipliedBy(2), "the first ZSK is REMOVED", () -> {
            try {
                return cluster.state(zsk1.key()) == KeyState.REMOVED;
            } catch (Exception e) {
                return false;
            }
        });
        ZoneKeySet after = cluster.tokens.keySync().manifest(NodeCluster.ZONE);
        List<ZoneKeySet.Entry> zsks = after.entries().stream()
                .filter(e -> e.key().role() == KeyRole.ZSK)
                .toList();
        ZoneKeySet.Entry zsk2 = zsks.stream()
                .filter(e -> !e.key().equals(zsk1.key()))
                .findFirst()
                .orElseThrow();
        assertThat(zsks).as("one successor, generated once").hasSize(2);
        assertThat(zsk2.state()).isEqualTo(KeyState.ACTIVE);
        assertThat(zsk2.generatedOn()).isEqualTo("node-a");
        Instant published = zsk2.entered(KeyState.PUBLISHED).orElseThrow();
        Instant active = zsk2.entered(KeyState.ACTIVE).orElseThrow();
        ZoneKeySet.Entry old = after.find(zsk1.key().fingerprint()).orElseThrow();
        // RFC 7583 §3.2.1: the switch after Ipub (4 s), the old DNSKEY removed Iret (4 s) after it stopped
        assertThat(active).isAfterOrEqualTo(published.plusSeconds(4));
        assertThat(old.entered(KeyState.RETIRED)).contains(active);
        assertThat(old.entered(KeyState.REMOVED).orElseThrow()).isAfterOrEqualTo(active.plusSeconds(4));
        // proven on both HSMs before the manifest said PUBLISHED
        provenOnBothBeforePublished(zsk2.key(), a, b);
        // both HSMs hold every key the zone uses, proven; the REMOVED ZSK stays there (delete-removed: false)
        KeySetReport report = cluster.tokens.keySync().verify(NodeCluster.ZONE);
        assertThat(report.problemsForSigning(after)).isEmpty();
        assertThat(report.problems())
                .as("the old ZSK on each of the two HSMs")
                .hasSize(2)
                .allSatisfy(c -> assertThat(c.detail()).contains("manifest lists it as REMOVED"));

        // the removal is published: the last version has neither the old DNSKEY nor its signatures
        PublishRecord last = cluster.awaitPublish(
                r -> !r.dnskeyFingerprints().contains(zsk1.key().fingerprint().hex()),
                "a version without the old ZSK is published");
        assertThat(cluster.signers(last))
                .contains(zsk2.key().keyTag().value())
                .doesNotContain(zsk1.key().keyTag().value());

        // every version published on the way validates; some had the successor published without signing,
        // some the old ZSK retired (published, not signing)
        List<PublishRecord> history = cluster.ledger.history(NodeCluster.ZONE).stream()
                .filter(r -> r.serial() >= first.serial() && r.serial() <= last.serial())
                .toList();
        boolean prePublished = false;
        boolean retired = false;
        List<Long> checked = new ArrayList<>();
        for (PublishRecord r : history) {
            if (!Files.exists(cluster.versionFile(r))) {
                continue; // committed by node-a, written in its directory; the versions are all there
            }
            NodeCluster.validates(cluster.versionFile(r));
            checked.add(r.serial());
            Set<Integer> signers = cluster.signers(r);
            boolean has2 =
                    r.dnskeyFingerprints().contains(zsk2.key().fingerprint().hex());
            boolean has1 =
                    r.dnskeyFingerprints().contains(zsk1.key().fingerprint().hex());
            prePublished |= has2 && !signers.contains(zsk2.key().keyTag().value());
            retired |= has1 && has2 && !signers.contains(zsk1.key().keyTag().value());
        }
        assertThat(checked).as("versions validated").hasSizeGreaterThanOrEqualTo(3);
        assertThat(prePublished)
                .as("a version with the successor published, not signing")
                .isTrue();
        assertThat(retired)
                .as("a version with the old ZSK published, not signing")
                .isTrue();
        noCachedCombinationFailsToValidate(cluster, history);
    }

    @Test
    void aKskRollsWithCdsAndWaitsForTheOperatorsDsSeenAtEachParentStep() throws Exception {
        Files.writeString(dir.resolve("policy.yaml"), """
                dnskey-ttl: 2
                keys:
                  ksk: {algorithm: 13, lifetime: 30s}
                  zsk: {algorithm: 13, lifetime: 0}
                  delete-removed: false
                propagation-delay: 1s
                publish-safety: 1s
                retire-safety: 1s
                parent: {ds-ttl: 1s, propagation-delay: 1s, check: operator}
                """);
        NodeProcess a = start("node-a");
        cluster.awaitLog(a, "node=node-a event=leader ");
        start("node-b");
        PublishRecord first = cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        DnssecKey ksk1 = cluster.tokens.keySync().manifest(NodeCluster.ZONE).entries().stream()
                .filter(e -> e.key().role() == KeyRole.KSK)
                .findFirst()
                .orElseThrow()
                .key();
        // the first KSK: the CDS asks the parent for its DS; nothing moves until the operator says it is there
        awaitCds(cluster, Set.of(ksk1.fingerprint()));
        PublishRecord withCds =
                cluster.awaitPublish(r -> hasCds(cluster, r, ksk1), "a version with the CDS for the first KSK");
        NodeCluster.validates(cluster.versionFile(withCds));
        cluster.awaitLog(a, "event=rollover-waiting DS \\{" + ksk1.fingerprint().shortHex() + "\\} not yet confirmed");
        dsSeen(cluster, ksk1);

        // the successor (generated once on node-a, proven on both HSMs) is published and signs the DNSKEY RRset;
        // after Ipub the CDS asks for both DS records
        DnssecKey[] found = new DnssecKey[1];
        TestTiming.until(NodeCluster.WAIT, "a second KSK is generated", () -> {
            try {
                found[0] = cluster.tokens.keySync().manifest(NodeCluster.ZONE).entries().stream()
                        .filter(e -> e.key().role() == KeyRole.KSK && !e.key().equals(ksk1))
                        .findFirst()
                        .map(ZoneKeySet.Entry::key)
                        .orElse(null);
                return found[0] != null;
            } catch (Exception e) {
                return false;
            }
        });
        DnssecKey ksk2 = found[0];
        awaitCds(cluster, Set.of(ksk1.fingerprint(), ksk2.fingerprint()));
        assertThat(cluster.state(ksk2)).isEqualTo(KeyState.ACTIVE);
        assertThat(cluster.state(ksk1)).isEqualTo(KeyState.ACTIVE);
        dsSeen(cluster, ksk1, ksk2);
        // then for the new one only; the old KSK stays while the parent's DS names it
        awaitCds(cluster, Set.of(ksk2.fingerprint()));
        assertThat(cluster.state(ksk1)).isEqualTo(KeyState.ACTIVE);
        dsSeen(cluster, ksk2);
        TestTiming.until(NodeCluster.WAIT, "the first KSK is REMOVED", () -> {
            try {
                return cluster.state(ksk1) == KeyState.REMOVED;
            } catch (Exception e) {
                return false;
            }
        });
        PublishRecord last = cluster.awaitPublish(
                r -> !r.dnskeyFingerprints().contains(ksk1.fingerprint().hex()) && !hasCds(cluster, r, ksk2),
                "a version without the old KSK and without CDS");
        assertThat(cluster.signers(last))
                .doesNotContain(ksk1.keyTag().value())
                .contains(ksk2.keyTag().value());
        long validated = 0;
        for (PublishRecord r : cluster.ledger.history(NodeCluster.ZONE)) {
            if (r.serial() >= first.serial() && r.serial() <= last.serial() && Files.exists(cluster.versionFile(r))) {
                NodeCluster.validates(cluster.versionFile(r));
                validated++;
            }
        }
        assertThat(validated).isGreaterThanOrEqualTo(4);
        assertThat(cluster.tokens.keySync().manifest(NodeCluster.ZONE).entries().stream()
                        .filter(e -> e.key().role() == KeyRole.KSK))
                .as("one successor, generated once")
                .hasSize(2);
    }

    @Test
    void anAlgorithmRolloverFrom13To14RunsToItsEndAfterTheNodesRestartWithTheNewPolicyAndEveryVersionValidates()
            throws Exception {
        String policy13 = POLICY.replace("lifetime: 25s", "lifetime: 0"); // no ZSK rollover on the way
        Files.writeString(dir.resolve("policy.yaml"), policy13);
        NodeProcess a = start("node-a");
        cluster.awaitLog(a, "node=node-a event=leader ");
        NodeProcess b = start("node-b");
        PublishRecord first = cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        List<ZoneKeySet.Entry> old =
                cluster.tokens.keySync().manifest(NodeCluster.ZONE).entries();
        assertThat(old).hasSize(2).allSatisfy(e -> {
            assertThat(e.state()).isEqualTo(KeyState.ACTIVE);
            assertThat(e.key().algorithm()).isEqualTo(Algorithm.ECDSAP256SHA256);
        });

        // the node reads its policy at start: the new one (algorithm 14) takes effect as the nodes restart one at
        // a time, the standby first; then the leader steps down and node-b leads with it
        Files.writeString(dir.resolve("policy.yaml"), policy13.replace("algorithm: 13", "algorithm: 14"));
        b.stop(Duration.ofSeconds(30));
        b = start("node-b");
        TestTiming.until(NodeCluster.WAIT, "node-b is standby again", () -> {
            try {
                return cluster.status("node-b").getRole() == Role.STANDBY;
            } catch (Exception e) {
                return false;
            }
        });
        a.stop(Duration.ofSeconds(30)); // the leader steps down as it stops
        cluster.awaitLog(b, "node=node-b event=leader ");
        a = start("node-a");

        // the rollover runs by itself to its end: every key of algorithm 13 REMOVED
        TestTiming.until(NodeCluster.WAIT.multipliedBy(3), "every key of algorithm 13 is REMOVED", () -> {
            try {
                for (ZoneKeySet.Entry e : old) {
                    if (cluster.state(e.key()) != KeyState.REMOVED) {
                        return false;
                    }
                }
                return true;
            } catch (Exception e) {
                return false;
            }
        });
        ZoneKeySet after = cluster.tokens.keySync().manifest(NodeCluster.ZONE);
        List<ZoneKeySet.Entry> fresh = after.entries().stream()
                .filter(e -> e.key().algorithm() == Algorithm.ECDSAP384SHA384)
                .toList();
        assertThat(fresh)
                .as("one KSK and one ZSK of algorithm 14, generated once")
                .hasSize(2);
        assertThat(fresh).extracting(e -> e.key().role()).containsExactlyInAnyOrder(KeyRole.KSK, KeyRole.ZSK);
        for (ZoneKeySet.Entry e : fresh) {
            assertThat(e.state()).isEqualTo(KeyState.ACTIVE);
            assertThat(e.generatedOn()).isEqualTo("node-b");
            // RFC 6781 §4.1.4: signing (PRE_ACTIVE) before the DNSKEY (ACTIVE), Dsgn + Dprp + TTLsig + IpubS later
            Instant signing = e.entered(KeyState.PRE_ACTIVE).orElseThrow();
            assertThat(e.entered(KeyState.ACTIVE).orElseThrow()).isAfterOrEqualTo(signing.plusSeconds(4));
        }
        for (ZoneKeySet.Entry e : old) {
            ZoneKeySet.Entry now = after.find(e.key().fingerprint()).orElseThrow();
            Instant out = now.entered(KeyState.POST_ACTIVE).orElseThrow();
            // the old signatures stay TTLkey + Dprp + IretS after the old DNSKEY left
            assertThat(now.entered(KeyState.REMOVED).orElseThrow()).isAfterOrEqualTo(out.plusSeconds(4));
        }
        assertThat(ManifestParent.of(after).ds())
                .containsExactly(fresh.stream()
                        .filter(e -> e.key().role() == KeyRole.KSK)
                        .findFirst()
                        .orElseThrow()
                        .key()
                        .fingerprint());
        // both HSMs hold every key the zone uses, proven
        assertThat(cluster.tokens.keySync().verify(NodeCluster.ZONE).problemsForSigning(after))
                .isEmpty();

        // the end is published: only algorithm 14 in the DNSKEY RRset and the RRSIGs
        PublishRecord last = cluster.awaitPublish(
                r -> {
                    try {
                        return algorithms(cluster.records(r), true).equals(Set.of(14))
                                && algorithms(cluster.records(r), false).equals(Set.of(14));
                    } catch (Exception e) {
                        return false;
                    }
                },
                "a version of algorithm 14 only");
        // every version on the way validates; some had algorithm-14 signatures without its DNSKEY (pre-active),
        // some algorithm-13 signatures without its DNSKEY (post-active)
        boolean preActive = false;
        boolean postActive = false;
        List<Long> checked = new ArrayList<>();
        for (PublishRecord r : cluster.ledger.history(NodeCluster.ZONE)) {
            if (r.serial() < first.serial() || r.serial() > last.serial() || !Files.exists(cluster.versionFile(r))) {
                continue;
            }
            NodeCluster.validates(cluster.versionFile(r));
            checked.add(r.serial());
            List<Record> records = cluster.records(r);
            Set<Integer> published = algorithms(records, true);
            Set<Integer> signing = algorithms(records, false);
            preActive |= published.equals(Set.of(13)) && signing.equals(Set.of(13, 14));
            postActive |= published.equals(Set.of(14)) && signing.equals(Set.of(13, 14));
        }
        assertThat(checked).as("versions validated").hasSizeGreaterThanOrEqualTo(4);
        assertThat(preActive)
                .as("a version signed by algorithm 14 before its DNSKEY")
                .isTrue();
        assertThat(postActive)
                .as("a version signed by algorithm 13 after its DNSKEY left")
                .isTrue();
    }

    @Test
    void aZskRolloverWhoseLeaderDiesAfterPrePublicationIsFinishedByTheNewLeaderFromTheManifest() throws Exception {
        NodeProcess a = start("node-a");
        cluster.awaitLog(a, "node=node-a event=leader ");
        NodeProcess b = start("node-b");
        PublishRecord first = cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        ZoneKeySet.Entry zsk1 = key(cluster.tokens.keySync().manifest(NodeCluster.ZONE), KeyRole.ZSK, KeyState.ACTIVE)
                .orElseThrow();
        // node-a generates the successor, has it proven on both HSMs and pre-publishes it; then it dies
        ZoneKeySet.Entry[] successor = new ZoneKeySet.Entry[1];
        TestTiming.until(NodeCluster.WAIT, "a successor ZSK PUBLISHED (pre-published, not signing)", () -> {
            try {
                successor[0] = key(cluster.tokens.keySync().manifest(NodeCluster.ZONE), KeyRole.ZSK, KeyState.PUBLISHED)
                        .orElse(null);
                return successor[0] != null;
            } catch (Exception e) {
                return false;
            }
        });
        DnssecKey zsk2 = successor[0].key();
        a.kill();

        // node-b takes over and carries the rollover on from the manifest: the switch, then the removal
        cluster.awaitLog(b, "node=node-b event=leader ");
        TestTiming.until(NodeCluster.WAIT, "the first ZSK is REMOVED", () -> {
            try {
                return cluster.state(zsk1.key()) == KeyState.REMOVED;
            } catch (Exception e) {
                return false;
            }
        });
        String log = b.log();
        assertThat(indexOf(
                        log,
                        "node=node-b .*event=rollover-step ZSK " + zsk2.keyTag() + " fp "
                                + zsk2.fingerprint().shortHex() + ": PUBLISHED -> ACTIVE"))
                .as("the switch made by node-b")
                .isNotNegative();
        ZoneKeySet after = cluster.tokens.keySync().manifest(NodeCluster.ZONE);
        assertThat(after.entries().stream().filter(e -> e.key().role() == KeyRole.ZSK))
                .as("no second successor: node-b generated nothing")
                .extracting(ZoneKeySet.Entry::key)
                .containsExactlyInAnyOrder(zsk1.key(), zsk2);
        ZoneKeySet.Entry done = after.find(zsk2.fingerprint()).orElseThrow();
        assertThat(done.state()).isEqualTo(KeyState.ACTIVE);
        assertThat(done.generatedOn()).isEqualTo("node-a");
        // RFC 7583: the switch no earlier than Ipub (4 s) after the publication node-a made
        assertThat(done.entered(KeyState.ACTIVE).orElseThrow())
                .isAfterOrEqualTo(done.entered(KeyState.PUBLISHED).orElseThrow().plusSeconds(4));

        PublishRecord last = cluster.awaitPublish(
                r -> r.node().equals("node-b")
                        && !r.dnskeyFingerprints()
                                .contains(zsk1.key().fingerprint().hex()),
                "node-b publishes a version without the old ZSK");
        assertThat(cluster.signers(last))
                .contains(zsk2.keyTag().value())
                .doesNotContain(zsk1.key().keyTag().value());
        long validated = 0;
        for (PublishRecord r : cluster.ledger.history(NodeCluster.ZONE)) {
            if (r.serial() >= first.serial() && r.serial() <= last.serial() && Files.exists(cluster.versionFile(r))) {
                NodeCluster.validates(cluster.versionFile(r));
                validated++;
            }
        }
        assertThat(validated).as("versions of both leaders validated").isGreaterThanOrEqualTo(3);
        noCachedCombinationFailsToValidate(
                cluster,
                cluster.ledger.history(NodeCluster.ZONE).stream()
                        .filter(r -> r.serial() >= first.serial() && r.serial() <= last.serial())
                        .toList());
    }
}
