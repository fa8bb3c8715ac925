package org.tandem.signer.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.tandem.signer.gate.TestSigner.EXPIRATION;
import static org.tandem.signer.gate.TestSigner.INCEPTION;
import static org.tandem.signer.gate.TestSigner.NOW;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tandem.signer.gate.GateFailure.Reason;
import org.tandem.signer.gate.TestSigner.Denial;
import org.tandem.signer.gate.TestSigner.Key;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;
import org.xbill.DNS.ZoneMDRecord;

/** ZONEMD (RFC 8976, SIMPLE scheme): the digest against the RFC's vectors, and the gate's check. */
class GateZonemdTest {
    static final Name EXAMPLE = Name.fromConstantString("example.");
    static final Name URI_ARPA = Name.fromConstantString("uri.arpa.");

    static Key ksk;
    static Key zsk;
    static List<Record> withZonemd;
    static List<Record> withoutZonemd;

    @BeforeAll
    static void signAZoneWithZonemd() {
        ksk = TestSigner.ecdsaP256(EXAMPLE, 257);
        zsk = TestSigner.ecdsaP256(EXAMPLE, 256);
        List<Record> unsigned = new ArrayList<>(TestSigner.parse(EXAMPLE, GateValidationTest.ZONE));
        withoutZonemd = TestSigner.sign(EXAMPLE, unsigned, List.of(ksk), List.of(zsk), Denial.NSEC);
        // a placeholder first, so that the NSEC bitmap at the apex lists ZONEMD
        unsigned.add(new ZoneMDRecord(EXAMPLE, DClass.IN, 3600, 2026010101, 1, 1, new byte[48]));
        List<Record> signed = TestSigner.sign(EXAMPLE, unsigned, List.of(ksk), List.of(zsk), Denial.NSEC);
        withZonemd = withDigest(signed, ValidationGate.zonemdDigest(EXAMPLE, signed), 2026010101);
    }

    /** Replaces the apex ZONEMD and signs it again, as a signer does after everything else. */
    static List<Record> withDigest(List<Record> zone, byte[] digest, long serial) {
        Record old = TestSigner.rrset(zone, EXAMPLE, Type.ZONEMD).first();
        List<Record> out =
                TestSigner.replace(zone, old, new ZoneMDRecord(EXAMPLE, DClass.IN, 3600, serial, 1, 1, digest));
        return TestSigner.resign(out, EXAMPLE, Type.ZONEMD, zsk, INCEPTION, EXPIRATION);
    }

    static byte[] publishedDigest(List<Record> zone, Name origin, int hash) {
        return zone.stream()
                .filter(r -> r instanceof ZoneMDRecord z && r.getName().equals(origin) && z.getHashAlgorithm() == hash)
                .map(r -> ((ZoneMDRecord) r).getDigest())
                .findFirst()
                .orElseThrow();
    }

    static GateVerdict verify(Name origin, List<Record> zone, Instant now, boolean requireZonemd)
            throws InterruptedException {
        return new ValidationGate(GatePolicy.defaults().withRequireZonemd(requireZonemd)).verify(origin, zone, now);
    }

    @Test
    void computesTheDigestOfTheRfcSimpleExample() {
        List<Record> zone = TestSigner.resource("/gate/rfc8976-a1-simple.zone", EXAMPLE);

        assertThat(ValidationGate.zonemdDigest(EXAMPLE, zone)).isEqualTo(publishedDigest(zone, EXAMPLE, 1));
    }

    @Test
    void digestsGlueOccludedDataWildcardsAndDuplicatesOnceButNotOutOfZoneData() {
        List<Record> zone = TestSigner.resource("/gate/rfc8976-a2-complex.zone", EXAMPLE);

        assertThat(ValidationGate.zonemdDigest(EXAMPLE, zone)).isEqualTo(publishedDigest(zone, EXAMPLE, 1));
    }

    @Test
    void computesTheSha512DigestAndIgnoresUnknownHashAlgorithms() throws InterruptedException {
        List<Record> zone = TestSigner.resource("/gate/rfc8976-a3-multiple.zone", EXAMPLE);
        Record[] sorted = ZoneIndex.sortedInZone(EXAMPLE, zone);

        assertThat(Zonemd.digest(EXAMPLE, sorted, Zonemd.HASH_SHA512)).isEqualTo(publishedDigest(zone, EXAMPLE, 2));
        // the vector is unsigned: only the ZONEMD verdict matters here
        assertThat(verify(EXAMPLE, zone, NOW, false).failures()).noneMatch(f -> f.type() == Type.ZONEMD);
    }

    @Test
    void passesTheSignedUriArpaZoneWithItsZonemdRequired() throws InterruptedException {
        // RFC 8976 A.4: IANA-signed (RSASHA256, NSEC) with a ZONEMD over its RRSIGs
        List<Record> zone = TestSigner.resource("/gate/rfc8976-a4-uri.arpa.zone", URI_ARPA);

        GateVerdict v = verify(URI_ARPA, zone, Instant.parse("2021-01-25T00:00:00Z"), true);

        assertThat(v.failures()).isEmpty();
        assertThat(v.signaturesVerified()).isEqualTo(15);
        assertThat(ValidationGate.zonemdDigest(URI_ARPA, zone)).isEqualTo(publishedDigest(zone, URI_ARPA, 1));
    }

    @Test
    void passesAZoneWhoseZonemdTheSignerComputedWithTheGatesDigest() throws InterruptedException {
        assertThat(verify(EXAMPLE, withZonemd, NOW, true).failures()).isEmpty();
    }

    @Test
    void refusesAZoneWhoseZonemdDigestIsWrong() throws InterruptedException {
        byte[] digest = publishedDigest(withZonemd, EXAMPLE, 1).clone();
        digest[7] ^= 0x40;

        GateVerdict v = verify(EXAMPLE, withDigest(withZonemd, digest, 2026010101), NOW, false);

        assertThat(v.failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason)
                .containsExactly(tuple(EXAMPLE, Type.ZONEMD, Reason.ZONEMD_MISMATCH));
    }

    @Test
    void refusesAZoneChangedAfterItsDigestEvenInGlue() throws InterruptedException {
        // glue is unsigned and outside the NSEC chain: only ZONEMD notices
        List<Record> zone = new ArrayList<>(withZonemd);
        zone.addAll(TestSigner.parse(EXAMPLE, "ns2.secure 3600 A 192.0.2.54"));

        assertThat(verify(EXAMPLE, zone, NOW, false).failures())
                .extracting(GateFailure::reason)
                .containsExactly(Reason.ZONEMD_MISMATCH);
    }

    @Test
    void refusesAZonemdWhoseSerialIsNotTheSoaSerial() throws InterruptedException {
        List<Record> zone = withDigest(withZonemd, publishedDigest(withZonemd, EXAMPLE, 1), 2026010100);

        assertThat(verify(EXAMPLE, zone, NOW, false).failures())
                .extracting(GateFailure::reason, GateFailure::detail)
                .containsExactly(
                        tuple(Reason.ZONEMD_SERIAL_MISMATCH, "ZONEMD serial 2026010100, SOA serial 2026010101"));
    }

    @Test
    void refusesAZoneWithoutZonemdWhenThePolicyRequiresOne() throws InterruptedException {
        GateVerdict v = verify(EXAMPLE, withoutZonemd, NOW, true);

        assertThat(v.failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason)
                .containsExactly(tuple(EXAMPLE, Type.ZONEMD, Reason.ZONEMD_MISSING));
    }
}
