package org.tandem.signer.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.tandem.signer.gate.TestSigner.EXPIRATION;
import static org.tandem.signer.gate.TestSigner.INCEPTION;
import static org.tandem.signer.gate.TestSigner.NOW;

import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyTag;
import org.tandem.signer.SigningException;
import org.tandem.signer.gate.GateFailure.Reason;
import org.tandem.signer.gate.TestSigner.Denial;
import org.tandem.signer.gate.TestSigner.Key;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.NSEC3PARAMRecord;
import org.xbill.DNS.NSEC3Record;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;
import org.xbill.DNS.utils.base32;

/**
 * The gate on zones signed in the test with software keys (dnsjava's {@code DNSSEC.sign}, NSEC and
 * NSEC3 chains from {@link TestSigner}), each mutated into one defect whose report must be precise.
 */
class GateValidationTest {
    static final Name ORIGIN = Name.fromConstantString("example.");

    static final String ZONE = """
            $TTL 3600
            @             SOA   ns1 hostmaster 2026010101 7200 3600 1209600 300
            @             NS    ns1
            @             NS    ns2
            ns1           A     192.0.2.1
            ns2           AAAA  2001:db8::2
            www           A     192.0.2.10
            www           AAAA  2001:db8::10
            Mixed.Case    TXT   "uppercase owner, empty non-terminal above"
            *.wild        TXT   "wildcard"
            deep.ent      A     192.0.2.20
            mail          MX    10 mail
            mail          A     192.0.2.25
            svc           HTTPS 1 . alpn=h2
            odd           TYPE65280 \\# 4 01020304
            secure        NS    ns1.secure
            secure        DS    12345 13 2 2bb183af5f22588179a53b0a98631fad1a292118d2d7a0b5e4f9e7d3a1b2c3d4
            ns1.secure    A     192.0.2.53
            insecure      NS    ns.elsewhere.net.
            sub.insecure2 NS    ns.elsewhere.net.
            """;

    static Key ksk;
    static Key zsk;
    static List<Record> unsigned;
    static List<Record> nsecZone;
    static List<Record> nsec3Zone;
    static List<Record> optOutZone;

    final ValidationGate gate = new ValidationGate(GatePolicy.defaults());

    @BeforeAll
    static void signFixtures() {
        ksk = TestSigner.ecdsaP256(ORIGIN, 257);
        zsk = TestSigner.ecdsaP256(ORIGIN, 256);
        unsigned = TestSigner.parse(ORIGIN, ZONE);
        nsecZone = TestSigner.sign(ORIGIN, unsigned, List.of(ksk), List.of(zsk), Denial.NSEC);
        nsec3Zone = TestSigner.sign(ORIGIN, unsigned, List.of(ksk), List.of(zsk), Denial.NSEC3);
        optOutZone = TestSigner.sign(ORIGIN, unsigned, List.of(ksk), List.of(zsk), Denial.NSEC3_OPT_OUT);
    }

    static Name name(String relative) {
        return Name.fromConstantString(relative.equals("@") ? "example." : relative + ".example.");
    }

    GateVerdict verify(List<Record> zone) throws InterruptedException {
        return gate.verify(ORIGIN, zone, NOW);
    }

    static Fingerprint fingerprint(Key key) {
        return Fingerprint.of(new DSRecord(ORIGIN, DClass.IN, 0, DNSSEC.Digest.SHA256, key.dnskey()).getDigest());
    }

    @Test
    void passesAZoneSignedWithNsec() throws Exception {
        GateVerdict v = verify(nsecZone);

        assertThat(v.failures()).isEmpty();
        assertThat(v.passed()).isTrue();
        // apex SOA NS DNSKEY NSEC; ns1 ns2 www(2) mixed.case *.wild deep.ent mail(2) svc odd, each with
        // its NSEC; DS and NSEC at secure; NSEC at the two insecure delegations
        assertThat(v.rrsetsChecked()).isEqualTo(28);
        assertThat(v.signaturesVerified()).isEqualTo(28);
        assertThat(v.earliestExpiration()).contains(EXPIRATION);
        assertThat(v.summary()).startsWith("zone=example. PASSED");
        assertThat(v.requirePassed()).isSameAs(v);
    }

