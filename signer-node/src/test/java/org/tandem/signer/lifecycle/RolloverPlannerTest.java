package org.tandem.signer.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.KeyTag;
import org.tandem.signer.lifecycle.RolloverAction.Kind;
import org.tandem.signer.lifecycle.RolloverSimulation.Event;

/** The planner walked through each rollover to its end on a fake clock, with RFC 7583 intervals asserted. */
class RolloverPlannerTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Algorithm P256 = Algorithm.ECDSAP256SHA256;
    private static final ZoneTimings TIMINGS =
            new ZoneTimings(Duration.ofHours(1), Duration.ofHours(2), Duration.ofDays(7));
    private static final ParentPolicy PARENT =
            new ParentPolicy(Duration.ofDays(1), Duration.ofHours(6), ParentCheck.NONE, Optional.empty());
    private static final Duration DPRP = Duration.ofMinutes(5);
    private static final Duration PUBLISH_SAFETY = Duration.ofHours(1);
    private static final Duration RETIRE_SAFETY = Duration.ofHours(2);
    /** RFC 7583 Ipub = Dprp + TTLkey + IpubS. */
    private static final Duration IPUB = DPRP.plus(TIMINGS.dnskeyTtl()).plus(PUBLISH_SAFETY);
    /** RFC 7583 Iret = Dsgn + Dprp + TTLsig + IretS. */
    private static final Duration IRET =
            TIMINGS.signingDelay().plus(DPRP).plus(TIMINGS.maxZoneTtl()).plus(RETIRE_SAFETY);

    private static RolloverPolicy kskZsk(Algorithm alg, Duration ksk, Duration zsk, ParentPolicy parent) {
        return new RolloverPolicy(
                List.of(new RolePolicy(KeyRole.KSK, alg, ksk), new RolePolicy(KeyRole.ZSK, alg, zsk)),
                DPRP,
                PUBLISH_SAFETY,
                RETIRE_SAFETY,
                parent);
    }

    /** A zone signed since T0 by a KSK (DS at the parent) and a ZSK. */
    private static RolloverSimulation signedZone(RolloverPolicy policy, Algorithm alg) {
        RolloverSimulation sim = new RolloverSimulation(policy, TIMINGS, T0);
        KeyTimeline ksk = sim.activeKey(KeyRole.KSK, alg, T0);
        sim.activeKey(KeyRole.ZSK, alg, T0);
        sim.dsFor(ksk, T0);
        return sim;
    }

    @Test
    void aRemovedKeyIsDeletedOnlyWhenNoCacheCanHoldItUnlessThePolicyKeepsItOrTheDsNamesIt() {
        RolloverPolicy policy = kskZsk(P256, Duration.ZERO, Duration.ZERO, PARENT);
        RolloverPlanner planner = new RolloverPlanner(policy, TIMINGS);
        KeyTimeline ksk = KeyTimeline.generated(KeyRole.KSK, P256, new KeyTag(1), fp(1), T0)
                .withState(KeyState.ACTIVE)
                .withPublished(T0)
                .withActive(T0);
        KeyTimeline zsk = KeyTimeline.generated(KeyRole.ZSK, P256, new KeyTag(2), fp(2), T0)
                .withState(KeyState.ACTIVE)
                .withPublished(T0)
                .withActive(T0);
        Instant retired = T0.plus(Duration.ofDays(1));
        Instant removed = retired.plus(IRET);
        KeyTimeline old = KeyTimeline.generated(KeyRole.ZSK, P256, new KeyTag(3), fp(3), T0)
                .withPublished(T0)
                .withActive(T0)
                .withRetired(retired)
                .withRemoved(removed)
                .withState(KeyState.REMOVED);
        ParentState parent = ParentState.ds(Set.of(ksk.fingerprint()), T0);
        // Dprp + the larger of the DNSKEY TTL and the zone's largest TTL + IretS after its DNSKEY left
        Instant due = removed.plus(DPRP).plus(TIMINGS.maxZoneTtl()).plus(RETIRE_SAFETY);

        RolloverPlan plan = planner.plan(List.of(ksk, zsk, old), List.of(), parent, removed);
        assertThat(plan.next(old.fingerprint())).hasValueSatisfying(a -> {
            assertThat(a.kind()).isEqualTo(Kind.DELETE_KEY);
            assertThat(a.due()).isEqualTo(due);
        });
        assertThat(plan.due(removed)).noneMatch(a -> a.kind() == Kind.DELETE_KEY);
        assertThat(plan.nextDue(removed)).contains(due);

        // decided: a DELETED key has no further step
        KeyTimeline deleted = old.withState(KeyState.DELETED);
        assertThat(planner.plan(List.of(ksk, zsk, deleted), List.of(), parent, due)
                        .next(old.fingerprint()))
                .isEmpty();
        assertThat(deleted.live()).isFalse();
        // keys.delete-removed: false keeps it
        assertThat(new RolloverPlanner(policy.withDeleteRemoved(false), TIMINGS)
                        .plan(List.of(ksk, zsk, old), List.of(), parent, due)
                        .next(old.fingerprint()))
                .isEmpty();
        // a KSK the parent's DS still names is never deleted
        KeyTimeline oldKsk = KeyTimeline.generated(KeyRole.KSK, P256, new KeyTag(4), fp(4), T0)
                .withPublished(T0)
                .withActive(T0)
                .withRetired(retired)
                .withRemoved(removed)
                .withState(KeyState.REMOVED);
        ParentState both = ParentState.ds(Set.of(ksk.fingerprint(), oldKsk.fingerprint()), T0);
        assertThat(planner.plan(List.of(ksk, zsk, oldKsk), List.of(), both, due.plus(Duration.ofDays(30)))
                        .actions())
                .noneMatch(a -> a.kind() == Kind.DELETE_KEY);
    }

    private static Fingerprint fp(int n) {
        byte[] b = new byte[Fingerprint.LENGTH];
        b[0] = (byte) n;
        return Fingerprint.of(b);
    }

    @Test
    void zskRollsByPrePublicationWithIpubBeforeUseAndIretBeforeRemoval() {
        RolloverSimulation sim = signedZone(kskZsk(P256, Duration.ZERO, Duration.ofDays(30), PARENT), P256);
        KeyTimeline old = sim.newest(KeyRole.ZSK, P256);
        KeyTimeline ksk = sim.newest(KeyRole.KSK, P256);
        sim.runUntil(s -> !s.keys.containsKey(old.fingerprint()), T0.plus(Duration.ofDays(60)));

        assertThat(sim.keys).doesNotContainKey(old.fingerprint());
        KeyTimeline fresh = sim.newest(KeyRole.ZSK, P256);
        Instant generated = sim.events(Kind.GENERATE).get(0).at();
        assertThat(generated).isEqualTo(T0.plus(Duration.ofDays(30)).minus(IPUB));
        Instant published = sim.when(Kind.PUBLISH_DNSKEY, fresh);
        Instant active = sim.when(Kind.START_SIGNING, fresh);
        assertThat(published).isEqualTo(generated.plus(sim.proofDelay));
        // RFC 7583 §3.2.1: not active before Ipub after its publication
        assertThat(Duration.between(published, active)).isEqualTo(IPUB);
        assertThat(sim.when(Kind.STOP_SIGNING, old)).isEqualTo(active);
        // the old ZSK's signatures leave caches: Iret after it stopped signing
        assertThat(Duration.between(sim.when(Kind.STOP_SIGNING, old), sim.when(Kind.REMOVE_DNSKEY, old)))
                .isEqualTo(IRET);
        assertThat(sim.events)
                .noneMatch(e -> e.key().filter(ksk.fingerprint()::equals).isPresent());
        assertThat(sim.events(Kind.PUBLISH_CDS)).isEmpty();
    }

    @Test
    void newZskWaitsIpubFromItsFirstPublishedVersionNotFromTheManifest() {
        RolloverPolicy policy = kskZsk(P256, Duration.ZERO, Duration.ofDays(30), PARENT);
        RolloverSimulation sim = signedZone(policy, P256);
        KeyTimeline old = sim.newest(KeyRole.ZSK, P256);
        Instant intended = T0.plus(Duration.ofDays(29));
        KeyTimeline fresh = sim.newKey(KeyRole.ZSK, P256, intended.minusSeconds(600))
                .withState(KeyState.PUBLISHED)
                .withPublished(intended);
        sim.keys.put(fresh.fingerprint(), fresh);
        Instant actual = intended.plus(Duration.ofHours(3)); // the signer published it late
        sim.history.add(new PublishedVersion(
                99,
                actual,
                Set.of(old.fingerprint(), sim.newest(KeyRole.KSK, P256).fingerprint(), fresh.fingerprint()),
                Duration.ofHours(1)));
        sim.now = actual;

        RolloverAction start = sim.plan().actions().stream()
                .filter(a -> a.kind() == Kind.START_SIGNING)
                .findFirst()
                .orElseThrow();
        assertThat(start.due()).isEqualTo(actual.plus(IPUB));
        assertThat(start.key()).contains(fresh.fingerprint());
    }

    @Test
    void aLargerDnskeyTtlInTheHistoryLengthensIpub() {
        RolloverPlanner planner =
                new RolloverPlanner(kskZsk(P256, Duration.ZERO, Duration.ofDays(30), PARENT), TIMINGS);
        PublishedVersion longTtl = new PublishedVersion(1, T0, Set.of(), Duration.ofDays(1));
        assertThat(planner.publishInterval(List.of(longTtl)))
                .isEqualTo(DPRP.plus(Duration.ofDays(1)).plus(PUBLISH_SAFETY));
        assertThat(planner.publishInterval(List.of())).isEqualTo(IPUB);
    }

    @Test
    void kskRollsByDoubleKskAndDoubleDsAndTheOldDnskeyStaysWhileADsMayNameIt() {
        RolloverSimulation sim = signedZone(kskZsk(P256, Duration.ofDays(365), Duration.ZERO, PARENT), P256);
        KeyTimeline old = sim.newest(KeyRole.KSK, P256);
        KeyTimeline zsk = sim.newest(KeyRole.ZSK, P256);
        sim.runUntil(
                s -> !s.keys.containsKey(old.fingerprint()) && s.parent.cds().isEmpty(), T0.plus(Duration.ofDays(400)));

        KeyTimeline fresh = sim.newest(KeyRole.KSK, P256);
        assertThat(fresh).isNotEqualTo(old);
        Instant published = sim.when(Kind.PUBLISH_DNSKEY, fresh);
        assertThat(sim.when(Kind.START_SIGNING, fresh)).isEqualTo(published); // double-KSK
        List<Event> cds = sim.events(Kind.PUBLISH_CDS);
        assertThat(cds).hasSize(2);
        // RFC 7344: CDS only once the new KSK is in every cache
        assertThat(cds.get(0).at()).isEqualTo(published.plus(IPUB));
        assertThat(cds.get(0).ds()).containsExactlyInAnyOrder(old.fingerprint(), fresh.fingerprint());
        List<Event> parent = sim.events(Kind.AWAIT_PARENT);
        assertThat(parent.get(0).at()).isEqualTo(cds.get(0).at().plus(PARENT.propagationDelay()));
        // the double DS stands for TTLds before the old DS is withdrawn
        assertThat(cds.get(1).at()).isEqualTo(parent.get(0).at().plus(PARENT.dsTtl()));
        assertThat(cds.get(1).ds()).containsExactly(fresh.fingerprint());
        Instant dsGone = parent.get(1).at();
        Instant removed = sim.when(Kind.REMOVE_DNSKEY, old);
        assertThat(removed).isEqualTo(dsGone.plus(PARENT.dsTtl()).plus(RETIRE_SAFETY));
        assertThat(sim.when(Kind.STOP_SIGNING, old)).isEqualTo(removed);
        assertThat(sim.events(Kind.WITHDRAW_CDS))
                .singleElement()
                .satisfies(e -> assertThat(e.at()).isAfterOrEqualTo(dsGone));
        assertThat(sim.parent.ds()).containsExactly(fresh.fingerprint());
        assertThat(sim.events)
                .noneMatch(e -> e.key().filter(zsk.fingerprint()::equals).isPresent());
    }

    @Test
    void kskRolloverWaitsForTheOperatorAsLongAsItTakesAndSaysSo() {
        ParentPolicy operator =
                new ParentPolicy(Duration.ofDays(1), Duration.ofHours(6), ParentCheck.OPERATOR, Optional.empty());
        RolloverSimulation sim = signedZone(kskZsk(P256, Duration.ofDays(365), Duration.ZERO, operator), P256);
        sim.parentSilent = true;
        KeyTimeline old = sim.newest(KeyRole.KSK, P256);
        Instant deadline = T0.plus(Duration.ofDays(500));
        sim.runUntil(s -> false, deadline);

        assertThat(sim.keys.get(old.fingerprint()).inDnskeySet()).isTrue();
        assertThat(sim.events(Kind.REMOVE_DNSKEY)).isEmpty();
        sim.now = deadline;
        RolloverPlan plan = sim.plan();
        assertThat(plan.actions()).anySatisfy(a -> assertThat(a.kind()).isEqualTo(Kind.AWAIT_PARENT));
        assertThat(plan.findings()).anySatisfy(f -> {
            assertThat(f.kind()).isEqualTo(RolloverFinding.Kind.AWAITING_PARENT);
            assertThat(f.message())
                    .contains(
                            "check: operator",
                            sim.newest(KeyRole.KSK, P256).tag().toString());
        });
    }

    @Test
    void cskRollsByDoubleSignatureAndTheParentsDs() {
        RolloverPolicy policy = new RolloverPolicy(
                List.of(new RolePolicy(KeyRole.CSK, P256, Duration.ofDays(180))),
                DPRP,
                PUBLISH_SAFETY,
                RETIRE_SAFETY,
                PARENT);
        RolloverSimulation sim = new RolloverSimulation(policy, TIMINGS, T0);
        KeyTimeline old = sim.activeKey(KeyRole.CSK, P256, T0);
        sim.dsFor(old, T0);
        sim.runUntil(s -> !s.keys.containsKey(old.fingerprint()), T0.plus(Duration.ofDays(250)));

        assertThat(sim.keys).doesNotContainKey(old.fingerprint());
        KeyTimeline fresh = sim.newest(KeyRole.CSK, P256);
        Instant began = sim.when(Kind.START_SIGNING, fresh);
        assertThat(sim.when(Kind.PUBLISH_DNSKEY, fresh)).isEqualTo(began);
        Instant removed = sim.when(Kind.REMOVE_DNSKEY, old);
        // the new CSK's signatures are in every cache before the old ones go (RFC 7583 §3.2.2)
        assertThat(removed).isAfterOrEqualTo(began.plus(IRET));
        assertThat(sim.parent.ds()).containsExactly(fresh.fingerprint());
    }

    @Test
    void algorithmRolloverPublishesNewSignaturesFirstAndKeepsOldSignaturesUntilTheOldDnskeyLeftCaches() {
        Algorithm rsa = Algorithm.RSASHA256;
        RolloverSimulation sim = signedZone(kskZsk(P256, Duration.ZERO, Duration.ZERO, PARENT), rsa);
        KeyTimeline oldKsk = sim.newest(KeyRole.KSK, rsa);
        KeyTimeline oldZsk = sim.newest(KeyRole.ZSK, rsa);
        sim.runUntil(
                s -> !s.keys.containsKey(oldKsk.fingerprint()) && !s.keys.containsKey(oldZsk.fingerprint()),
                T0.plus(Duration.ofDays(60)));

        assertThat(sim.keys.values()).allSatisfy(k -> assertThat(k.algorithm()).isEqualTo(P256));
        KeyTimeline ksk = sim.newest(KeyRole.KSK, P256);
        KeyTimeline zsk = sim.newest(KeyRole.ZSK, P256);
        assertThat(sim.events(Kind.GENERATE))
                .hasSize(2)
                .allSatisfy(e -> assertThat(e.at()).isEqualTo(T0));
        Instant signs = sim.when(Kind.START_SIGNING, zsk);
        assertThat(sim.when(Kind.START_SIGNING, ksk)).isEqualTo(signs);
        // RFC 6781 §4.1.4: the new algorithm's RRSIGs are in every cache before its DNSKEY appears
        Duration sigsCached =
                TIMINGS.signingDelay().plus(DPRP).plus(TIMINGS.maxZoneTtl()).plus(PUBLISH_SAFETY);
        Instant published = sim.when(Kind.PUBLISH_DNSKEY, zsk);
        assertThat(published).isEqualTo(signs.plus(sigsCached));
        assertThat(sim.when(Kind.PUBLISH_DNSKEY, ksk)).isEqualTo(published);
        Event cds = sim.events(Kind.PUBLISH_CDS).get(0);
        assertThat(cds.at()).isEqualTo(published.plus(IPUB));
        assertThat(cds.ds()).containsExactly(ksk.fingerprint());
        Instant dsChanged = sim.events(Kind.AWAIT_PARENT).get(0).at();
        Instant oldDnskeysGone = sim.when(Kind.REMOVE_DNSKEY, oldKsk);
        assertThat(sim.when(Kind.REMOVE_DNSKEY, oldZsk)).isEqualTo(oldDnskeysGone);
        assertThat(oldDnskeysGone).isEqualTo(dsChanged.plus(PARENT.dsTtl()).plus(RETIRE_SAFETY));
        // the old algorithm's signatures stay until the old DNSKEY has left every cache
        Instant oldSigsGone = sim.when(Kind.STOP_SIGNING, oldZsk);
        assertThat(oldSigsGone)
                .isEqualTo(oldDnskeysGone.plus(TIMINGS.dnskeyTtl()).plus(DPRP).plus(RETIRE_SAFETY));
        assertThat(sim.when(Kind.STOP_SIGNING, oldKsk)).isEqualTo(oldSigsGone);
        assertThat(sim.parent.ds()).containsExactly(ksk.fingerprint());
    }

    @Test
    void aKeyPastItsLifetimeWithoutASuccessorInFlightIsReported() {
        RolloverPolicy policy = kskZsk(P256, Duration.ZERO, Duration.ofDays(90), PARENT);
        RolloverSimulation sim = signedZone(policy, P256);
        KeyTimeline zsk = sim.newest(KeyRole.ZSK, P256);
        sim.now = T0.plus(Duration.ofDays(100));

        RolloverPlan plan = sim.plan();
        assertThat(plan.findings()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(RolloverFinding.Kind.LIFETIME_EXCEEDED);
            assertThat(f.key()).contains(zsk.fingerprint());
            assertThat(f.message()).contains(zsk.describe(), "10d", "past its lifetime of 90d", "no successor");
        });
        assertThat(plan.due(sim.now)).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(Kind.GENERATE);
            assertThat(a.role()).isEqualTo(KeyRole.ZSK);
        });

        sim.step(); // the successor is generated, not yet proven
        RolloverPlan inFlight = sim.plan();
        assertThat(inFlight.findings()).noneMatch(f -> f.kind() == RolloverFinding.Kind.LIFETIME_EXCEEDED);
        assertThat(inFlight.findings()).anyMatch(f -> f.kind() == RolloverFinding.Kind.AWAITING_PROOF);
        assertThat(inFlight.actions()).isEmpty(); // an unproven key is neither published nor used
    }

    @Test
    void aLifetimeOfZeroNeverRollsAndAPolicyWithoutKeysPlansNothing() {
        RolloverSimulation never = signedZone(kskZsk(P256, Duration.ZERO, Duration.ZERO, PARENT), P256);
        never.now = T0.plus(Duration.ofDays(3650));
        assertThat(never.plan().actions()).isEmpty();
        assertThat(never.lastPlan.findings()).isEmpty();

        RolloverSimulation unmanaged = signedZone(RolloverPolicy.none(), P256);
        unmanaged.now = T0.plus(Duration.ofDays(3650));
        assertThat(unmanaged.plan()).isEqualTo(RolloverPlan.empty());
    }

    @Test
    void anUnsignedZoneGetsItsKeysAndThenAsksTheParentForItsFirstDs() {
        RolloverSimulation sim =
                new RolloverSimulation(kskZsk(P256, Duration.ofDays(365), Duration.ofDays(90), PARENT), TIMINGS, T0);
        assertThat(sim.plan().due(T0))
                .extracting(RolloverAction::kind, RolloverAction::role)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(Kind.GENERATE, KeyRole.KSK),
                        org.assertj.core.groups.Tuple.tuple(Kind.GENERATE, KeyRole.ZSK));
        sim.planner.plan(List.of(), List.of(), ParentState.none(), T0);
        for (RolloverAction a : sim.lastPlan.due(T0)) {
            KeyTimeline k = sim.newKey(a.role(), a.algorithm(), T0).withState(KeyState.PUBLISHED);
            sim.keys.put(k.fingerprint(), k);
        }
        assertThat(sim.plan().due(T0))
                .extracting(RolloverAction::kind)
                .containsExactlyInAnyOrder(
                        Kind.PUBLISH_DNSKEY, Kind.START_SIGNING, Kind.PUBLISH_DNSKEY, Kind.START_SIGNING);
        sim.step();
        KeyTimeline ksk = sim.newest(KeyRole.KSK, P256);
        RolloverAction cds = sim.plan().actions().stream()
                .filter(a -> a.kind() == Kind.PUBLISH_CDS)
                .findFirst()
                .orElseThrow();
        assertThat(cds.ds()).containsExactly(ksk.fingerprint());
        assertThat(cds.due()).isEqualTo(T0.plus(IPUB));
    }

    @Test
    void theTimelineShowsEachKeysNextStepWithItsDateAndTheDsState() {
        RolloverSimulation sim = signedZone(kskZsk(P256, Duration.ZERO, Duration.ofDays(30), PARENT), P256);
        KeyTimeline ksk = sim.newest(KeyRole.KSK, P256);
        KeyTimeline zsk = sim.newest(KeyRole.ZSK, P256);
        sim.runUntil(
                s -> s.keys.size() == 3
                        && s.newest(KeyRole.ZSK, P256).published().isPresent(),
                T0.plus(Duration.ofDays(40)));
        KeyTimeline fresh = sim.newest(KeyRole.ZSK, P256);

        List<TimelineRow> rows = TimelineRow.of(List.copyOf(sim.keys.values()), sim.plan(), sim.parent);
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0).key()).isEqualTo(ksk);
        assertThat(rows.get(0).inDs()).isTrue();
        assertThat(rows.get(0).nextText()).isEqualTo("-");
        TimelineRow old =
                rows.stream().filter(r -> r.key().equals(zsk)).findFirst().orElseThrow();
        TimelineRow next =
                rows.stream().filter(r -> r.key().equals(fresh)).findFirst().orElseThrow();
        Instant switchAt = fresh.published().get().plus(IPUB);
        assertThat(old.nextText()).isEqualTo("stop signing at " + switchAt);
        assertThat(next.nextText()).isEqualTo("start signing at " + switchAt);
        assertThat(next.key().phase()).isEqualTo("published");
        assertThat(next.json())
                .containsEntry("role", "ZSK")
                .containsEntry("fingerprint", fresh.fingerprint().hex())
                .containsEntry("next_step", "start_signing")
                .containsEntry("next_due", switchAt.toString())
                .containsEntry("in_parent_ds", false);
    }
}
