package org.tandem.signer.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ManifestConflictException;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.testing.SettableClock;
import org.tandem.keysync.testing.SoftwareKeys;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;

/** The rollover agent's decisions on a fake clock, over an in-memory manifest. */
class RolloverAgentTest {
    private static final ZoneName ZONE = ZoneName.of("example.test.");
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Algorithm ALG = Algorithm.ECDSAP256SHA256;
    /** Ipub = 1 + 2 + 1 = 4 s, Iret = 0 + 1 + 2 + 1 = 4 s; ZSK lifetime 60 s. */
    private static final RolloverPolicy POLICY = new RolloverPolicy(
            List.of(
                    new RolePolicy(KeyRole.KSK, ALG, Duration.ZERO),
                    new RolePolicy(KeyRole.ZSK, ALG, Duration.ofSeconds(60))),
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            new ParentPolicy(Duration.ofSeconds(1), Duration.ofSeconds(1), ParentCheck.NONE, Optional.empty()));

    private static final ZoneTimings TIMINGS =
            new ZoneTimings(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ZERO);

    private final SettableClock clock = new SettableClock(T0);
    private final FakeKeys keys = new FakeKeys();
    private final RolloverAgent agent = new RolloverAgent("node-a", keys, clock);

    @Test
    void theFirstKeysProvenOnEveryNodeArePublishedAndActiveInOneManifestVersion() throws Exception {
        DnssecKey ksk = keys.add(KeyRole.KSK);
        DnssecKey zsk = keys.add(KeyRole.ZSK);

        RolloverAgent.Outcome o = run(Set.of(ksk.fingerprint(), zsk.fingerprint()));

        assertThat(o.changed()).isTrue();
        assertThat(keys.writes).isEqualTo(1);
        assertThat(keys.state(ksk)).isEqualTo(KeyState.ACTIVE);
        assertThat(keys.state(zsk)).isEqualTo(KeyState.ACTIVE);
        ZoneKeySet.Entry e = keys.manifest.find(zsk.fingerprint()).orElseThrow();
        assertThat(e.entered(KeyState.PUBLISHED)).contains(T0);
        assertThat(e.entered(KeyState.ACTIVE)).contains(T0);
    }

    @Test
    void aKeyNotProvenOnEveryNodeStaysGeneratedAndUnpublished() throws Exception {
        DnssecKey ksk = keys.add(KeyRole.KSK);
        DnssecKey zsk = keys.add(KeyRole.ZSK);

        RolloverAgent.Outcome o = run(Set.of(ksk.fingerprint())); // the ZSK is missing somewhere

        assertThat(keys.state(zsk)).isEqualTo(KeyState.GENERATED);
        assertThat(keys.state(ksk)).isEqualTo(KeyState.ACTIVE);
        assertThat(o.findings()).anySatisfy(f -> assertThat(f.kind()).isEqualTo(RolloverFinding.Kind.AWAITING_PROOF));
        assertThat(keys.generated).isEmpty();
    }

    @Test
    void aZskNearTheEndOfItsLifetimeGetsOneSuccessorGeneratedOnceAndPublishedOnlyWhenProven() throws Exception {
        DnssecKey ksk = keys.add(KeyRole.KSK);
        DnssecKey zsk = keys.add(KeyRole.ZSK);
        run(Set.of(ksk.fingerprint(), zsk.fingerprint()));
        keys.dsNames(ksk); // the parent has the KSK's DS: no parent step interferes

        clock.set(T0.plusSeconds(55)); // Ipub (4 s) before the end of the lifetime (60 s) is 56 s: not yet
        assertThat(run(Set.of()).nextDue()).contains(T0.plusSeconds(56));
        assertThat(keys.generated).isEmpty();
        clock.set(T0.plusSeconds(56));
        RolloverAgent.Outcome made = run(Set.of());
        run(Set.of()); // a second pass (or a new leader) sees the successor in the manifest
        clock.set(T0.plusSeconds(58));
        run(Set.of());

        assertThat(made.done()).singleElement().satisfies(l -> assertThat(l).contains("generated on node-a"));
        assertThat(keys.generated).hasSize(1);
        DnssecKey next = keys.generated.get(0);
        assertThat(next.role()).isEqualTo(KeyRole.ZSK);
        assertThat(keys.state(next)).isEqualTo(KeyState.GENERATED);

        run(Set.of(next.fingerprint())); // the replication pass proved it on every HSM
        assertThat(keys.state(next)).isEqualTo(KeyState.PUBLISHED);
        assertThat(keys.state(zsk)).isEqualTo(KeyState.ACTIVE);
        assertThat(keys.generated).hasSize(1);
    }