    @Test
    void passesAZoneSignedWithNsec3() throws InterruptedException {
        assertThat(verify(nsec3Zone).failures()).isEmpty();
    }

    @Test
    void passesAZoneSignedWithNsec3OptOutWhereInsecureDelegationsHaveNoNsec3() throws InterruptedException {
        long nsec3 = optOutZone.stream().filter(r -> r.getType() == Type.NSEC3).count();
        long full = nsec3Zone.stream().filter(r -> r.getType() == Type.NSEC3).count();
        // insecure, insecure2 (an empty non-terminal only above an insecure delegation), sub.insecure2
        assertThat(full - nsec3).isEqualTo(3);

        assertThat(verify(optOutZone).failures()).isEmpty();
    }

    @Test
    void refusesAZoneWhoseSignaturesDoNotMatchThePublishedDnskey() throws InterruptedException {
        // DENIC, May 2026: three key pairs with the same metadata, only one published. Two thirds of
        // the RRsets are signed by a private key that claims the published ZSK's tag.
        Key rogue = TestSigner.ecdsaP256(ORIGIN, 256);
        Key impostor = new Key(zsk.dnskey(), rogue.privateKey());
        List<Record> zone = new ArrayList<>();
        int replaced = 0;
        int i = 0;
        for (Record r : optOutZone) {
            if (r instanceof RRSIGRecord s && s.getFootprint() == zsk.tag() && i++ % 3 != 0) {
                zone.add(TestSigner.sign(
                        TestSigner.rrset(optOutZone, s.getName(), s.getTypeCovered()),
                        impostor,
                        INCEPTION,
                        EXPIRATION));
                replaced++;
            } else {
                zone.add(r);
            }
        }

        GateVerdict v = verify(zone);

        assertThat(v.passed()).isFalse();
        assertThat(v.failureCount()).isEqualTo(replaced);
        assertThat(v.count(Reason.BAD_SIGNATURE)).isEqualTo(replaced);
        assertThat(v.failures()).allSatisfy(f -> {
            assertThat(f.keyTag()).contains(new KeyTag(zsk.tag()));
            assertThat(f.fingerprint()).contains(fingerprint(zsk));
        });
        // bogus NSEC3 signatures are what broke even unsigned .de delegations
        assertThat(v.failures()).anySatisfy(f -> assertThat(f.type()).isEqualTo(Type.NSEC3));
    }

    @Test
    void refusesABogusSignatureEvenBesideAValidOne() throws InterruptedException {
        RRSIGRecord good = TestSigner.rrsigs(nsecZone, name("www"), Type.A).get(0);
        List<Record> zone = new ArrayList<>(nsecZone);
        zone.add(TestSigner.flipSignatureByte(good));

        GateVerdict v = verify(zone);

        assertThat(v.failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason, GateFailure::keyTag)
                .containsExactly(tuple(name("www"), Type.A, Reason.BAD_SIGNATURE, Optional.of(new KeyTag(zsk.tag()))));
        assertThat(v.summary())
                .contains("BAD_SIGNATURE x1")
                .contains("www.example. A key=" + zsk.tag() + " fp="
                        + fingerprint(zsk).shortHex() + " BAD_SIGNATURE");
        assertThatThrownBy(v::requirePassed)
                .isInstanceOf(SigningException.class)
                .isInstanceOf(GateRefusedException.class)
                .hasMessage(v.summary());
    }

