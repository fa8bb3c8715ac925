package org.tandem.signer.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tandem.signer.sign.SignedZones.signedBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.gate.GatePolicy;
import org.tandem.signer.gate.GateVerdict;
import org.tandem.signer.gate.ValidationGate;
import org.tandem.signer.nsec.Nsec3Parameters;
import org.tandem.signer.zone.UnsignedZone;
import org.xbill.DNS.NSEC3PARAMRecord;
import org.xbill.DNS.NSEC3Record;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;
import org.xbill.DNS.ZoneMDRecord;
import org.xbill.DNS.utils.base32;

class ZoneSignerTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private static final ZoneName ZONE = ZoneName.of("example.test.");
    private static final Name APEX = ZONE.name();

    private final InMemoryHsm hsm = new InMemoryHsm("dc1-hsm1");
    private final List<SigningKey> keys = kskAndZsk();
    private final int ksk = keys.get(0).key().keyTag().value();
    private final int zsk = keys.get(1).key().keyTag().value();

    private List<SigningKey> kskAndZsk() {
        try {
            return TestZones.kskAndZsk(hsm, ZONE, Algorithm.ECDSAP256SHA256);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static SigningPolicy policy() {
        return SigningPolicy.defaults().withThreads(2);
    }

    private SignedZone sign(SigningPolicy policy) throws Exception {
        return sign(TestZones.defects(), policy);
    }

    private SignedZone sign(UnsignedZone zone, SigningPolicy policy) throws Exception {
        return new ZoneSigner().sign(zone, keys, policy, NOW, 2024010101L);
    }

    @Test
    void kskSignsTheKeyRrsetsZskEverythingElseAuthoritativeAndCutsAndGlueStayUnsigned() throws Exception {
        List<Record> out = sign(policy()).records();

        assertThat(signedBy(out, "example.test.", Type.DNSKEY)).containsExactly(ksk);
        assertThat(SignedZones.rrsets(out).get("example.test. DNSKEY").size()).isEqualTo(2);
        for (String[] rrset : new String[][] {
            {"example.test.", "SOA"},
            {"example.test.", "NS"},
            {"example.test.", "MX"},
            {"example.test.", "CAA"},
            {"example.test.", "HTTPS"},
            {"example.test.", "NSEC"},
            {"www.example.test.", "A"},
            {"www.example.test.", "TXT"},
            {"*.wild.example.test.", "A"},
            {"secure.example.test.", "DS"},
            {"secure.example.test.", "NSEC"},
            {"insecure.example.test.", "NSEC"},
            {"new.example.test.", "TYPE65280"},
            {"svc.example.test.", "SVCB"},
            {"svc.example.test.", "HTTPS"},
            {"_443._tcp.www.example.test.", "TLSA"},
            {"upper.case.example.test.", "A"},
            {"esc\\.aped.example.test.", "A"},
            {"\\@at.example.test.", "TXT"}
        }) {
            assertThat(signedBy(out, rrset[0], Type.value(rrset[1])))
                    .as(rrset[0] + " " + rrset[1])
                    .containsExactly(zsk);
        }
        for (String[] rrset : new String[][] {
            {"secure.example.test.", "NS"},
            {"insecure.example.test.", "NS"},
            {"ns.secure.example.test.", "A"},
            {"ns.insecure.example.test.", "A"},
            {"deep.below.insecure.example.test.", "TXT"},
            {"d.only-insecure.example.test.", "NS"}
        }) {
            assertThat(SignedZones.rrsets(out)).as("published").containsKey(rrset[0] + " " + rrset[1]);
            assertThat(signedBy(out, rrset[0], Type.value(rrset[1])))
                    .as(rrset[0] + " " + rrset[1])
                    .isEmpty();
        }
        assertThat(SignedZones.verifyAll(out, APEX, NOW))
                .isEqualTo(SignedZones.rrsigs(out).values().stream()
                        .mapToInt(List::size)
                        .sum());
    }

    @Test
    void cdsAndCdnskeyAtTheApexAreSignedByTheKsk() throws Exception {
        List<Record> out = new ZoneSigner()
                .sign(TestZones.defectsWithCds(keys.get(0).key()), keys, policy(), NOW, 1)
                .records();
        assertThat(signedBy(out, "example.test.", Type.CDS)).containsExactly(ksk);
        assertThat(signedBy(out, "example.test.", Type.CDNSKEY)).containsExactly(ksk);
        assertThat(signedBy(out, "example.test.", Type.DNSKEY)).containsExactly(ksk);
        SignedZones.verifyAll(out, APEX, NOW);
    }

    @Test
    void everyAuthoritativeRrsetIsSignedNothingIsSkipped() throws Exception {
        List<Record> out = sign(policy()).records();
        Map<String, List<RRSIGRecord>> sigs = SignedZones.rrsigs(out);
        List<String> unsigned = new ArrayList<>();
        for (String rrset : SignedZones.rrsets(out).keySet()) {
            if (!sigs.containsKey(rrset)) {
                unsigned.add(rrset);
            }
        }
        assertThat(unsigned)
                .containsExactlyInAnyOrder(
                        "secure.example.test. NS",
                        "ns.secure.example.test. A",
                        "insecure.example.test. NS",
                        "ns.insecure.example.test. A",
                        "deep.below.insecure.example.test. TXT",
                        "d.only-insecure.example.test. NS");
    }

    @Test
    void rrsigFieldsFollowThePolicyAndTheWildcardRule() throws Exception {
        List<Record> out = sign(policy()).records();
        RRSIGRecord wild = SignedZones.rrsigs(out).get("*.wild.example.test. A").get(0);
        assertThat(wild.getLabels()).isEqualTo(3); // RFC 4034 §3.1.3: '*' not counted
        assertThat(SignedZones.rrsigs(out).get("www.example.test. A").get(0).getLabels())
                .isEqualTo(3);
        for (List<RRSIGRecord> list : SignedZones.rrsigs(out).values()) {
            for (RRSIGRecord s : list) {
                assertThat(s.getTimeSigned()).isEqualTo(NOW.minusSeconds(90 * 60)); // INV-D4
                assertThat(s.getExpire()).isBetween(NOW.plusSeconds(13 * 86400), NOW.plusSeconds(14 * 86400));
                assertThat(s.getSigner()).isEqualTo(APEX);
                assertThat(s.getOrigTTL()).isEqualTo(s.getTTL());
            }
        }
        long distinct = SignedZones.rrsigs(out).values().stream()
                .flatMap(List::stream)
                .map(RRSIGRecord::getExpire)
                .distinct()
                .count();
        assertThat(distinct).isGreaterThan(10); // jittered per RRset
    }

    @Test
    void outputIsInStrictCanonicalOrderWithLowerCaseOwners() throws Exception {
        List<Record> out = sign(policy().withNsec3(Nsec3Parameters.DEFAULT)).records();
        for (Record r : out) {
            assertThat(r.getName().canonicalize()).isSameAs(r.getName());
        }
        for (int i = 1; i < out.size(); i++) {
            assertThat(compare(out.get(i - 1), out.get(i)))
                    .as(out.get(i - 1) + "\n" + out.get(i))
                    .isNegative();
        }
        assertThat(out.get(0).getName()).isEqualTo(APEX);
    }

    private static int compare(Record a, Record b) {
        int c = a.getName().compareTo(b.getName());
        if (c == 0) c = Integer.compare(a.getType(), b.getType());
        if (c == 0) c = Arrays.compareUnsigned(Canonical.rdata(a), Canonical.rdata(b));
        return c;
    }

    @Test
    void nsecChainCoversNamesWithDataWithTheRfc9077Ttl() throws Exception {
        List<Record> out = sign(policy()).records();
        List<NSECRecord> nsecs = out.stream()
                .filter(NSECRecord.class::isInstance)
                .map(NSECRecord.class::cast)
                .toList();
        assertThat(nsecs).allSatisfy(n -> assertThat(n.getTTL()).isEqualTo(300)); // min(3600, 300)
        List<String> owners = nsecs.stream().map(n -> n.getName().toString()).toList();
        assertThat(owners)
                .doesNotContain(
                        "ent.example.test.",
                        "c.ent.example.test.",
                        "case.example.test.",
                        "only-insecure.example.test.",
                        "ns.insecure.example.test.",
                        "deep.below.insecure.example.test.");
        assertThat(owners).contains("a.b.c.ent.example.test.", "d.only-insecure.example.test.", "*.wild.example.test.");
        for (int i = 0; i < nsecs.size(); i++) {
            Name expectedNext = i + 1 < nsecs.size() ? nsecs.get(i + 1).getName() : APEX;
            assertThat(nsecs.get(i).getNext()).isEqualTo(expectedNext);
        }
        assertThat(nsecs.get(0).getTypes()).contains(Type.DNSKEY, Type.SOA, Type.NS, Type.NSEC, Type.RRSIG, Type.HTTPS);
    }

    @Test
    void nsec3OptOutLeavesInsecureDelegationsOutAndSetsTheFlag() throws Exception {
        Nsec3Parameters params = Nsec3Parameters.DEFAULT.withOptOut(true);
        List<Record> out = sign(policy().withNsec3(params)).records();
        List<NSEC3Record> nsec3 = out.stream()
                .filter(NSEC3Record.class::isInstance)
                .map(NSEC3Record.class::cast)
                .toList();
        NSEC3PARAMRecord param = (NSEC3PARAMRecord)
                SignedZones.rrsets(out).get("example.test. NSEC3PARAM").first();
        assertThat(param.getIterations()).isZero();
        assertThat(param.getFlags()).isZero();
        List<String> hashed = new ArrayList<>();
        for (NSEC3Record r : nsec3) {
            hashed.add(r.getName().getLabelString(0));
            assertThat(r.getFlags()).isEqualTo(NSEC3Record.Flags.OPT_OUT);
            assertThat(r.getTTL()).isEqualTo(300);
        }
        base32 b32 = new base32(base32.Alphabet.BASE32HEX, false, true);
        for (String n :
                List.of("insecure.example.test.", "d.only-insecure.example.test.", "only-insecure.example.test.")) {
            assertThat(hashed).doesNotContain(b32.toString(param.hashName(Name.fromConstantString(n))));
        }
        for (String n : List.of(
                "example.test.",
                "secure.example.test.",
                "ent.example.test.",
                "c.ent.example.test.",
                "case.example.test.",
                "*.wild.example.test.",
                "wild.example.test.")) {
            assertThat(hashed).contains(b32.toString(param.hashName(Name.fromConstantString(n))));
        }
        assertThat(SignedZones.verifyAll(out, APEX, NOW)).isPositive();
    }

    @Test
    void serialAdvancesByPolicyAndNeverBackwards() throws Exception {
        UnsignedZone zone = TestZones.defects();
        SignedZone a = new ZoneSigner().sign(zone, keys, policy(), NOW, 2024010101L);
        assertThat(a.serial()).isEqualTo(2024010102L);
        SOARecord soa = (SOARecord) a.records().get(findSoa(a.records()));
        assertThat(soa.getSerial()).isEqualTo(2024010102L);
        assertThat(soa.getMinimum()).isEqualTo(300);

        SignedZone b =
                new ZoneSigner().sign(zone, keys, policy().withSerial(SerialPolicy.DATESERIAL), NOW, 4294967290L);
        assertThat(b.serial()).isEqualTo(2026112200L); // 2026112200 > 4294967290 in RFC 1982 arithmetic
        SignedZone c = new ZoneSigner()
                .sign(zone, keys, policy().withSerial(SerialPolicy.UNIXTIME), NOW, NOW.getEpochSecond() + 100);
        assertThat(c.serial()).isEqualTo(NOW.getEpochSecond() + 101);
    }

    private static int findSoa(List<Record> out) {
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).getType() == Type.SOA) {
                return i;
            }
        }
        throw new AssertionError("no SOA");
    }

    @Test
    void zonemdIsAddedAtTheApexSignedAndMatchesTheOutput() throws Exception {
        SignedZone signed = sign(policy().withZonemd(true).withNsec3(Nsec3Parameters.DEFAULT.withOptOut(true)));
        List<Record> out = signed.records();
        RRset zonemd = SignedZones.rrsets(out).get("example.test. ZONEMD");
        assertThat(zonemd.size()).isEqualTo(1);
        ZoneMDRecord z = (ZoneMDRecord) zonemd.first();
        assertThat(z.getSerial()).isEqualTo(signed.serial());
        assertThat(z.getScheme()).isEqualTo(1);
        assertThat(z.getHashAlgorithm()).isEqualTo(1);
        assertThat(z.getDigest()).isEqualTo(ZonemdDigest.sha384Simple(APEX, out));
        assertThat(signedBy(out, "example.test.", Type.ZONEMD)).containsExactly(zsk);
        NSEC3Record apexNsec3 = out.stream()
                .filter(NSEC3Record.class::isInstance)
                .map(NSEC3Record.class::cast)
                .filter(r -> r.hasType(Type.SOA))
                .findFirst()
                .orElseThrow();
        assertThat(apexNsec3.hasType(Type.ZONEMD)).isTrue();
        SignedZones.verifyAll(out, APEX, NOW);
    }

    @Test
    void outputDoesNotDependOnTheNumberOfThreads() throws Exception {
        List<String> one = withoutSignatures(sign(policy().withThreads(1)).records());
        List<String> four = withoutSignatures(sign(policy().withThreads(4)).records());
        assertThat(four).isEqualTo(one);
    }

    @Test
    void outputDoesNotDependOnTheOrderOfTheSourceRecords() throws Exception {
        UnsignedZone source = TestZones.defects();
        List<String> asWritten = withoutSignatures(sign(source, policy()).records());
        List<Record> reversed = new ArrayList<>(source.records());
        Collections.reverse(reversed); // owners out of order, the apex last
        List<Record> shuffled = new ArrayList<>(source.records());
        Collections.shuffle(shuffled, new Random(7)); // the records of one owner spread through the file

        for (List<Record> order : List.of(reversed, shuffled)) {
            UnsignedZone z = new UnsignedZone(source.origin(), source.soa(), order, source.source());
            SignedZone signed = sign(z, policy());
            assertThat(withoutSignatures(signed.records())).isEqualTo(asWritten);
            assertThat(new ValidationGate(GatePolicy.defaults())
                            .verify(APEX, signed.records(), NOW)
                            .passed())
                    .isTrue();
        }
    }

    private static List<String> withoutSignatures(List<Record> records) {
        return records.stream()
                .map(r -> r instanceof RRSIGRecord s
                        ? s.getName() + " RRSIG " + Type.string(s.getTypeCovered()) + " " + s.getFootprint() + " "
                                + s.getExpire()
                        : r.toString())
                .toList();
    }

    @Test
    void reportsProgressOnTheCallingThreadUpToTheTotal() throws Exception {
        List<long[]> reports = new ArrayList<>();
        Thread caller = Thread.currentThread();
        SignedZone signed = new ZoneSigner(
                        (done, total, sigs) -> {
                            assertThat(Thread.currentThread()).isSameAs(caller);
                            reports.add(new long[] {done, total, sigs});
                        },
                        1)
                .sign(TestZones.defects(), keys, policy(), NOW, 1);
        assertThat(reports).isNotEmpty();
        long[] last = reports.get(reports.size() - 1);
        assertThat(last[0]).isEqualTo(last[1]);
        assertThat(last[2]).isEqualTo(signed.signatures());
        for (int i = 1; i < reports.size(); i++) {
            assertThat(reports.get(i)[0]).isGreaterThan(reports.get(i - 1)[0]);
        }
    }

    @Test
    void everyAlgorithmSignsEveryRrsetAndACskSignsBoth() throws Exception {
        HsmKey csk13 = hsm.generate(new KeySpec(ZONE, KeyRole.CSK, Algorithm.ECDSAP256SHA256));
        HsmKey csk14 = hsm.generate(new KeySpec(ZONE, KeyRole.CSK, Algorithm.ECDSAP384SHA384));
        List<SigningKey> two = List.of(
                new SigningKey(csk13.publicKey().orElseThrow(), hsm, csk13.ref()),
                new SigningKey(csk14.publicKey().orElseThrow(), hsm, csk14.ref()));
        List<Record> out = new ZoneSigner()
                .sign(TestZones.defects(), two, policy(), NOW, 1)
                .records();
        for (List<RRSIGRecord> sigs : SignedZones.rrsigs(out).values()) {
            assertThat(sigs).extracting(RRSIGRecord::getAlgorithm).containsExactlyInAnyOrder(13, 14);
        }
        assertThat(SignedZones.verifyAll(out, APEX, NOW)).isPositive();
    }

    @Test
    void anHsmFailureOnOneRrsetStopsTheRunNamingOwnerTypeKeyAndHsm() {
        byte[] www = Name.fromConstantString("www.example.test.").toWireCanonical();
        hsm.failWhen(d -> InMemoryHsm.coveredType(Type.A).test(d) && contains(d, www));
        assertThatThrownBy(() -> sign(policy()))
                .isInstanceOf(RrsetSigningException.class)
                .hasMessageContaining("zone example.test.")
                .hasMessageContaining("www.example.test. A (type 1)")
                .hasMessageContaining("ZSK " + zsk)
                .hasMessageContaining("fp " + keys.get(1).key().fingerprint().shortHex())
                .hasMessageContaining("HSM dc1-hsm1")
                .hasMessageContaining("injected");
    }

    private static boolean contains(byte[] data, byte[] part) {
        outer:
        for (int i = 0; i + part.length <= data.length; i++) {
            for (int j = 0; j < part.length; j++) {
                if (data[i + j] != part[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Test
    void aKeyThatIsOnlyPublishedIsInTheDnskeyRrsetAndSignsNothingAndTheGatePasses() throws Exception {
        HsmKey zsk2 = hsm.generate(new KeySpec(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
        SigningKey waiting = new SigningKey(zsk2.publicKey().orElseThrow(), hsm, zsk2.ref()).publishedOnly();
        List<SigningKey> three = List.of(keys.get(0), keys.get(1), waiting);

        List<Record> out = new ZoneSigner()
                .sign(TestZones.defects(), three, policy(), NOW, 1)
                .records();

        assertThat(SignedZones.rrsets(out).get("example.test. DNSKEY").size()).isEqualTo(3);
        int tag = waiting.key().keyTag().value();
        assertThat(SignedZones.rrsigs(out).values().stream().flatMap(List::stream))
                .noneMatch(s -> s.getFootprint() == tag);
        assertThat(signedBy(out, "www.example.test.", Type.A)).containsExactly(zsk);
        GateVerdict v = new ValidationGate(GatePolicy.defaults()).verify(APEX, out, NOW);
        assertThat(v.passed()).as(v.summary()).isTrue();
    }

    @Test
    void refusesAKeySetWhoseOnlyZskIsOnlyPublished() throws Exception {
        List<SigningKey> idle = List.of(keys.get(0), keys.get(1).publishedOnly());
        assertThatThrownBy(() -> new ZoneSigner().sign(TestZones.defects(), idle, policy(), NOW, 1))
                .isInstanceOf(IncompleteKeySetException.class)
                .hasMessageContaining("has no ZSK or CSK that signs");
    }

    @Test
    void refusesKeysThatCannotSignTheZone() throws Exception {
        HsmKey other = hsm.generate(new KeySpec(ZoneName.of("other.test"), KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
        List<SigningKey> foreign =
                List.of(keys.get(0), new SigningKey(other.publicKey().orElseThrow(), hsm, other.ref()));
        assertThatThrownBy(() -> new ZoneSigner().sign(TestZones.defects(), foreign, policy(), NOW, 1))
                .isInstanceOf(UnsupportedKeyException.class)
                .hasMessageContaining("key of zone other.test.")
                .hasMessageContaining("HSM dc1-hsm1");
        assertThatThrownBy(() -> new ZoneSigner().sign(TestZones.defects(), List.of(keys.get(0)), policy(), NOW, 1))
                .isInstanceOf(IncompleteKeySetException.class)
                .hasMessageContaining("no ZSK or CSK");
        assertThatThrownBy(() -> new ZoneSigner()
                        .sign(TestZones.defects(), List.of(keys.get(0), keys.get(1), keys.get(1)), policy(), NOW, 1))
                .isInstanceOf(UnsupportedKeyException.class)
                .hasMessageContaining("given twice");
    }

    @Test
    void refusesRecordsItCannotSignNamingThem() {
        assertRefused(
                "www 300 IN RRSIG A 13 3 300 20261206000000 20261122000000 1 example.test. AAAA",
                "www.example.test. RRSIG (type 46)",
                "makes RRSIG records itself");
        assertRefused(
                "child 300 IN DS 1 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
                "child.example.test. DS (type 43)",
                "only at a zone cut");
        assertRefused("@ 300 IN DNSKEY 256 3 13 AAAA", "example.test. DNSKEY (type 48)", "made from the signing keys");
        assertRefused("outside.other. 300 IN A 192.0.2.1", "outside.other. A (type 1)", "outside the zone");
    }

    private void assertRefused(String line, String... fragments) {
        UnsignedZone zone = TestZones.parse("example.test.", TestZones.DEFECTS + line + "\n");
        var thrown = assertThatThrownBy(() -> new ZoneSigner().sign(zone, keys, policy(), NOW, 1))
                .isInstanceOf(UnsupportedRecordException.class)
                .hasMessageContaining("zone example.test.");
        for (String f : fragments) {
            thrown.hasMessageContaining(f);
        }
    }
}