    @Test
    void theSwitchStartsTheSuccessorAndRetiresTheOldZskInOneWriteAfterIpubThenRemovesItAfterIret() throws Exception {
        DnssecKey ksk = keys.add(KeyRole.KSK);
        DnssecKey zsk = keys.add(KeyRole.ZSK);
        run(Set.of(ksk.fingerprint(), zsk.fingerprint()));
        keys.dsNames(ksk); // the parent has the KSK's DS: no parent step interferes
        clock.set(T0.plusSeconds(56));
        run(Set.of());
        DnssecKey next = keys.generated.get(0);
        clock.set(T0.plusSeconds(57));
        run(Set.of(next.fingerprint()));
        Instant published = clock.instant();

        clock.set(published.plusSeconds(3)); // within Ipub: nothing moves
        int writes = keys.writes;
        RolloverAgent.Outcome early = run(Set.of());
        assertThat(keys.writes).isEqualTo(writes);
        assertThat(early.nextDue()).contains(published.plusSeconds(4));

        clock.set(published.plusSeconds(4));
        run(Set.of());
        assertThat(keys.writes).isEqualTo(writes + 1);
        assertThat(keys.state(next)).isEqualTo(KeyState.ACTIVE);
        assertThat(keys.state(zsk)).isEqualTo(KeyState.RETIRED);
        assertThat(keys.manifest.find(zsk.fingerprint()).orElseThrow().entered(KeyState.RETIRED))
                .contains(published.plusSeconds(4));

        clock.set(published.plusSeconds(7)); // Iret (4 s) after the switch not yet over
        run(Set.of());
        assertThat(keys.state(zsk)).isEqualTo(KeyState.RETIRED);
        clock.set(published.plusSeconds(8));
        run(Set.of());
        assertThat(keys.state(zsk)).isEqualTo(KeyState.REMOVED);
        assertThat(keys.state(next)).isEqualTo(KeyState.ACTIVE);
    }

    @Test
    void aRemovedZskIsMarkedDeletedOnlyOnceNoCacheCanHoldItWithoutResigningTheZone() throws Exception {
        DnssecKey zsk = removedZsk(POLICY);
        Instant removed = keys.manifest
                .find(zsk.fingerprint())
                .orElseThrow()
                .entered(KeyState.REMOVED)
                .orElseThrow();

        // Dprp + the largest TTL + IretS (1 + 2 + 1 s) after its DNSKEY left: a cache may still hold it before
        clock.set(removed.plusSeconds(3));
        int writes = keys.writes;
        RolloverAgent.Outcome early = run(Set.of());
        assertThat(keys.writes).isEqualTo(writes);
        assertThat(keys.state(zsk)).isEqualTo(KeyState.REMOVED);
        assertThat(early.nextDue()).contains(removed.plusSeconds(4));

        clock.set(removed.plusSeconds(4));
        RolloverAgent.Outcome due = run(Set.of());
        assertThat(keys.state(zsk)).isEqualTo(KeyState.DELETED);
        assertThat(keys.manifest.find(zsk.fingerprint()).orElseThrow().entered(KeyState.DELETED))
                .contains(removed.plusSeconds(4));
        assertThat(due.done())
                .singleElement()
                .satisfies(l -> assertThat(l)
                        .contains("REMOVED -> DELETED", zsk.fingerprint().shortHex()));
        assertThat(due.changed()).as("the zone does not change: no re-sign").isFalse();
        assertThat(timeline(zsk).live()).isFalse();
        assertThat(timeline(zsk).phase()).startsWith("deleted");

        // decided once: no further step for it
        clock.set(removed.plusSeconds(30));
        writes = keys.writes;
        RolloverAgent.Outcome after = run(Set.of());
        assertThat(keys.writes).isEqualTo(writes);
        assertThat(after.done()).isEmpty();
    }