    @Test
    void refusesSignaturesByAKeyMissingFromThePublishedDnskeyRrset() throws InterruptedException {
        List<Record> zone = TestSigner.without(nsecZone, r -> r.equals(zsk.dnskey()));
        zone = TestSigner.resign(zone, ORIGIN, Type.DNSKEY, ksk, INCEPTION, EXPIRATION);
        long zskSignatures = zone.stream()
                .filter(r -> r instanceof RRSIGRecord s && s.getFootprint() == zsk.tag())
                .count();

        GateVerdict v = verify(zone);

        assertThat(v.failureCount()).isEqualTo(zskSignatures);
        assertThat(v.count(Reason.NO_MATCHING_DNSKEY)).isEqualTo(zskSignatures);
        assertThat(v.failures(Reason.NO_MATCHING_DNSKEY))
                .anySatisfy(f -> assertThat(f.owner()).isEqualTo(name("www")))
                .allSatisfy(f -> assertThat(f.keyTag()).contains(new KeyTag(zsk.tag())));
    }

    @Test
    void refusesAnRrsetLeftUnsigned() throws InterruptedException {
        List<Record> zone = TestSigner.without(
                nsecZone,
                r -> r instanceof RRSIGRecord s && s.getName().equals(name("www")) && s.getTypeCovered() == Type.AAAA);

        GateVerdict v = verify(zone);

        assertThat(v.failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason)
                .containsExactly(tuple(name("www"), Type.AAAA, Reason.NOT_SIGNED));
        assertThat(v.failures().get(0).detail()).contains("algorithm 13");
    }

    @Test
    void refusesARecordTypeLeftUnsignedEvenIfUnknown() throws InterruptedException {
        // INV-D2 (Restena): a type the signer skipped is a failure, whatever the type
        List<Record> zone =
                TestSigner.without(nsecZone, r -> r instanceof RRSIGRecord s && s.getTypeCovered() == 65280);

        assertThat(verify(zone).failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason)
                .containsExactly(tuple(name("odd"), 65280, Reason.NOT_SIGNED));
    }

    @Test
    void refusesAnExpiredSignature() throws InterruptedException {
        List<Record> zone =
                TestSigner.resign(nsecZone, name("www"), Type.A, zsk, INCEPTION, NOW.minus(Duration.ofHours(1)));

        assertThat(verify(zone).failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason)
                .containsExactly(tuple(name("www"), Type.A, Reason.SIGNATURE_EXPIRED));
    }

    @Test
    void refusesASignatureExpiringWithinTheMargin() throws InterruptedException {
        List<Record> zone =
                TestSigner.resign(nsecZone, name("www"), Type.A, zsk, INCEPTION, NOW.plus(Duration.ofHours(12)));

        assertThat(verify(zone).failures())
                .extracting(GateFailure::owner, GateFailure::reason)
                .containsExactly(tuple(name("www"), Reason.SIGNATURE_EXPIRES_WITHIN_MARGIN));
        GatePolicy sixHours = GatePolicy.defaults().withMinimumValidity(Duration.ofHours(6));
        assertThat(new ValidationGate(sixHours).verify(ORIGIN, zone, NOW).passed())
                .isTrue();
    }

    @Test
    void refusesASignatureNotYetValid() throws InterruptedException {
        List<Record> zone =
                TestSigner.resign(nsecZone, name("mail"), Type.MX, zsk, NOW.plus(Duration.ofMinutes(5)), EXPIRATION);

        assertThat(verify(zone).failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason)
                .containsExactly(tuple(name("mail"), Type.MX, Reason.SIGNATURE_NOT_YET_VALID));
    }

    @Test
    void refusesAnRrsigWhoseOriginalTtlDiffersFromTheRrsetTtl() throws InterruptedException {
        // a correct signature over the RRset with TTL 7200, published with the RRset at 3600
        RRSIGRecord published = TestSigner.signAtTtl(TestSigner.rrset(nsecZone, name("www"), Type.A), zsk, 7200, 3600);
        List<Record> zone = TestSigner.replace(
                nsecZone, TestSigner.rrsigs(nsecZone, name("www"), Type.A).get(0), published);

        GateVerdict v = verify(zone);

        assertThat(v.failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason)
                .containsExactly(tuple(name("www"), Type.A, Reason.ORIGINAL_TTL_MISMATCH));
        assertThat(v.failures().get(0).detail()).isEqualTo("original TTL 7200, RRset TTL 3600");
    }

