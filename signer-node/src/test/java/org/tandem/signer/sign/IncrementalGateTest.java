package org.tandem.signer.sign;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.gate.GateFailure.Reason;
import org.tandem.signer.gate.GatePolicy;
import org.tandem.signer.gate.GateVerdict;
import org.tandem.signer.gate.IncrementalGate;
import org.tandem.signer.nsec.Nsec3Parameters;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * The incremental gate on real incremental re-signs (keys in an in-memory HSM): what the signer
 * produces passes; each defect a wrong delta would publish is refused with the reason the full gate
 * gives, and a refused check leaves the gate's copy as it was.
 */
class IncrementalGateTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private static final Instant LATER = NOW.plus(Duration.ofHours(2));
    private static final ZoneName ZONE = ZoneName.of("example.test.");
    private static final Name APEX = ZONE.name();
    private static final Name ADDED = Name.fromConstantString("added.example.test.");

    private final InMemoryHsm hsm = new InMemoryHsm("dc1-hsm1");
    private final List<SigningKey> keys;
    private final GatePolicy gatePolicy = GatePolicy.defaults().withThreads(1);

    IncrementalGateTest() throws Exception {
        keys = TestZones.kskAndZsk(hsm, ZONE, Algorithm.ECDSAP256SHA256);
    }

    private record Setup(SignedZoneState state, IncrementalGate gate, SignedZone first) {}

    private Setup setup(SigningPolicy policy) throws Exception {
        SignedZone first = new ZoneSigner().sign(TestZones.defects(), keys, policy, NOW, 2024010101L);
        return new Setup(
                SignedZoneState.of(first), IncrementalGate.open(gatePolicy, APEX, first.records(), NOW), first);
    }

    private List<RrsetChange> secureDelegation() {
        return List.of(
                RrsetChange.replace(
                        ADDED,
                        Type.NS,
                        List.of(new NSRecord(ADDED, DClass.IN, 3600, Name.fromConstantString("ns1.example.net.")))),
                RrsetChange.replace(
                        ADDED, Type.DS, List.of(new DSRecord(ADDED, DClass.IN, 3600, 4711, 13, 2, new byte[32]))));
    }

    @Test
    void aCorrectChangePassesVerifyingOnlyTheTouchedNames() throws Exception {
        for (SigningPolicy policy : List.of(
                SigningPolicy.defaults().withThreads(1),
                SigningPolicy.defaults().withThreads(1).withNsec3(Nsec3Parameters.DEFAULT),
                SigningPolicy.defaults().withThreads(1).withNsec3(Nsec3Parameters.DEFAULT.withOptOut(true)),
                SigningPolicy.defaults().withThreads(1).withZonemd(true))) {
            Setup s = setup(policy);
            IncrementalResult r = new IncrementalSigner().apply(s.state, secureDelegation(), keys, policy, LATER);

            GateVerdict v = s.gate.check(r.removed(), r.added(), LATER);

            assertThat(v.passed()).as(policy + ": " + v.summary()).isTrue();
            assertThat(v.signaturesVerified())
                    .as(policy.toString())
                    .isPositive()
                    .isLessThan(s.first.signatures() / 2);
            assertThat(v.earliestExpiration()).isPresent();
        }
    }

    @Test
    void aMissingNsecAtTheNewNameIsRefusedAndTheCopyStaysAsPublished() throws Exception {
        SigningPolicy policy = SigningPolicy.defaults().withThreads(1);
        Setup s = setup(policy);
        IncrementalResult r = new IncrementalSigner().apply(s.state, secureDelegation(), keys, policy, LATER);
        List<Record> added = new ArrayList<>(r.added());
        added.removeIf(x -> x.getName().equals(ADDED)
                && (x.getType() == Type.NSEC || (x instanceof RRSIGRecord sig && sig.getTypeCovered() == Type.NSEC)));

        GateVerdict v = s.gate.check(r.removed(), added, LATER);

        assertThat(v.passed()).isFalse();
        assertThat(v.count(Reason.NSEC_MISSING)).isEqualTo(1);
        // the refused check changed nothing: the correct delta still applies to the published copy
        assertThat(s.gate.check(r.removed(), r.added(), LATER).passed()).isTrue();
    }

    @Test
    void aCorruptNewSignatureIsRefused() throws Exception {
        SigningPolicy policy = SigningPolicy.defaults().withThreads(1);
        Setup s = setup(policy);
        IncrementalResult r = new IncrementalSigner().apply(s.state, secureDelegation(), keys, policy, LATER);
        List<Record> added = new ArrayList<>();
        for (Record x : r.added()) {
            if (x instanceof RRSIGRecord sig && sig.getTypeCovered() == Type.DS) {
                byte[] bad = sig.getSignature().clone();
                bad[5] ^= 1;
                x = new RRSIGRecord(
                        sig.getName(),
                        DClass.IN,
                        sig.getTTL(),
                        sig.getTypeCovered(),
                        sig.getAlgorithm(),
                        sig.getOrigTTL(),
                        sig.getExpire(),
                        sig.getTimeSigned(),
                        sig.getFootprint(),
                        sig.getSigner(),
                        bad);
            }
            added.add(x);
        }

        GateVerdict v = s.gate.check(r.removed(), added, LATER);

        assertThat(v.count(Reason.BAD_SIGNATURE)).as(v.summary()).isEqualTo(1);
    }

    @Test
    void aPredecessorNsec3NotRelinkedIsRefused() throws Exception {
        SigningPolicy policy = SigningPolicy.defaults().withThreads(1).withNsec3(Nsec3Parameters.DEFAULT);
        Setup s = setup(policy);
        IncrementalResult r = new IncrementalSigner().apply(s.state, secureDelegation(), keys, policy, LATER);
        // keep the predecessor's old NSEC3 (and its RRSIG): drop every removed NSEC3 and its re-made twin
        List<Name> relinked = r.removed().stream()
                .filter(x -> x.getType() == Type.NSEC3)
                .map(Record::getName)
                .toList();
        assertThat(relinked).hasSize(1);
        List<Record> removed = new ArrayList<>(r.removed());
        List<Record> added = new ArrayList<>(r.added());
        removed.removeIf(x -> relinked.contains(x.getName()));
        added.removeIf(x -> relinked.contains(x.getName()));

        GateVerdict v = s.gate.check(removed, added, LATER);

        assertThat(v.count(Reason.NSEC3_CHAIN_BROKEN)).as(v.summary()).isEqualTo(1);
    }

    @Test
    void anInsecureDelegationUnderOptOutWithoutOptOutCoverIsRefused() throws Exception {
        SigningPolicy policy = SigningPolicy.defaults().withThreads(1).withNsec3(Nsec3Parameters.DEFAULT);
        Setup s = setup(policy);
        IncrementalResult r = new IncrementalSigner()
                .apply(
                        s.state,
                        List.of(RrsetChange.replace(
                                ADDED,
                                Type.NS,
                                List.of(new NSRecord(
                                        ADDED, DClass.IN, 3600, Name.fromConstantString("ns1.example.net."))))),
                        keys,
                        policy,
                        LATER);
        // without opt-out the delegation needs its NSEC3; publish the delta without it
        List<Record> added = new ArrayList<>(r.added());
        List<Name> nsec3Owners = added.stream()
                .filter(x -> x.getType() == Type.NSEC3)
                .map(Record::getName)
                .toList();
        Name own = nsec3Owners.stream()
                .filter(n -> r.removed().stream().noneMatch(x -> x.getName().equals(n)))
                .findFirst()
                .orElseThrow();
        added.removeIf(x -> x.getName().equals(own));

        GateVerdict v = s.gate.check(r.removed(), added, LATER);

        assertThat(v.passed()).isFalse();
        assertThat(v.count(Reason.NSEC3_MISSING) + v.count(Reason.NSEC3_CHAIN_BROKEN))
                .as(v.summary())
                .isPositive();
    }

    @Test
    void anUnchangedSignatureExpiringWithinTheMarginIsRefusedThroughTheExpirationIndex() throws Exception {
        // a signer refreshing only one hour ahead keeps signatures the gate's one-day margin refuses
        SigningPolicy policy = SigningPolicy.defaults()
                .withThreads(1)
                .withValidity(Duration.ofDays(14), Duration.ofHours(1), Duration.ofDays(1));
        Setup s = setup(policy);
        Instant late = NOW.plus(Duration.ofDays(13)).plus(Duration.ofHours(12));
        IncrementalResult r = new IncrementalSigner().apply(s.state, List.of(), keys, policy, late);
        assertThat(r.signaturesReused()).isPositive();

        GateVerdict v = s.gate.check(r.removed(), r.added(), late);

        assertThat(v.passed()).isFalse();
        assertThat(v.failures(Reason.SIGNATURE_EXPIRES_WITHIN_MARGIN))
                .as(v.summary())
                .anyMatch(f -> f.detail().contains("at names the change did not touch expire"));
        assertThat(v.signaturesVerified()).isLessThan(s.first.signatures());
    }

    @Test
    void aKeyRolloverIsCheckedByTheFullGate() throws Exception {
        SigningPolicy policy = SigningPolicy.defaults().withThreads(1);
        Setup s = setup(policy);
        HsmKey zsk2 = hsm.generate(new KeySpec(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
        List<SigningKey> rolled =
                List.of(keys.get(0), new SigningKey(zsk2.publicKey().orElseThrow(), hsm, zsk2.ref()));
        IncrementalResult r = new IncrementalSigner().apply(s.state, List.of(), rolled, policy, LATER);

        GateVerdict v = s.gate.check(r.removed(), r.added(), LATER);

        assertThat(v.passed()).as(v.summary()).isTrue();
        assertThat(v.signaturesVerified()).isEqualTo(s.state.signatures());
    }

    @Test
    void revertTakesTheCopyBackToThePublishedZone() throws Exception {
        SigningPolicy policy = SigningPolicy.defaults().withThreads(1);
        Setup s = setup(policy);
        IncrementalResult r = new IncrementalSigner().apply(s.state, secureDelegation(), keys, policy, LATER);
        assertThat(s.gate.check(r.removed(), r.added(), LATER).passed()).isTrue();

        s.gate.revert(); // publishing failed
        s.state.rollback();

        IncrementalResult again = new IncrementalSigner().apply(s.state, secureDelegation(), keys, policy, LATER);
        GateVerdict v = s.gate.check(again.removed(), again.added(), LATER);
        assertThat(v.passed()).as(v.summary()).isTrue();
    }

    @Test
    void anNsecAddedToAnNsec3ZoneIsRefused() throws Exception {
        SigningPolicy policy = SigningPolicy.defaults().withThreads(1).withNsec3(Nsec3Parameters.DEFAULT);
        Setup s = setup(policy);
        IncrementalResult r = new IncrementalSigner().apply(s.state, secureDelegation(), keys, policy, LATER);
        List<Record> added = new ArrayList<>(r.added());
        added.add(new NSECRecord(ADDED, DClass.IN, 300, APEX, new int[] {Type.NS, Type.DS}));

        GateVerdict v = s.gate.check(r.removed(), added, LATER);

        assertThat(v.count(Reason.MIXED_DENIAL)).as(v.summary()).isEqualTo(1);
    }
}
