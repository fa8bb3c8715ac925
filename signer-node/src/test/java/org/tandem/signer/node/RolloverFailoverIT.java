package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tandem.signer.node.RolloverChecks.algorithms;
import static org.tandem.signer.node.RolloverChecks.awaitCds;
import static org.tandem.signer.node.RolloverChecks.awaitState;
import static org.tandem.signer.node.RolloverChecks.between;
import static org.tandem.signer.node.RolloverChecks.dsSeen;
import static org.tandem.signer.node.RolloverChecks.hasAnyCds;
import static org.tandem.signer.node.RolloverChecks.hasCds;
import static org.tandem.signer.node.RolloverChecks.indexOf;
import static org.tandem.signer.node.RolloverChecks.key;
import static org.tandem.signer.node.RolloverChecks.noCachedCombinationFailsToValidate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.keysync.testing.SoftHsmTokens.RemovedToken;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.proto.signer.v1.Role;
import org.tandem.signer.election.PublishRecord;
import org.tandem.signer.lifecycle.CacheCheck;
import org.tandem.signer.lifecycle.ManifestParent;
import org.xbill.DNS.Record;

/**
 * A failover in the middle of a KSK rollover and of an algorithm rollover, with two signer-node JVMs on their own
 * SoftHSM2 tokens and a real ZooKeeper: the leader is killed (SIGKILL) while the rollover waits for the operator's
 * {@code ds-seen}, and the other node, which keeps nothing of the rollover but what the manifest and the publish
 * ledger hold, finishes it: it keeps the CDS, takes the operator's {@code ds-seen}, removes the old keys and
 * withdraws the CDS, and generates no key of its own. Every version either leader published validates with
 * ldns-verify-zone, and every combination of cached DNSKEY, RRSIG and DS RRsets validates ({@code CacheCheck}).
 * (The ZSK rollover's failover is {@code RolloverAgentIT}'s.) And a replication failure in the middle of a ZSK
 * rollover (the standby's token away) halts it with the zone valid, until the token is back.
 */
class RolloverFailoverIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    /** A KSK lifetime of 40 s: the next rollover (of the successor) starts well after this one ended. */
    private static final Duration KSK_LIFETIME = Duration.ofSeconds(40);

    /**
     * RFC 7583 intervals of seconds (Ipub = 1 + 2 + 1 s), the parent's DS confirmed by the operator ({@code
     * ds-seen}), so that a rollover waits in its middle until the test says the parent changed.
     */
    private static final String KSK_POLICY = """
            dnskey-ttl: 2
            keys:
              ksk: {algorithm: 13, lifetime: 40s}
              zsk: {algorithm: 13, lifetime: 0}
              delete-removed: false
            propagation-delay: 1s
            publish-safety: 1s
            retire-safety: 1s
            parent: {ds-ttl: 1s, propagation-delay: 1s, check: operator}
            """;

    @TempDir
    Path dir;

    private NodeCluster cluster;

    @BeforeEach
    void cluster() throws Exception {
        cluster = NodeCluster.twoNodesWithPolicy(dir, ZK.connectString(), RolloverAgentIT.ZONE, KSK_POLICY);
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    private NodeProcess start(String node) throws Exception {
        return cluster.startWithPolicy(node);
    }

    @Test
    void aKskRolloverWhoseLeaderDiesWhileTheCdsAsksForBothDsIsFinishedByTheNewLeaderFromTheManifest() throws Exception {
        NodeProcess a = start("node-a");
        cluster.awaitLog(a, "node=node-a event=leader ");
        NodeProcess b = start("node-b");
        PublishRecord first = cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        DnssecKey ksk1 =
                key(manifest(), KeyRole.KSK, KeyState.ACTIVE).orElseThrow().key();
        List<CacheCheck.DsSet> parent = new ArrayList<>();
        awaitCds(cluster, Set.of(ksk1.fingerprint()));
        cluster.awaitPublish(r -> hasCds(cluster, r, ksk1), "a version with the CDS for the first KSK");
        parent.add(dsSeen(cluster, ksk1));

        // node-a: the successor generated, proven on both HSMs, published and signing the DNSKEY RRset; after Ipub
        // the CDS asks for both DS records, and the rollover waits for the operator. Then node-a dies.
        DnssecKey ksk2 = awaitSecondKsk(ksk1);
        awaitCds(cluster, Set.of(ksk1.fingerprint(), ksk2.fingerprint()));
        PublishRecord askedByA = cluster.awaitPublish(
                r -> r.node().equals("node-a") && hasCds(cluster, r, ksk1) && hasCds(cluster, r, ksk2),
                "node-a publishes the CDS for both KSKs");
        assertThat(cluster.state(ksk2)).isEqualTo(KeyState.ACTIVE);
        assertThat(cluster.signers(askedByA))
                .contains(ksk1.keyTag().value(), ksk2.keyTag().value());
        a.kill();
        long lastOfA = cluster.ledger.last(NodeCluster.ZONE).orElseThrow().serial();

        // node-b takes over: the CDS for both stays in what it publishes, and it generates no KSK of its own
        cluster.awaitLog(b, "node=node-b event=leader ");
        PublishRecord keptByB = cluster.awaitPublish(
                r -> r.node().equals("node-b") && hasCds(cluster, r, ksk1) && hasCds(cluster, r, ksk2),
                "node-b publishes the CDS for both KSKs");
        assertThat(keptByB.serial()).isGreaterThan(lastOfA);
        assertThat(ksks()).containsExactlyInAnyOrder(ksk1, ksk2);
        assertThat(cluster.state(ksk1)).isEqualTo(KeyState.ACTIVE);

        // the operator: the parent has both DS records; node-b asks for the new one only
        parent.add(dsSeen(cluster, ksk1, ksk2));
        awaitCds(cluster, Set.of(ksk2.fingerprint()));
        PublishRecord onlyNew = cluster.awaitPublish(
                r -> r.node().equals("node-b") && hasCds(cluster, r, ksk2) && !hasCds(cluster, r, ksk1),
                "node-b publishes the CDS for the new KSK only");
        assertThat(cluster.state(ksk1))
                .as("the old KSK stays while the DS names it")
                .isEqualTo(KeyState.ACTIVE);
        assertThat(cluster.signers(onlyNew))
                .contains(ksk1.keyTag().value(), ksk2.keyTag().value());

        // the operator: the parent has the new DS only; node-b withdraws the CDS, retires and removes the old KSK
        parent.add(dsSeen(cluster, ksk2));
        awaitState(cluster, ksk1, KeyState.REMOVED, NodeCluster.WAIT);
        PublishRecord last = cluster.awaitPublish(
                r -> r.node().equals("node-b")
                        && !r.dnskeyFingerprints().contains(ksk1.fingerprint().hex())
                        && !hasAnyCdsQuietly(r),
                "node-b publishes a version without the old KSK and without CDS");
        assertThat(cluster.signers(last))
                .doesNotContain(ksk1.keyTag().value())
                .contains(ksk2.keyTag().value());
        String log = b.log();
        String old = "KSK " + ksk1.keyTag() + " fp " + ksk1.fingerprint().shortHex();
        assertThat(indexOf(
                        log,
                        "node=node-b .*event=rollover-step CDS/CDNSKEY for \\{"
                                + ksk2.fingerprint().shortHex() + "\\}"))
                .as("the CDS for the new KSK only, asked by node-b")
                .isNotNegative();
        assertThat(indexOf(log, "node=node-b .*event=rollover-step CDS/CDNSKEY withdrawn"))
                .as("the CDS withdrawn by node-b")
                .isNotNegative();
        assertThat(indexOf(log, "node=node-b .*event=rollover-step " + old + ": ACTIVE -> RETIRED"))
                .as("the old KSK retired by node-b")
                .isNotNegative();
        assertThat(indexOf(log, "node=node-b .*event=rollover-step " + old + ": RETIRED -> REMOVED"))
                .as("the old KSK removed by node-b")
                .isNotNegative();

        ZoneKeySet after = manifest();
        ZoneKeySet.Entry done = after.find(ksk2.fingerprint()).orElseThrow();
        assertThat(done.state()).isEqualTo(KeyState.ACTIVE);
        assertThat(done.generatedOn()).isEqualTo("node-a");
        assertThat(ManifestParent.of(after).ds()).containsExactly(ksk2.fingerprint());
        assertThat(ManifestParent.of(after).cds()).isEmpty();
        // one successor of the first KSK, generated once (node-b generated none at its takeover); a later KSK can
        // only be the successor's successor, generated no earlier than lifetime - (Ipub + the parent's
        // propagation delay + TTLds) after the successor began, on a slow machine before this test ends
        Instant nextRollover =
                done.entered(KeyState.ACTIVE).orElseThrow().plus(KSK_LIFETIME).minusSeconds(6);
        assertThat(after.entries().stream()
                        .filter(e ->
                                e.key().role() == KeyRole.KSK && e.created().isBefore(nextRollover))
                        .map(ZoneKeySet.Entry::key))
                .as("one successor, generated once")
                .containsExactlyInAnyOrder(ksk1, ksk2);

        // who published what: node-a up to its death, node-b after; every version validates, and so does every
        // combination of cached RRsets and the parent's DS RRsets
        List<PublishRecord> history = between(cluster, first, last);
        assertThat(history)
                .filteredOn(r -> r.serial() <= lastOfA)
                .allSatisfy(r -> assertThat(r.node()).isEqualTo("node-a"));
        assertThat(history)
                .filteredOn(r -> r.serial() > lastOfA)
                .allSatisfy(r -> assertThat(r.node()).isEqualTo("node-b"));
        assertThat(validateAll(history))
                .as("versions of both leaders validated")
                .isGreaterThanOrEqualTo(5);
        noCachedCombinationFailsToValidate(cluster, history, parent);
    }

    @Test
    void anAlgorithmRolloverFrom13To14WhoseLeaderDiesWithBothAlgorithmsPublishedIsFinishedByTheOtherNode()
            throws Exception {
        String policy13 = KSK_POLICY.replace("lifetime: 40s", "lifetime: 0"); // nothing but the algorithm rolls
        Files.writeString(dir.resolve("policy.yaml"), policy13);
        NodeProcess a = start("node-a");
        cluster.awaitLog(a, "node=node-a event=leader ");
        NodeProcess b = start("node-b");
        PublishRecord first = cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        List<ZoneKeySet.Entry> old = manifest().entries();
        assertThat(old)
                .hasSize(2)
                .allSatisfy(e -> assertThat(e.key().algorithm()).isEqualTo(Algorithm.ECDSAP256SHA256));
        DnssecKey ksk13 =
                key(manifest(), KeyRole.KSK, KeyState.ACTIVE).orElseThrow().key();
        List<CacheCheck.DsSet> parent = new ArrayList<>();
        awaitCds(cluster, Set.of(ksk13.fingerprint()));
        cluster.awaitPublish(r -> hasCds(cluster, r, ksk13), "a version with the CDS for the first KSK");
        parent.add(dsSeen(cluster, ksk13));
        awaitCds(cluster, Set.of()); // withdrawn: the zone is settled before the policy changes

        // the new policy, as RolloverAgentIT starts it: node-b restarts with it, then node-a steps down, so node-b
        // leads with it and rolls; node-a comes back with it as the standby
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
        a.stop(Duration.ofSeconds(30));
        cluster.awaitLog(b, "node=node-b event=leader ");
        a = start("node-a");

        // node-b: the new keys sign first, then their DNSKEYs are published beside the old ones; after Ipub the CDS
        // asks for the new KSK's DS only, and the rollover waits for the operator. Then node-b dies.
        DnssecKey[] found = new DnssecKey[1];
        TestTiming.until(NodeCluster.WAIT, "a KSK of algorithm 14 is generated", () -> {
            try {
                found[0] = ksks().stream()
                        .filter(k -> k.algorithm() == Algorithm.ECDSAP384SHA384)
                        .findFirst()
                        .orElse(null);
                return found[0] != null;
            } catch (Exception e) {
                return false;
            }
        });
        DnssecKey ksk14 = found[0];
        awaitCds(cluster, Set.of(ksk14.fingerprint()));
        PublishRecord askedByB = cluster.awaitPublish(
                r -> {
                    try {
                        List<Record> records = cluster.records(r);
                        return r.node().equals("node-b")
                                && algorithms(records, true).equals(Set.of(13, 14))
                                && algorithms(records, false).equals(Set.of(13, 14))
                                && hasCds(cluster, r, ksk14);
                    } catch (Exception e) {
                        return false;
                    }
                },
                "node-b publishes both algorithms and the CDS for the new KSK");
        List<ZoneKeySet.Entry> fresh = manifest().entries().stream()
                .filter(e -> e.key().algorithm() == Algorithm.ECDSAP384SHA384)
                .toList();
        assertThat(fresh).hasSize(2).allSatisfy(e -> assertThat(e.state()).isEqualTo(KeyState.ACTIVE));
        assertThat(cluster.signers(askedByB))
                .contains(ksk13.keyTag().value(), ksk14.keyTag().value());
        int aLogAtKill = a.log().length();
        b.kill();
        long lastOfB = cluster.ledger.last(NodeCluster.ZONE).orElseThrow().serial();

        // node-a takes over (its log already has a term from before the policy change: judged from the kill on)
        cluster.awaitPublish(
                r -> {
                    try {
                        List<Record> records = cluster.records(r);
                        return r.node().equals("node-a")
                                && r.serial() > lastOfB
                                && algorithms(records, true).equals(Set.of(13, 14))
                                && hasCds(cluster, r, ksk14);
                    } catch (Exception e) {
                        return false;
                    }
                },
                "node-a takes over and publishes both algorithms and the CDS for the new KSK");
        assertThat(cluster.status("node-a").getRole()).isEqualTo(Role.LEADER);
        assertThat(manifest().entries()).as("node-a generated nothing").hasSize(4);

        // the operator: the parent has the new DS; node-a removes the old DNSKEYs, then the old signatures
        parent.add(dsSeen(cluster, ksk14));
        TestTiming.until(NodeCluster.WAIT, "every key of algorithm 13 is REMOVED", () -> {
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
        PublishRecord last = cluster.awaitPublish(
                r -> {
                    try {
                        List<Record> records = cluster.records(r);
                        return r.node().equals("node-a")
                                && algorithms(records, true).equals(Set.of(14))
                                && algorithms(records, false).equals(Set.of(14))
                                && !hasAnyCds(cluster, r);
                    } catch (Exception e) {
                        return false;
                    }
                },
                "node-a publishes a version of algorithm 14 only, without CDS");
        String log = a.log().substring(aLogAtKill);
        for (ZoneKeySet.Entry e : old) {
            String k = e.key().role() + " " + e.key().keyTag() + " fp "
                    + e.key().fingerprint().shortHex();
            assertThat(indexOf(log, "node=node-a .*event=rollover-step " + k + ": ACTIVE -> POST_ACTIVE"))
                    .as(k + ": DNSKEY removed by node-a")
                    .isNotNegative();
            assertThat(indexOf(log, "node=node-a .*event=rollover-step " + k + ": POST_ACTIVE -> REMOVED"))
                    .as(k + ": signatures stopped by node-a")
                    .isNotNegative();
        }
        assertThat(indexOf(log, "node=node-a .*event=rollover-step step=GENERATE"))
                .as("node-a generated nothing")
                .isNegative();

        ZoneKeySet after = manifest();
        List<ZoneKeySet.Entry> now = after.entries().stream()
                .filter(e -> e.key().algorithm() == Algorithm.ECDSAP384SHA384)
                .toList();
        assertThat(now)
                .as("one KSK and one ZSK of algorithm 14, generated once")
                .hasSize(2);
        assertThat(now).extracting(e -> e.key().role()).containsExactlyInAnyOrder(KeyRole.KSK, KeyRole.ZSK);
        for (ZoneKeySet.Entry e : now) {
            assertThat(e.state()).isEqualTo(KeyState.ACTIVE);
            assertThat(e.generatedOn()).isEqualTo("node-b");
            // RFC 6781 §4.1.4: signing (PRE_ACTIVE) before the DNSKEY (ACTIVE), Dsgn + Dprp + TTLsig + IpubS later
            Instant signing = e.entered(KeyState.PRE_ACTIVE).orElseThrow();
            assertThat(e.entered(KeyState.ACTIVE).orElseThrow()).isAfterOrEqualTo(signing.plusSeconds(4));
        }
        assertThat(ManifestParent.of(after).ds()).containsExactly(ksk14.fingerprint());
        assertThat(ManifestParent.of(after).cds()).isEmpty();
        assertThat(cluster.tokens.keySync().verify(NodeCluster.ZONE).problemsForSigning(after))
                .isEmpty();

        // every version of the three leaderships validates; node-b's had algorithm-14 signatures without its
        // DNSKEY (pre-active), node-a's after the failover algorithm-13 signatures without its DNSKEY (post-active)
        List<PublishRecord> history = between(cluster, first, last);
        boolean preActiveByB = false;
        boolean postActiveByA = false;
        for (PublishRecord r : history) {
            if (!Files.exists(cluster.versionFile(r))) {
                continue;
            }
            List<Record> records = cluster.records(r);
            Set<Integer> published = algorithms(records, true);
            Set<Integer> signing = algorithms(records, false);
            preActiveByB |= r.node().equals("node-b") && published.equals(Set.of(13)) && signing.equals(Set.of(13, 14));
            postActiveByA |= r.node().equals("node-a")
                    && r.serial() > lastOfB
                    && published.equals(Set.of(14))
                    && signing.equals(Set.of(13, 14));
        }
        assertThat(preActiveByB)
                .as("node-b published algorithm-14 signatures before the DNSKEYs")
                .isTrue();
        assertThat(postActiveByA)
                .as("node-a published algorithm-13 signatures after the DNSKEYs left")
                .isTrue();
        assertThat(history)
                .filteredOn(r -> r.serial() > lastOfB)
                .allSatisfy(r -> assertThat(r.node()).isEqualTo("node-a"));
        assertThat(validateAll(history))
                .as("versions of both leaders validated")
                .isGreaterThanOrEqualTo(6);
        noCachedCombinationFailsToValidate(cluster, history, parent);
    }

    @Test
    void aZskRolloverWhoseSuccessorCannotReachTheStandbysHsmHaltsWithTheZoneValidAndCompletesOnceTheTokenIsBack()
            throws Exception {
        Files.writeString(dir.resolve("policy.yaml"), RolloverAgentIT.POLICY); // a ZSK lifetime of 25 s
        NodeProcess a = start("node-a");
        cluster.awaitLog(a, "node=node-a event=leader ");
        NodeProcess b = start("node-b");
        PublishRecord first = cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        ZoneKeySet.Entry zsk1 = key(manifest(), KeyRole.ZSK, KeyState.ACTIVE).orElseThrow();
        Instant lifetimeEnd = zsk1.entered(KeyState.ACTIVE).orElseThrow().plusSeconds(25);

        // node-b's token goes away before the successor is generated: node-a cannot bring it there, nor prove it
        String label = cluster.tokens.spec("node-b").tokenLabel();
        RemovedToken away = SoftHsmTokens.shared().remove(label);
        DnssecKey zsk2;
        try {
            DnssecKey[] found = new DnssecKey[1];
            TestTiming.until(NodeCluster.WAIT, "a successor ZSK is generated", () -> {
                try {
                    found[0] = manifest().entries().stream()
                            .map(ZoneKeySet.Entry::key)
                            .filter(k -> k.role() == KeyRole.ZSK && !k.equals(zsk1.key()))
                            .findFirst()
                            .orElse(null);
                    return found[0] != null;
                } catch (Exception e) {
                    return false;
                }
            });
            zsk2 = found[0];
            String successor =
                    "ZSK " + zsk2.keyTag() + " fp " + zsk2.fingerprint().shortHex();
            // the leader names the key, the node and the HSM that lack it; node-b names its HSM, absent
            String health = cluster.awaitHealth("node-a", 503, successor, "missing on node-b (", "on HSM node-b");
            assertThat(health)
                    .contains("zone example.test.: key not published, not on every node: " + successor)
                    .contains(label);
            assertThat(cluster.status("node-a").getZones(0).getReplicationPendingList())
                    .singleElement()
                    .satisfies(line -> assertThat(line).startsWith(successor + ": missing on node-b ("));
            assertThat(cluster.awaitHealth("node-b", 503, "token absent")).contains("node-b", label);
            assertThat(cluster.status("node-a").getRole()).isEqualTo(Role.LEADER);

            // the current ZSK keeps signing, past its lifetime: a change made then is published without the
            // successor, and validates
            TestTiming.until(
                    NodeCluster.WAIT,
                    "the first ZSK's lifetime has ended",
                    () -> Instant.now().isAfter(lifetimeEnd));
            Files.writeString(
                    dir.resolve("zones/example.test.zone"),
                    "txt TXT \"while node-b's token is away\"\n",
                    StandardOpenOption.APPEND);
            PublishRecord changed = cluster.awaitPublish(
                    r -> r.node().equals("node-a") && r.committedAt().isAfter(lifetimeEnd),
                    "a version published after the first ZSK's lifetime");
            assertThat(changed.dnskeyFingerprints())
                    .doesNotContain(zsk2.fingerprint().hex());
            assertThat(cluster.signers(changed))
                    .contains(zsk1.key().keyTag().value())
                    .doesNotContain(zsk2.keyTag().value());
            NodeCluster.validates(cluster.versionFile(changed));
            assertThat(cluster.state(zsk2)).isEqualTo(KeyState.GENERATED);
            assertThat(cluster.state(zsk1.key())).isEqualTo(KeyState.ACTIVE);
        } finally {
            away.putBack();
            cluster.tokens.hsm("node-b").reopen(); // this JVM's own view of the token
        }
        long lastWithout = cluster.ledger.last(NodeCluster.ZONE).orElseThrow().serial();

        // the token is back: node-a brings the successor there, proves it on both HSMs, and the rollover completes
        awaitState(cluster, zsk1.key(), KeyState.REMOVED, NodeCluster.WAIT.multipliedBy(2));
        cluster.awaitLog(
                a,
                "key=" + zsk2.fingerprint().shortHex()
                        + " .*event=key-proven-everywhere proven-on=\"node-a \\(node-a\\)," + " node-b \\(node-b\\)\"");
        ZoneKeySet after = manifest();
        ZoneKeySet.Entry done = after.find(zsk2.fingerprint()).orElseThrow();
        assertThat(done.state()).isEqualTo(KeyState.ACTIVE);
        // a later ZSK can only be the successor's successor: lifetime - Ipub (25 - 4 s) after it began signing
        Instant nextRollover = done.entered(KeyState.ACTIVE).orElseThrow().plusSeconds(21);
        assertThat(after.entries().stream()
                        .filter(e ->
                                e.key().role() == KeyRole.ZSK && e.created().isBefore(nextRollover)))
                .as("one successor, generated once")
                .extracting(ZoneKeySet.Entry::key)
                .containsExactlyInAnyOrder(zsk1.key(), zsk2);
        assertThat(done.generatedOn()).isEqualTo("node-a");
        assertThat(cluster.tokens.keySync().verify(NodeCluster.ZONE).problemsForSigning(after))
                .isEmpty();
        PublishRecord last = cluster.awaitPublish(
                r -> !r.dnskeyFingerprints().contains(zsk1.key().fingerprint().hex()), "a version without the old ZSK");
        assertThat(cluster.signers(last))
                .contains(zsk2.keyTag().value())
                .doesNotContain(zsk1.key().keyTag().value());
        List<PublishRecord> history = between(cluster, first, last);
        assertThat(history)
                .as("no version carried the successor while node-b's token was away")
                .filteredOn(r -> r.serial() <= lastWithout)
                .allSatisfy(r -> assertThat(r.dnskeyFingerprints())
                        .doesNotContain(zsk2.fingerprint().hex()));
        assertThat(history).allSatisfy(r -> assertThat(r.node()).isEqualTo("node-a"));
        assertThat(validateAll(history)).isGreaterThanOrEqualTo(4);
        noCachedCombinationFailsToValidate(cluster, history);
        assertThat(b.alive()).isTrue();
    }

    private ZoneKeySet manifest() throws Exception {
        return cluster.tokens.keySync().manifest(NodeCluster.ZONE);
    }

    private List<DnssecKey> ksks() throws Exception {
        return manifest().entries().stream()
                .map(ZoneKeySet.Entry::key)
                .filter(k -> k.role() == KeyRole.KSK)
                .toList();
    }

    private DnssecKey awaitSecondKsk(DnssecKey ksk1) throws Exception {
        DnssecKey[] found = new DnssecKey[1];
        TestTiming.until(NodeCluster.WAIT, "a second KSK is generated", () -> {
            try {
                found[0] =
                        ksks().stream().filter(k -> !k.equals(ksk1)).findFirst().orElse(null);
                return found[0] != null;
            } catch (Exception e) {
                return false;
            }
        });
        return found[0];
    }

    private boolean hasAnyCdsQuietly(PublishRecord r) {
        try {
            return hasAnyCds(cluster, r);
        } catch (Exception e) {
            return true; // not written yet: not the version looked for
        }
    }

    /** ldns-verify-zone on every version written; returns how many. */
    private long validateAll(List<PublishRecord> history) throws Exception {
        long validated = 0;
        for (PublishRecord r : history) {
            if (Files.exists(cluster.versionFile(r))) {
                NodeCluster.validates(cluster.versionFile(r));
                validated++;
            }
        }
        return validated;
    }
}