    @Test
    void refusesAWildcardRrsigWhoseLabelsFieldCountsTheAsterisk() throws Exception {
        Name wild = name("*.wild");
        RRSIGRecord s = TestSigner.rrsigs(nsecZone, wild, Type.TXT).get(0);
        // RFC 4034 §3.1.3: the labels field of *.wild.example. does not count the asterisk
        assertThat(s.getLabels()).isEqualTo(2);
        String[] fields = s.rdataToString().split(" ", 4);
        Record wrong = Record.fromString(
                wild, Type.RRSIG, DClass.IN, s.getTTL(), fields[0] + " " + fields[1] + " 3 " + fields[3], ORIGIN);

        GateVerdict v = verify(TestSigner.replace(nsecZone, s, wrong));

        assertThat(v.failures())
                .extracting(GateFailure::owner, GateFailure::reason)
                .contains(tuple(wild, Reason.WRONG_LABELS));
        assertThat(v.failures(Reason.WRONG_LABELS).get(0).detail()).isEqualTo("labels 3, expected 2 (wildcard owner)");
    }

    @Test
    void refusesSignaturesOnDelegationNsAndGlue() throws InterruptedException {
        List<Record> zone = new ArrayList<>(nsecZone);
        zone.add(TestSigner.sign(TestSigner.rrset(zone, name("insecure"), Type.NS), zsk, INCEPTION, EXPIRATION));
        zone.add(TestSigner.sign(TestSigner.rrset(zone, name("ns1.secure"), Type.A), zsk, INCEPTION, EXPIRATION));

        assertThat(verify(zone).failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason)
                .containsExactly(
                        tuple(name("insecure"), Type.NS, Reason.SIGNED_NON_AUTHORITATIVE),
                        tuple(name("ns1.secure"), Type.A, Reason.SIGNED_NON_AUTHORITATIVE));
    }

    @Test
    void refusesAnNsecChainWithARecordRemoved() throws InterruptedException {
        List<Record> zone = TestSigner.without(
                nsecZone,
                r -> r.getName().equals(name("www"))
                        && (r.getType() == Type.NSEC
                                || (r instanceof RRSIGRecord s && s.getTypeCovered() == Type.NSEC)));

        GateVerdict v = verify(zone);

        assertThat(v.failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason)
                .containsExactly(tuple(name("www"), Type.NSEC, Reason.NSEC_MISSING));
        assertThat(v.failures().get(0).detail())
                .isEqualTo("no NSEC: the chain breaks between *.wild.example. and example.");
    }

    @Test
    void refusesAnNsecThatSkipsAName() throws InterruptedException {
        NSECRecord ns2 =
                (NSECRecord) TestSigner.rrset(nsecZone, name("ns2"), Type.NSEC).first();
        NSECRecord skipping = new NSECRecord(ns2.getName(), DClass.IN, ns2.getTTL(), name("secure"), ns2.getTypes());
        List<Record> zone = TestSigner.replace(nsecZone, ns2, skipping);
        zone = TestSigner.resign(zone, name("ns2"), Type.NSEC, zsk, INCEPTION, EXPIRATION);

        assertThat(verify(zone).failures())
                .extracting(GateFailure::owner, GateFailure::reason, GateFailure::detail)
                .containsExactly(tuple(
                        name("ns2"),
                        Reason.NSEC_CHAIN_BROKEN,
                        "next name secure.example., expected odd.example. (canonical order)"));
    }