    @Test
    void withDeleteRemovedFalseARemovedKeyStaysRemovedForTheOperator() throws Exception {
        RolloverPolicy keep = POLICY.withDeleteRemoved(false);
        DnssecKey zsk = removedZsk(keep);

        clock.set(clock.instant().plusSeconds(3600));
        RolloverAgent.Outcome o = agent.run(ZONE, keep, TIMINGS, List.of(), Set.of(), () -> true);
        assertThat(keys.state(zsk)).isEqualTo(KeyState.REMOVED);
        assertThat(o.done()).noneMatch(l -> l.contains(zsk.fingerprint().shortHex()));
    }

    @Test
    void onlyARemovedKeyCanBeMarkedDeleted() {
        assertThat(RolloverAgent.target(RolloverAction.Kind.DELETE_KEY, KeyState.REMOVED, false))
                .contains(KeyState.DELETED);
        for (KeyState s : KeyState.values()) {
            if (s != KeyState.REMOVED) {
                assertThat(RolloverAgent.target(RolloverAction.Kind.DELETE_KEY, s, false))
                        .as("DELETE_KEY of a " + s + " key")
                        .isEmpty();
            }
        }
        for (RolloverAction.Kind k : RolloverAction.Kind.values()) {
            for (KeyState s : KeyState.values()) {
                if (k != RolloverAction.Kind.DELETE_KEY) {
                    assertThat(RolloverAgent.target(k, s, true))
                            .as(k + " of a " + s + " key")
                            .isNotEqualTo(Optional.of(KeyState.DELETED));
                }
            }
        }
    }

    /** Runs a ZSK rollover under {@code policy} until the first ZSK is REMOVED; returns it. */
    private DnssecKey removedZsk(RolloverPolicy policy) throws Exception {
        DnssecKey ksk = keys.add(KeyRole.KSK);
        DnssecKey zsk = keys.add(KeyRole.ZSK);
        agent.run(ZONE, policy, TIMINGS, List.of(), Set.of(ksk.fingerprint(), zsk.fingerprint()), () -> true);
        keys.dsNames(ksk);
        clock.set(T0.plusSeconds(56));
        agent.run(ZONE, policy, TIMINGS, List.of(), Set.of(), () -> true);
        DnssecKey next = keys.generated.get(0);
        clock.set(T0.plusSeconds(57));
        agent.run(ZONE, policy, TIMINGS, List.of(), Set.of(next.fingerprint()), () -> true);
        clock.set(T0.plusSeconds(61)); // Ipub: the switch
        agent.run(ZONE, policy, TIMINGS, List.of(), Set.of(), () -> true);
        clock.set(T0.plusSeconds(65)); // Iret: the old DNSKEY leaves
        agent.run(ZONE, policy, TIMINGS, List.of(), Set.of(), () -> true);
        assertThat(keys.state(zsk)).isEqualTo(KeyState.REMOVED);
        return zsk;
    }

    @Test
    void aNodeThatNoLongerLeadsWritesNothing() throws Exception {
        DnssecKey ksk = keys.add(KeyRole.KSK);
        DnssecKey zsk = keys.add(KeyRole.ZSK);

        RolloverAgent.Outcome o =
                agent.run(ZONE, POLICY, TIMINGS, List.of(), Set.of(ksk.fingerprint(), zsk.fingerprint()), () -> false);

        assertThat(keys.writes).isZero();
        assertThat(o.changed()).isFalse();
        assertThat(o.waiting()).anySatisfy(l -> assertThat(l).contains("no longer leads"));
    }

