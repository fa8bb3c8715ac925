package org.tandem.signer.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.tandem.signer.gate.TestSigner.EXPIRATION;
import static org.tandem.signer.gate.TestSigner.INCEPTION;
import static org.tandem.signer.gate.TestSigner.NOW;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyTag;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.signer.gate.GateFailure.Reason;
import org.tandem.signer.gate.TestSigner.Key;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.Master;
import org.xbill.DNS.NSEC3PARAMRecord;
import org.xbill.DNS.NSEC3Record;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;
import org.xbill.DNS.ZoneMDRecord;

/**
 * The gate against zones signed by the outside signers, the best independent check there is:
 * {@code ldns-signzone} (NSEC, and NSEC with ZONEMD) and BIND's {@code dnssec-signzone -3 - -H 0 -A}
 * (NSEC3, no salt, no extra iterations, opt-out) must pass; each zone mutated into one defect must be
 * refused with that defect named. Mutations are re-signed with the outside signers' own private keys
 * so that exactly one thing is wrong.
 */
class GateExternalSignersIT {
    static final Name ORIGIN = Name.fromConstantString("example.");
    static final String INCEPTION_TEXT = "20260101000000";
    // before 2038: ldns compares RRSIG times as signed 32-bit numbers
    static final String EXPIRATION_TEXT = "20371201000000";

    @TempDir
    static Path dir;

    /** A signed zone and the keys its signer used. */
    record Signed(List<Record> zone, Key ksk, Key zsk) {}

    static Signed ldns;
    static Signed ldnsZonemd;
    static Signed bind;

    @BeforeAll
    static void signWithTheOutsideSigners() throws Exception {
        Prerequisites.requireTool("ldns-signzone", "ldnsutils");
        Prerequisites.requireTool("ldns-keygen", "ldnsutils");
        Prerequisites.requireTool("dnssec-signzone", "bind9utils");
        Prerequisites.requireTool("dnssec-keygen", "bind9utils");
        Path unsigned = dir.resolve("example.zone");
        try (InputStream in =
                GateExternalSignersIT.class.getResourceAsStream("/gate/wildcard-ent-delegations-uppercase-svcb.zone")) {
            Files.copy(in, unsigned);
        }

        String ldnsKsk = run("ldns-keygen", "-r", "/dev/urandom", "-a", "ECDSAP256SHA256", "-k", "example.");
        String ldnsZsk = run("ldns-keygen", "-r", "/dev/urandom", "-a", "ECDSAP256SHA256", "example.");
        run(
                "ldns-signzone",
                "-o",
                "example.",
                "-i",
                INCEPTION_TEXT,
                "-e",
                EXPIRATION_TEXT,
                "-f",
                "ldns.signed",
                "example.zone",
                ldnsKsk,
                ldnsZsk);
        run(
                "ldns-signzone",
                "-o",
                "example.",
                "-i",
                INCEPTION_TEXT,
                "-e",
                EXPIRATION_TEXT,
                "-z",
                "1:1",
                "-f",
                "ldns-zonemd.signed",
                "example.zone",
                ldnsKsk,
                ldnsZsk);
        ldns = new Signed(read("ldns.signed"), key(ldnsKsk), key(ldnsZsk));
        ldnsZonemd = new Signed(read("ldns-zonemd.signed"), ldns.ksk(), ldns.zsk());

        String bindKsk = run("dnssec-keygen", "-q", "-a", "ECDSAP256SHA256", "-f", "KSK", "example.");
        String bindZsk = run("dnssec-keygen", "-q", "-a", "ECDSAP256SHA256", "example.");
        Files.writeString(
                dir.resolve("bind.zone"),
                Files.readString(unsigned) + "$INCLUDE " + bindKsk + ".key\n$INCLUDE " + bindZsk + ".key\n");
        run(
                "dnssec-signzone",
                "-3",
                "-",
                "-H",
                "0",
                "-A",
                "-o",
                "example.",
                "-s",
                INCEPTION_TEXT,
                "-e",
                EXPIRATION_TEXT,
                "-f",
                "bind.signed",
                "bind.zone",
                bindKsk,
                bindZsk);
        bind = new Signed(read("bind.signed"), key(bindKsk), key(bindZsk));
    }