    @Test
    void refusesAnNsecBitmapThatOmitsAType() throws InterruptedException {
        NSECRecord www =
                (NSECRecord) TestSigner.rrset(nsecZone, name("www"), Type.NSEC).first();
        NSECRecord noAaaa = new NSECRecord(
                www.getName(), DClass.IN, www.getTTL(), www.getNext(), new int[] {Type.A, Type.RRSIG, Type.NSEC});
        List<Record> zone = TestSigner.replace(nsecZone, www, noAaaa);
        zone = TestSigner.resign(zone, name("www"), Type.NSEC, zsk, INCEPTION, EXPIRATION);

        assertThat(verify(zone).failures())
                .extracting(GateFailure::owner, GateFailure::reason, GateFailure::detail)
                .containsExactly(tuple(name("www"), Reason.NSEC_BITMAP_MISMATCH, "bitmap lacks [AAAA], has extra []"));
    }

    @Test
    void refusesAnNsecWhoseTtlIsNotTheNegativeTtl() throws InterruptedException {
        NSECRecord www =
                (NSECRecord) TestSigner.rrset(nsecZone, name("www"), Type.NSEC).first();
        List<Record> zone = TestSigner.replace(
                nsecZone, www, new NSECRecord(www.getName(), DClass.IN, 3600, www.getNext(), www.getTypes()));
        zone = TestSigner.resign(zone, name("www"), Type.NSEC, zsk, INCEPTION, EXPIRATION);

        assertThat(verify(zone).failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason)
                .containsExactly(tuple(name("www"), Type.NSEC, Reason.DENIAL_TTL_MISMATCH));
    }

    @Test
    void refusesNsec3WithIterationsOrSalt() throws InterruptedException {
        byte[] salt = HexFormat.of().parseHex("aabbccdd");
        List<Record> zone = TestSigner.sign(ORIGIN, unsigned, List.of(ksk), List.of(zsk), Denial.NSEC3, 10, salt);

        assertThat(verify(zone).failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason)
                .containsExactly(
                        tuple(ORIGIN, Type.NSEC3PARAM, Reason.NSEC3_ITERATIONS),
                        tuple(ORIGIN, Type.NSEC3PARAM, Reason.NSEC3_SALT));
    }

    @Test
    void refusesAnNsec3BitmapChange() throws InterruptedException {
        NSEC3Record forSecure = nsec3For(nsec3Zone, name("secure"));
        NSEC3Record noDs = new NSEC3Record(
                forSecure.getName(),
                DClass.IN,
                forSecure.getTTL(),
                1,
                0,
                0,
                new byte[0],
                forSecure.getNext(),
                new int[] {Type.NS, Type.RRSIG});
        List<Record> zone = TestSigner.replace(nsec3Zone, forSecure, noDs);
        zone = TestSigner.resign(zone, forSecure.getName(), Type.NSEC3, zsk, INCEPTION, EXPIRATION);

        assertThat(verify(zone).failures())
                .extracting(GateFailure::owner, GateFailure::reason, GateFailure::detail)
                .containsExactly(tuple(
                        forSecure.getName(),
                        Reason.NSEC3_BITMAP_MISMATCH,
                        "for secure.example.: bitmap lacks [DS], has extra []"));
    }

    @Test
    void refusesAnEmptyNonTerminalWithoutNsec3() throws InterruptedException {
        List<Record> zone = removeFromNsec3Chain(nsec3Zone, name("ent"));

        assertThat(verify(zone).failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason)
                .containsExactly(tuple(name("ent"), Type.NSEC3, Reason.NSEC3_MISSING));
    }

    @Test
    void refusesAnInsecureDelegationWithoutNsec3WhereNoOptOutCoversIt() throws InterruptedException {
        List<Record> zone = removeFromNsec3Chain(nsec3Zone, name("insecure"));

        GateVerdict v = verify(zone);

        assertThat(v.failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason)
                .containsExactly(tuple(name("insecure"), Type.NSEC3, Reason.NSEC3_MISSING));
        assertThat(v.failures().get(0).detail()).contains("lacks the opt-out flag");
    }