    @Test
    void aConflictingWriteIsReportedAndPlannedAgainNextPass() throws Exception {
        DnssecKey ksk = keys.add(KeyRole.KSK);
        DnssecKey zsk = keys.add(KeyRole.ZSK);
        keys.conflictOnce = true;

        RolloverAgent.Outcome o = run(Set.of(ksk.fingerprint(), zsk.fingerprint()));
        assertThat(o.changed()).isFalse();
        assertThat(o.waiting()).anySatisfy(l -> assertThat(l).contains("manifest changed meanwhile"));
        assertThat(keys.state(zsk)).isEqualTo(KeyState.GENERATED);

        run(Set.of(ksk.fingerprint(), zsk.fingerprint()));
        assertThat(keys.state(zsk)).isEqualTo(KeyState.ACTIVE);
    }

    @Test
    void withParentCheckNoneTheCdsIsPublishedThenTheDsAssumedAndTheCdsWithdrawn() throws Exception {
        DnssecKey ksk = keys.add(KeyRole.KSK);
        DnssecKey zsk = keys.add(KeyRole.ZSK);
        run(Set.of(ksk.fingerprint(), zsk.fingerprint()));

        clock.set(T0.plusSeconds(4)); // Ipub after the KSK's publication: ask the parent
        run(Set.of());
        assertThat(ManifestParent.of(keys.manifest).cds()).containsExactly(ksk.fingerprint());
        assertThat(ManifestParent.of(keys.manifest).ds()).isEmpty();

        clock.set(T0.plusSeconds(5)); // the parent's propagation delay (1 s): assumed (check: none)
        run(Set.of());
        assertThat(ManifestParent.of(keys.manifest).ds()).containsExactly(ksk.fingerprint());
        assertThat(ManifestParent.of(keys.manifest).dsSince()).contains(T0.plusSeconds(5));

        run(Set.of()); // the parent has acted: CDS withdrawn (RFC 7344 §4.1)
        assertThat(ManifestParent.of(keys.manifest).cds()).isEmpty();
        assertThat(ManifestParent.of(keys.manifest).ds()).containsExactly(ksk.fingerprint());
    }

    @Test
    void withParentCheckResolverTheDsCountsOnlyOnceEveryParentServerServesIt() throws Exception {
        RolloverPolicy byResolver = new RolloverPolicy(
                POLICY.roles(),
                POLICY.propagationDelay(),
                POLICY.publishSafety(),
                POLICY.retireSafety(),
                new ParentPolicy(
                        Duration.ofSeconds(1), Duration.ofSeconds(1), ParentCheck.RESOLVER, Optional.of("192.0.2.53")));
        List<ParentDsAnswer> answers = new ArrayList<>();
        List<String> asked = new ArrayList<>();
        RolloverAgent probing = new RolloverAgent("node-a", keys, clock, (zone, resolver) -> {
            asked.add(zone + " via " + resolver);
            return answers.get(asked.size() - 1);
        });
        DnssecKey ksk = keys.add(KeyRole.KSK);
        DnssecKey zsk = keys.add(KeyRole.ZSK);
        probing.run(ZONE, byResolver, TIMINGS, List.of(), Set.of(ksk.fingerprint(), zsk.fingerprint()), () -> true);
        clock.set(T0.plusSeconds(4));
        probing.run(ZONE, byResolver, TIMINGS, List.of(), Set.of(), () -> true); // CDS published
        assertThat(asked).isEmpty(); // nothing asked before the parent's propagation delay

        DSRecord ds = new DSRecord(ZONE.name(), DClass.IN, 3600, DNSSEC.Digest.SHA256, ksk.dnskey(3600));
        // one server of two has it and the other does not answer; then it answers without; then with it
        answers.add(new ParentDsAnswer(
                ZONE,
                Map.of("ns1.test. 192.0.2.1", List.of(ds)),
                List.of("ns2.test. 192.0.2.2: DS example.test. to /192.0.2.2:53: timed out")));
        LinkedHashMap<String, List<DSRecord>> split = new LinkedHashMap<>();
        split.put("ns1.test. 192.0.2.1", List.of(ds));
        split.put("ns2.test. 192.0.2.2", List.of());
        answers.add(new ParentDsAnswer(ZONE, split, List.of()));
        LinkedHashMap<String, List<DSRecord>> both = new LinkedHashMap<>(split);
        both.put("ns2.test. 192.0.2.2", List.of(ds));
        answers.add(new ParentDsAnswer(ZONE, both, List.of()));

        clock.set(T0.plusSeconds(5));
        RolloverAgent.Outcome timedOut = probing.run(ZONE, byResolver, TIMINGS, List.of(), Set.of(), () -> true);
        assertThat(asked).containsExactly("example.test. via 192.0.2.53");
        assertThat(ManifestParent.of(keys.manifest).ds()).isEmpty();
        assertThat(timedOut.waiting())
                .anySatisfy(w -> assertThat(w)
                        .contains("not yet served by every name server")
                        .contains("timed out"));

        RolloverAgent.Outcome half = probing.run(ZONE, byResolver, TIMINGS, List.of(), Set.of(), () -> true);
        assertThat(ManifestParent.of(keys.manifest).ds()).isEmpty();
        assertThat(half.waiting())
                .anySatisfy(w -> assertThat(w)
                        .contains("ns1.test. 192.0.2.1 serves DS ["
                                + ksk.fingerprint().shortHex() + "]")
                        .contains("ns2.test. 192.0.2.2 serves DS none"));

        RolloverAgent.Outcome all = probing.run(ZONE, byResolver, TIMINGS, List.of(), Set.of(), () -> true);
        assertThat(ManifestParent.of(keys.manifest).ds()).containsExactly(ksk.fingerprint());
        assertThat(ManifestParent.of(keys.manifest).dsSince()).contains(T0.plusSeconds(5));
        assertThat(all.done()).anySatisfy(d -> assertThat(d).contains("served by every name server of the parent"));
    }

