package org.tandem.signer.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tandem.signer.gate.TestSigner.EXPIRATION;
import static org.tandem.signer.gate.TestSigner.INCEPTION;
import static org.tandem.signer.gate.TestSigner.NOW;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tandem.signer.gate.GateFailure.Reason;
import org.tandem.signer.gate.IncrementalGateDifferentialTest.Diff;
import org.tandem.signer.gate.TestSigner.Denial;
import org.tandem.signer.gate.TestSigner.Key;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * The incremental gate during an algorithm rollover (RFC 6781 §4.1.4): a key that signs without its DNSKEY in
 * the DNSKEY RRset (pre-active, post-active) is accepted as the full gate accepts it when the signer names it,
 * and the two gates agree, reason by reason, on a change of such a zone.
 */
class IncrementalGateUnpublishedSignersTest {
    private static final Name ORIGIN = GateValidationTest.ORIGIN;
    private static final Name WWW = GateValidationTest.name("www");

    private static Key ksk;
    private static Key zsk;
    /** A new algorithm's key (14) that signs every RRset while the DNSKEY RRset holds algorithm 13 only. */
    private static Key preActive;

    private static List<Record> base;

    private final ValidationGate full = new ValidationGate(GatePolicy.defaults());

    @BeforeAll
    static void aZoneSignedByAKeyNotInItsDnskeyRrset() {
        ksk = TestSigner.ecdsaP256(ORIGIN, 257);
        zsk = TestSigner.ecdsaP256(ORIGIN, 256);
        preActive = TestSigner.ecdsaP384(ORIGIN, 256);
        List<Record> unsigned = TestSigner.parse(ORIGIN, GateValidationTest.ZONE);
        List<Record> both = TestSigner.sign(ORIGIN, unsigned, List.of(ksk), List.of(zsk, preActive), Denial.NSEC);
        base = TestSigner.resign(
                TestSigner.without(both, r -> r.equals(preActive.dnskey())),
                ORIGIN,
                Type.DNSKEY,
                ksk,
                INCEPTION,
                EXPIRATION);
    }

    @Test
    void aChangeOfAZoneWithAPreActiveSignerPassesBothGates() throws Exception {
        List<Record> changed = changeWww(true);

        GateVerdict expected = full.verify(ORIGIN, changed, NOW, List.of(preActive.dnskey()));
        GateVerdict got = open(List.of(preActive.dnskey())).check(removed(changed), added(changed), NOW);

        assertThat(expected.passed()).as(expected.summary()).isTrue();
        assertThat(got.passed()).as(got.summary()).isTrue();
        assertThat(got.signaturesVerified())
                .as("the pre-active RRSIG at www verified too")
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void aPreActiveSignatureThatDoesNotVerifyIsRefusedByBothGatesAlike() throws Exception {
        List<Record> changed = changeWww(false);

        GateVerdict expected = full.verify(ORIGIN, changed, NOW, List.of(preActive.dnskey()));
        GateVerdict got = open(List.of(preActive.dnskey())).check(removed(changed), added(changed), NOW);

        assertThat(expected.passed()).isFalse();
        assertThat(reasons(got)).isEqualTo(reasons(expected));
    }

    @Test
    void signersTheSignerDoesNotNameAreRefusedAndANewSetOfSignersIsJudgedByTheFullGate() throws Exception {
        assertThatThrownBy(() -> IncrementalGate.open(GatePolicy.defaults(), ORIGIN, base, NOW))
                .isInstanceOf(GateRefusedException.class);

        IncrementalGate gate = open(List.of(preActive.dnskey()));
        List<Record> changed = changeWww(true);
        GateVerdict expected = full.verify(ORIGIN, changed, NOW, List.of());
        GateVerdict got = gate.check(removed(changed), added(changed), List.of(), NOW);

        assertThat(expected.passed()).isFalse();
        assertThat(reasons(got)).isEqualTo(reasons(expected)).containsKey(Reason.NO_MATCHING_DNSKEY);
    }

    private static IncrementalGate open(List<DNSKEYRecord> unpublished) throws Exception {
        return IncrementalGate.open(GatePolicy.defaults(), ORIGIN, base, unpublished, NOW);
    }

    /** {@code www A} changed and signed again by the ZSK and the pre-active key (its signature bad unless good). */
    private static List<Record> changeWww(boolean good) throws Exception {
        Record old = TestSigner.rrset(base, WWW, Type.A).first();
        Record now = new ARecord(WWW, DClass.IN, old.getTTL(), InetAddress.getByName("192.0.2.11"));
        List<Record> zone =
                TestSigner.resign(TestSigner.replace(base, old, now), WWW, Type.A, zsk, INCEPTION, EXPIRATION);
        RRSIGRecord pre = TestSigner.sign(TestSigner.rrset(zone, WWW, Type.A), preActive, INCEPTION, EXPIRATION);
        zone.add(good ? pre : TestSigner.flipSignatureByte(pre));
        return zone;
    }

    private static List<Record> removed(List<Record> changed) {
        return Diff.of(base, changed).removed();
    }

    private static List<Record> added(List<Record> changed) {
        return Diff.of(base, changed).added();
    }

    private static Map<Reason, Long> reasons(GateVerdict v) {
        Map<Reason, Long> out = new HashMap<>(v.failureCounts());
        out.values().removeIf(n -> n == 0);
        return out;
    }
}