    @Test
    void refusesAZoneMissingTheSignaturesOfItsSecondAlgorithm() throws InterruptedException {
        Key rsaKsk = TestSigner.rsaSha256(ORIGIN, 257);
        Key rsaZsk = TestSigner.rsaSha256(ORIGIN, 256);
        List<Record> twoAlgorithms =
                TestSigner.sign(ORIGIN, unsigned, List.of(ksk, rsaKsk), List.of(zsk, rsaZsk), Denial.NSEC);
        assertThat(verify(twoAlgorithms).failures()).isEmpty();

        List<Record> zone = TestSigner.without(
                twoAlgorithms,
                r -> r instanceof RRSIGRecord s
                        && s.getName().equals(name("www"))
                        && s.getTypeCovered() == Type.A
                        && s.getAlgorithm() == DNSSEC.Algorithm.RSASHA256);

        GateVerdict v = verify(zone);

        assertThat(v.failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason)
                .containsExactly(tuple(name("www"), Type.A, Reason.NOT_SIGNED));
        assertThat(v.failures().get(0).detail()).startsWith("no RRSIG of algorithm 8");
    }

    @Test
    void refusesADnskeyRrsetSignedOnlyByTheZsk() throws InterruptedException {
        List<Record> zone = TestSigner.resign(nsecZone, ORIGIN, Type.DNSKEY, zsk, INCEPTION, EXPIRATION);

        assertThat(verify(zone).failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason)
                .containsExactly(tuple(ORIGIN, Type.DNSKEY, Reason.DNSKEY_NOT_SIGNED_BY_SEP));
    }

    @Test
    void refusesADnskeyOfAnAlgorithmItCannotVerify() throws InterruptedException {
        // algorithm 3 (DSA): the gate cannot vouch for such signatures, so it refuses (never skips)
        DNSKEYRecord dsa = new DNSKEYRecord(ORIGIN, DClass.IN, 3600, 256, 3, 3, new byte[] {0, 1, 2, 3});
        List<Record> zone = new ArrayList<>(nsecZone);
        zone.add(dsa);
        zone = TestSigner.resign(zone, ORIGIN, Type.DNSKEY, ksk, INCEPTION, EXPIRATION);

        assertThat(verify(zone).failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason, GateFailure::keyTag)
                .containsExactly(tuple(
                        ORIGIN,
                        Type.DNSKEY,
                        Reason.UNSUPPORTED_ALGORITHM,
                        Optional.of(new KeyTag(dsa.getFootprint()))));
    }

    @Test
    void refusesOutOfZoneData() throws InterruptedException {
        List<Record> zone = new ArrayList<>(nsecZone);
        zone.add(new TXTRecord(Name.fromConstantString("foo.test."), DClass.IN, 300, "out of zone"));

        assertThat(verify(zone).failures())
                .extracting(GateFailure::owner, GateFailure::reason)
                .containsExactly(tuple(Name.fromConstantString("foo.test."), Reason.OUT_OF_ZONE));
    }

    @Test
    void refusesAZoneWithoutDenialOfExistence() throws InterruptedException {
        List<Record> zone = TestSigner.without(
                nsecZone,
                r -> r.getType() == Type.NSEC || (r instanceof RRSIGRecord s && s.getTypeCovered() == Type.NSEC));

        assertThat(verify(zone).failures()).extracting(GateFailure::reason).containsExactly(Reason.NO_DENIAL);
    }