    @Test
    void aParentDsOfAnotherDigestTypeNamesTheKeyItDigestsAndAStrayDsNamesNone() throws Exception {
        DnssecKey ksk = keys.add(KeyRole.KSK);
        DnssecKey other = newKey(KeyRole.KSK);
        DSRecord sha384 = new DSRecord(ZONE.name(), DClass.IN, 3600, DNSSEC.Digest.SHA384, ksk.dnskey(3600));
        DSRecord stray = new DSRecord(ZONE.name(), DClass.IN, 3600, DNSSEC.Digest.SHA384, other.dnskey(3600));

        assertThat(new ParentDsAnswer(ZONE, Map.of("ns1 192.0.2.1", List.of(sha384)), List.of()).agreed(List.of(ksk)))
                .contains(Set.of(ksk.fingerprint()));
        Optional<Set<Fingerprint>> withStray = new ParentDsAnswer(
                        ZONE, Map.of("ns1 192.0.2.1", List.of(sha384, stray)), List.of())
                .agreed(List.of(ksk));
        assertThat(withStray)
                .hasValueSatisfying(keysNamed -> assertThat(keysNamed)
                        .hasSize(2)
                        .contains(ksk.fingerprint())
                        .doesNotContain(other.fingerprint()));
    }

    private RolloverAgent.Outcome run(Set<Fingerprint> proven) throws Exception {
        return agent.run(ZONE, POLICY, TIMINGS, List.of(), proven, () -> true);
    }

    /** POLICY with algorithm 14 (ECDSA P-384) for both roles. */
    private static final RolloverPolicy POLICY_14 = new RolloverPolicy(
            List.of(
                    new RolePolicy(KeyRole.KSK, Algorithm.ECDSAP384SHA384, Duration.ZERO),
                    new RolePolicy(KeyRole.ZSK, Algorithm.ECDSAP384SHA384, Duration.ofSeconds(60))),
            POLICY.propagationDelay(),
            POLICY.publishSafety(),
            POLICY.retireSafety(),
            POLICY.parent());

    private RolloverAgent.Outcome run14(Set<Fingerprint> proven) throws Exception {
        return agent.run(ZONE, POLICY_14, TIMINGS, List.of(), proven, () -> true);
    }