    static GateVerdict verify(List<Record> zone) throws InterruptedException {
        return new ValidationGate(GatePolicy.defaults()).verify(ORIGIN, zone, NOW);
    }

    static Name name(String relative) {
        return GateValidationTest.name(relative);
    }

    @Test
    void passesAZoneSignedByLdnsWithNsec() throws InterruptedException {
        GateVerdict v = verify(ldns.zone());

        assertThat(v.failures()).isEmpty();
        assertThat(v.signaturesVerified()).isEqualTo(28);
    }

    @Test
    void passesAZoneSignedByBindWithNsec3OptOut() throws InterruptedException {
        NSEC3PARAMRecord param = (NSEC3PARAMRecord)
                TestSigner.rrset(bind.zone(), ORIGIN, Type.NSEC3PARAM).first();
        assertThat(param.getIterations()).isZero();
        assertThat(param.getSalt()).isNullOrEmpty();
        assertThat(bind.zone())
                .filteredOn(r -> r instanceof NSEC3Record)
                .allMatch(r -> (((NSEC3Record) r).getFlags() & 1) == 1);
        // opt-out is exercised: the insecure delegations and their empty non-terminal have no NSEC3
        assertThat(bind.zone()).filteredOn(r -> r instanceof NSEC3Record).hasSize(14);

        GateVerdict v = verify(bind.zone());

        assertThat(v.failures()).isEmpty();
        // apex SOA NS DNSKEY NSEC3PARAM, 11 RRsets at the other names, DS at secure, 14 NSEC3
        assertThat(v.rrsetsChecked()).isEqualTo(30);
    }

    @Test
    void passesLdnsZonemdWhenRequiredAndComputesTheSameDigest() throws InterruptedException {
        GateVerdict v = new ValidationGate(GatePolicy.defaults().withRequireZonemd(true))
                .verify(ORIGIN, ldnsZonemd.zone(), NOW);

        assertThat(v.failures()).isEmpty();
        ZoneMDRecord published = (ZoneMDRecord)
                TestSigner.rrset(ldnsZonemd.zone(), ORIGIN, Type.ZONEMD).first();
        assertThat(ValidationGate.zonemdDigest(ORIGIN, ldnsZonemd.zone())).isEqualTo(published.getDigest());
    }

    @Test
    void refusesAnRrsigWithOneByteFlipped() throws InterruptedException {
        RRSIGRecord www = TestSigner.rrsigs(ldns.zone(), name("www"), Type.A).get(0);

        GateVerdict v = verify(TestSigner.replace(ldns.zone(), www, TestSigner.flipSignatureByte(www)));

        assertThat(v.failures())
                .extracting(
                        GateFailure::owner,
                        GateFailure::type,
                        GateFailure::reason,
                        GateFailure::keyTag,
                        GateFailure::fingerprint)
                .containsExactly(tuple(
                        name("www"),
                        Type.A,
                        Reason.BAD_SIGNATURE,
                        Optional.of(new KeyTag(ldns.zsk().tag())),
                        Optional.of(fingerprint(ldns.zsk()))));
    }