    @Test
    void countsEveryFailureButListsAThousandWithEveryReasonRepresented() throws InterruptedException {
        List<Record> zone = new ArrayList<>(nsecZone);
        for (int i = 0; i < 1500; i++) {
            zone.add(new TXTRecord(name("unsigned" + i), DClass.IN, 3600, "no RRSIG, no NSEC"));
        }
        zone.add(TestSigner.flipSignatureByte(
                TestSigner.rrsigs(nsecZone, name("www"), Type.A).get(0)));

        GateVerdict v = verify(zone);

        assertThat(v.count(Reason.NOT_SIGNED)).isEqualTo(1500);
        assertThat(v.count(Reason.NSEC_MISSING)).isEqualTo(1500);
        assertThat(v.count(Reason.BAD_SIGNATURE)).isEqualTo(1);
        assertThat(v.failureCount()).isGreaterThanOrEqualTo(3001);
        assertThat(v.failures()).hasSize(GateVerdict.MAX_LISTED_FAILURES);
        assertThat(v.failures(Reason.BAD_SIGNATURE)).hasSize(1);
        assertThat(v.summary())
                .contains("(1000 listed)")
                .contains("NOT_SIGNED x1500")
                .contains("NSEC_MISSING x1500")
                .contains("BAD_SIGNATURE x1");
    }

    @Test
    void givesTheSameVerdictWithOneThreadAsWithFour() throws InterruptedException {
        List<Record> zone = new ArrayList<>(optOutZone);
        for (Record r : optOutZone) {
            if (r instanceof RRSIGRecord s && s.getTypeCovered() == Type.NSEC3) {
                zone = TestSigner.replace(zone, r, TestSigner.flipSignatureByte(s));
            }
        }
        GateVerdict one = new ValidationGate(GatePolicy.defaults().withThreads(1)).verify(ORIGIN, zone, NOW);
        GateVerdict four = new ValidationGate(GatePolicy.defaults().withThreads(4)).verify(ORIGIN, zone, NOW);

        assertThat(one.failures()).isNotEmpty().isEqualTo(four.failures());
        assertThat(one.signaturesVerified()).isEqualTo(four.signaturesVerified());
    }

    @Test
    void acceptsRecordsInAnyOrderAndCase() throws InterruptedException {
        List<Record> shuffled = new ArrayList<>(nsecZone);
        Collections.shuffle(shuffled, new Random(42));

        assertThat(verify(shuffled).passed()).isTrue();
    }

    /** The NSEC3 record whose owner is the hash of {@code n} (iterations 0, no salt). */
    static NSEC3Record nsec3For(List<Record> zone, Name n) {
        String label = new base32(base32.Alphabet.BASE32HEX, false, true).toString(hash(n));
        Name owner = Name.fromConstantString(label + "." + ORIGIN);
        return (NSEC3Record) TestSigner.rrset(zone, owner, Type.NSEC3).first();
    }

    /** Removes the NSEC3 of {@code n} and closes the chain around it, re-signing the predecessor. */
    static List<Record> removeFromNsec3Chain(List<Record> zone, Name n) {
        NSEC3Record gone = nsec3For(zone, n);
        byte[] goneHash = hash(n);
        NSEC3Record prev = zone.stream()
                .filter(r -> r instanceof NSEC3Record p && Arrays.equals(p.getNext(), goneHash))
                .map(r -> (NSEC3Record) r)
                .findFirst()
                .orElseThrow();
        NSEC3Record bridged = new NSEC3Record(
                prev.getName(),
                DClass.IN,
                prev.getTTL(),
                prev.getHashAlgorithm(),
                prev.getFlags(),
                prev.getIterations(),
                prev.getSalt(),
                gone.getNext(),
                prev.getTypes());
        List<Record> out = TestSigner.without(zone, r -> r.getName().equals(gone.getName()));
        out = TestSigner.replace(out, prev, bridged);
        return TestSigner.resign(out, prev.getName(), Type.NSEC3, zsk, INCEPTION, EXPIRATION);
    }

    static byte[] hash(Name n) {
        try {
            return new NSEC3PARAMRecord(ORIGIN, DClass.IN, 0, 1, 0, 0, new byte[0]).hashName(n);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