    private KeyTimeline timeline(DnssecKey k) {
        return ManifestTimelines.of(keys.manifest).stream()
                .filter(t -> t.fingerprint().equals(k.fingerprint()))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void anAlgorithmRolloverFrom13To14SignsFirstThenPublishesThenMovesTheDsThenDropsTheOldDnskeysThenTheirSignatures()
            throws Exception {
        DnssecKey ksk = keys.add(KeyRole.KSK);
        DnssecKey zsk = keys.add(KeyRole.ZSK);
        run(Set.of(ksk.fingerprint(), zsk.fingerprint()));
        keys.dsNames(ksk);

        // the policy names algorithm 14: one key of each role generated, once
        clock.set(T0.plusSeconds(10));
        run14(Set.of());
        run14(Set.of());
        assertThat(keys.generated)
                .hasSize(2)
                .allSatisfy(k -> assertThat(k.algorithm()).isEqualTo(Algorithm.ECDSAP384SHA384));
        DnssecKey ksk14 = keys.generated.stream()
                .filter(k -> k.role() == KeyRole.KSK)
                .findFirst()
                .orElseThrow();
        DnssecKey zsk14 = keys.generated.stream()
                .filter(k -> k.role() == KeyRole.ZSK)
                .findFirst()
                .orElseThrow();

        // one of them proven: nothing starts (both roles of the new algorithm sign together)
        run14(Set.of(ksk14.fingerprint()));
        assertThat(keys.state(ksk14)).isEqualTo(KeyState.GENERATED);
        assertThat(keys.state(zsk14)).isEqualTo(KeyState.GENERATED);

        // 1. both proven: they sign before their DNSKEY is published (PRE_ACTIVE)
        RolloverAgent.Outcome pre = run14(Set.of(ksk14.fingerprint(), zsk14.fingerprint()));
        Instant signed = clock.instant();
        assertThat(pre.waiting()).isEmpty();
        assertThat(keys.state(ksk14)).isEqualTo(KeyState.PRE_ACTIVE);
        assertThat(keys.state(zsk14)).isEqualTo(KeyState.PRE_ACTIVE);
        assertThat(keys.state(ksk)).isEqualTo(KeyState.ACTIVE);
        assertThat(keys.manifest.find(zsk14.fingerprint()).orElseThrow().entered(KeyState.PRE_ACTIVE))
                .contains(signed);
        assertThat(timeline(zsk14).signing()).isTrue();
        assertThat(timeline(zsk14).inDnskeySet()).isFalse();

        // 2. Dsgn + Dprp + TTLsig + IpubS = 0 + 1 + 2 + 1 s later, their DNSKEYs are published (ACTIVE)
        clock.set(signed.plusSeconds(3));
        RolloverAgent.Outcome early = run14(Set.of());
        assertThat(early.changed()).isFalse();
        assertThat(early.nextDue()).contains(signed.plusSeconds(4));
        clock.set(signed.plusSeconds(4));
        run14(Set.of());
        Instant published = clock.instant();
        assertThat(keys.state(ksk14)).isEqualTo(KeyState.ACTIVE);
        assertThat(keys.state(zsk14)).isEqualTo(KeyState.ACTIVE);
        assertThat(timeline(ksk14).active()).contains(signed);
        assertThat(timeline(ksk14).published()).contains(published);

        // 3. Ipub (4 s) later the CDS asks for the new KSK's DS; the parent's propagation delay later it is there
        clock.set(published.plusSeconds(3));
        run14(Set.of());
        assertThat(ManifestParent.of(keys.manifest).cds()).isEmpty();
        clock.set(published.plusSeconds(4));
        run14(Set.of());
        assertThat(ManifestParent.of(keys.manifest).cds()).containsExactly(ksk14.fingerprint());
        clock.set(published.plusSeconds(5));
        run14(Set.of());
        Instant dsSince = clock.instant();
        assertThat(ManifestParent.of(keys.manifest).ds()).containsExactly(ksk14.fingerprint());
        run14(Set.of()); // CDS withdrawn
        assertThat(ManifestParent.of(keys.manifest).cds()).isEmpty();
        assertThat(keys.state(ksk)).isEqualTo(KeyState.ACTIVE);
        assertThat(keys.state(zsk)).isEqualTo(KeyState.ACTIVE);

        // 4. TTLds + IretS (1 + 1 s) after the DS changed, the old DNSKEYs leave; their signatures stay (POST_ACTIVE)
        clock.set(dsSince.plusSeconds(1));
        run14(Set.of());
        assertThat(keys.state(ksk)).isEqualTo(KeyState.ACTIVE);
        clock.set(dsSince.plusSeconds(2));
        RolloverAgent.Outcome post = run14(Set.of());
        Instant out = clock.instant();
        assertThat(post.done())
                .anySatisfy(d -> assertThat(d).contains("ACTIVE -> POST_ACTIVE"))
                .hasSize(2);
        assertThat(keys.state(ksk)).isEqualTo(KeyState.POST_ACTIVE);
        assertThat(keys.state(zsk)).isEqualTo(KeyState.POST_ACTIVE);
        assertThat(timeline(zsk).signing()).isTrue();
        assertThat(timeline(zsk).inDnskeySet()).isFalse();

        // 5. TTLkey + Dprp + IretS (2 + 1 + 1 s) after the DNSKEYs left, the old signatures go (REMOVED)
        clock.set(out.plusSeconds(3));
        RolloverAgent.Outcome cached = run14(Set.of());
        assertThat(keys.state(zsk)).isEqualTo(KeyState.POST_ACTIVE);
        assertThat(cached.nextDue()).contains(out.plusSeconds(4));
        clock.set(out.plusSeconds(4));
        run14(Set.of());
        assertThat(keys.state(ksk)).isEqualTo(KeyState.REMOVED);
        assertThat(keys.state(zsk)).isEqualTo(KeyState.REMOVED);
        assertThat(keys.state(ksk14)).isEqualTo(KeyState.ACTIVE);
        assertThat(keys.state(zsk14)).isEqualTo(KeyState.ACTIVE);
        assertThat(timeline(zsk).live()).isFalse();
        assertThat(timeline(zsk).retired()).contains(out.plusSeconds(4));

        // the rollover is over: a further pass changes no key and generates nothing
        int writes = keys.writes;
        run14(Set.of());
        assertThat(keys.writes).isEqualTo(writes);
        assertThat(keys.generated).hasSize(2);
    }

    /** The manifest in memory; keys generated here are GENERATED, as keysync writes them. */
    private final class FakeKeys implements RolloverAgent.Keys {
        ZoneKeySet manifest = new ZoneKeySet(ZONE, 0, List.of());
        final List<DnssecKey> generated = new ArrayList<>();
        int writes;
        boolean conflictOnce;

        DnssecKey add(KeyRole role) throws Exception {
            DnssecKey k = newKey(role);
            manifest = manifest.with(new ZoneKeySet.Entry(k, KeyState.GENERATED, clock.instant(), "node-a"));
            return k;
        }

        void dsNames(DnssecKey k) {
            manifest = ManifestParent.dsSeen(manifest, Set.of(k.fingerprint()), clock.instant());
        }

        KeyState state(DnssecKey k) {
            return manifest.find(k.fingerprint()).orElseThrow().state();
        }

        @Override
        public ZoneKeySet manifest(ZoneName zone) {
            return manifest;
        }

        @Override
        public DnssecKey generate(ZoneName zone, KeyRole role, Algorithm algorithm) {
            try {
                DnssecKey k = algorithm == Algorithm.ECDSAP384SHA384 ? p384(role) : newKey(role);
                manifest = manifest.with(new ZoneKeySet.Entry(k, KeyState.GENERATED, clock.instant(), "node-a"));
                generated.add(k);
                manifest = new ZoneKeySet(ZONE, manifest.version() + 1, manifest.entries());
                return k;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void update(ZoneKeySet current, ZoneKeySet next, String why) throws ManifestConflictException {
            if (current.version() != manifest.version() || conflictOnce) {
                conflictOnce = false;
                throw new ManifestConflictException(
                        ZONE.toString(), "/fake", current.version(), manifest.version() + 1, null);
            }
            writes++;
            manifest = new ZoneKeySet(ZONE, manifest.version() + 1, next.entries());
        }
    }

    private static DnssecKey newKey(KeyRole role) throws Exception {
        return SoftwareKeys.p256(ZONE, role);
    }

    private static DnssecKey p384(KeyRole role) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp384r1"));
        return DnssecKey.of(
                ZONE, role, Algorithm.ECDSAP384SHA384, g.generateKeyPair().getPublic());
    }
}