    @Test
    void refusesAZoneWhoseDnskeyRrsetLacksTheKeyItsSignaturesName() throws InterruptedException {
        // the DENIC shape as resolvers saw it: signatures by a key that is not published
        List<Record> zone =
                TestSigner.without(ldns.zone(), r -> r.equals(ldns.zsk().dnskey()));
        long zskSignatures = zone.stream()
                .filter(r -> r instanceof RRSIGRecord s
                        && s.getFootprint() == ldns.zsk().tag())
                .count();

        GateVerdict v = verify(zone);

        assertThat(v.count(Reason.NO_MATCHING_DNSKEY)).isEqualTo(zskSignatures);
        assertThat(v.failures(Reason.NO_MATCHING_DNSKEY))
                .allSatisfy(f ->
                        assertThat(f.keyTag()).contains(new KeyTag(ldns.zsk().tag())))
                .anySatisfy(f -> assertThat(f.owner()).isEqualTo(name("www")));
        // and the KSK's signature no longer covers the DNSKEY RRset as published
        assertThat(v.failures(Reason.BAD_SIGNATURE))
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::keyTag)
                .containsExactly(tuple(
                        ORIGIN, Type.DNSKEY, Optional.of(new KeyTag(ldns.ksk().tag()))));
        assertThat(v.failureCount()).isEqualTo(zskSignatures + 1);
    }

    @Test
    void refusesNsec3SignedByAKeyThatOnlyClaimsThePublishedTag() throws InterruptedException {
        // DENIC, May 2026: a second key pair with the published ZSK's metadata signed the NSEC3 records;
        // bogus NSEC3 made resolvers fail even unsigned delegations
        Key rogue = TestSigner.ecdsaP256(ORIGIN, 256);
        Key impostor = new Key(bind.zsk().dnskey(), rogue.privateKey());
        List<Record> zone = new ArrayList<>(bind.zone());
        int nsec3 = 0;
        for (Record r : bind.zone()) {
            if (r instanceof NSEC3Record) {
                zone = TestSigner.resign(zone, r.getName(), Type.NSEC3, impostor, INCEPTION, EXPIRATION);
                nsec3++;
            }
        }

        GateVerdict v = verify(zone);

        assertThat(v.failureCount()).isEqualTo(nsec3);
        assertThat(v.failures()).allSatisfy(f -> {
            assertThat(f.reason()).isEqualTo(Reason.BAD_SIGNATURE);
            assertThat(f.type()).isEqualTo(Type.NSEC3);
            assertThat(f.keyTag()).contains(new KeyTag(bind.zsk().tag()));
            assertThat(f.fingerprint()).contains(fingerprint(bind.zsk()));
        });
    }

    @Test
    void refusesAnNsecChainWithARecordRemoved() throws InterruptedException {
        List<Record> zone = TestSigner.without(
                ldns.zone(),
                r -> r.getName().equals(name("www"))
                        && (r.getType() == Type.NSEC
                                || (r instanceof RRSIGRecord s && s.getTypeCovered() == Type.NSEC)));

        assertThat(verify(zone).failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason)
                .containsExactly(tuple(name("www"), Type.NSEC, Reason.NSEC_MISSING));
    }

    @Test
    void refusesAChangedNsec3Bitmap() throws InterruptedException {
        NSEC3Record www = GateValidationTest.nsec3For(bind.zone(), name("www"));
        NSEC3Record noAaaa = new NSEC3Record(
                www.getName(),
                DClass.IN,
                www.getTTL(),
                www.getHashAlgorithm(),
                www.getFlags(),
                www.getIterations(),
                www.getSalt(),
                www.getNext(),
                new int[] {Type.A, Type.RRSIG});
        List<Record> zone = TestSigner.replace(bind.zone(), www, noAaaa);
        zone = TestSigner.resign(zone, www.getName(), Type.NSEC3, bind.zsk(), INCEPTION, EXPIRATION);

        assertThat(verify(zone).failures())
                .extracting(GateFailure::owner, GateFailure::reason, GateFailure::detail)
                .containsExactly(tuple(
                        www.getName(),
                        Reason.NSEC3_BITMAP_MISMATCH,
                        "for www.example.: bitmap lacks [AAAA], has extra []"));
    }

    @Test
    void refusesAnRrsetLeftUnsigned() throws InterruptedException {
        List<Record> zone = TestSigner.without(
                bind.zone(),
                r -> r instanceof RRSIGRecord s && s.getName().equals(name("mail")) && s.getTypeCovered() == Type.MX);

        assertThat(verify(zone).failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason)
                .containsExactly(tuple(name("mail"), Type.MX, Reason.NOT_SIGNED));
    }

    @Test
    void refusesAnExpiredSignature() throws InterruptedException {
        List<Record> zone = TestSigner.resign(
                ldns.zone(), name("www"), Type.AAAA, ldns.zsk(), INCEPTION, NOW.minus(Duration.ofSeconds(1)));

        assertThat(verify(zone).failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason, GateFailure::keyTag)
                .containsExactly(tuple(
                        name("www"),
                        Type.AAAA,
                        Reason.SIGNATURE_EXPIRED,
                        Optional.of(new KeyTag(ldns.zsk().tag()))));
    }

    @Test
    void refusesAnRrsigWithAWrongOriginalTtl() throws InterruptedException {
        RRSIGRecord wrong =
                TestSigner.signAtTtl(TestSigner.rrset(bind.zone(), name("www"), Type.A), bind.zsk(), 7200, 3600);
        List<Record> zone = TestSigner.replace(
                bind.zone(), TestSigner.rrsigs(bind.zone(), name("www"), Type.A).get(0), wrong);

        assertThat(verify(zone).failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason, GateFailure::detail)
                .containsExactly(
                        tuple(name("www"), Type.A, Reason.ORIGINAL_TTL_MISMATCH, "original TTL 7200, RRset TTL 3600"));
    }

    @Test
    void refusesAWrongZonemd() throws InterruptedException {
        ZoneMDRecord z = (ZoneMDRecord)
                TestSigner.rrset(ldnsZonemd.zone(), ORIGIN, Type.ZONEMD).first();
        byte[] digest = z.getDigest().clone();
        digest[0] ^= 0x01;
        List<Record> zone = TestSigner.replace(
                ldnsZonemd.zone(),
                z,
                new ZoneMDRecord(
                        ORIGIN, DClass.IN, z.getTTL(), z.getSerial(), z.getScheme(), z.getHashAlgorithm(), digest));
        zone = TestSigner.resign(zone, ORIGIN, Type.ZONEMD, ldns.zsk(), INCEPTION, EXPIRATION);

        assertThat(verify(zone).failures())
                .extracting(GateFailure::owner, GateFailure::type, GateFailure::reason)
                .containsExactly(tuple(ORIGIN, Type.ZONEMD, Reason.ZONEMD_MISMATCH));
    }

    // ---------------------------------------------------------------- helpers

    static Fingerprint fingerprint(Key key) {
        return Fingerprint.of(new DSRecord(ORIGIN, DClass.IN, 0, DNSSEC.Digest.SHA256, key.dnskey()).getDigest());
    }

    /** Runs a tool in the temporary directory; returns its standard output, trimmed. */
    static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectError(dir.resolve("stderr.txt").toFile())
                .start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 120 s");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited " + p.exitValue() + ": "
                    + Files.readString(dir.resolve("stderr.txt")));
        }
        return new String(out, StandardCharsets.UTF_8).trim();
    }

    static List<Record> read(String file) throws IOException {
        List<Record> out = new ArrayList<>();
        try (Master m = new Master(dir.resolve(file).toString(), ORIGIN, 3600)) {
            Record r;
            while ((r = m.nextRecord()) != null) {
                out.add(r);
            }
        }
        return out;
    }

    /** A key pair from a BIND-format {@code K*.key}/{@code K*.private} pair (ldns writes the same). */
    static Key key(String base) throws IOException, GeneralSecurityException {
        DNSKEYRecord dnskey = null;
        try (Master m = new Master(dir.resolve(base + ".key").toString(), ORIGIN, 3600)) {
            Record r;
            while ((r = m.nextRecord()) != null) {
                if (r instanceof DNSKEYRecord k) {
                    dnskey = k;
                }
            }
        }
        String privateKey = Files.readAllLines(dir.resolve(base + ".private")).stream()
                .filter(l -> l.startsWith("PrivateKey:"))
                .map(l -> l.substring("PrivateKey:".length()).trim())
                .findFirst()
                .orElseThrow(() -> new AssertionError("no PrivateKey in " + base + ".private"));
        AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
        params.init(new ECGenParameterSpec("secp256r1"));
        PrivateKey pk = KeyFactory.getInstance("EC")
                .generatePrivate(new ECPrivateKeySpec(
                        new BigInteger(1, Base64.getDecoder().decode(privateKey)),
                        params.getParameterSpec(ECParameterSpec.class)));
        return new Key(dnskey, pk);
    }
}
