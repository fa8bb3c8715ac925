package org.tandem.cli.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class SignatureInspectorTest {
    private static final Name ZONE = Name.fromConstantString("example.test.");
    private static final Name WWW = Name.fromConstantString("www.example.test.");
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    private final KeyPair zskPair = pair();
    private final DNSKEYRecord zsk = dnskey(zskPair);
    private final KeyPair otherPair = pair();
    private final DNSKEYRecord other = dnskey(otherPair);
    private final SignatureInspector inspector = new SignatureInspector(ZONE, List.of(zsk));

    @Test
    void aValidSignatureIsNoProblemAndYieldsItsExpiry() throws Exception {
        ARecord a = a("192.0.2.10");
        Instant expire = NOW.plus(Duration.ofDays(10));
        SignatureInspector.Inspection i = inspector.inspect(message(a, sign(a, zsk, zskPair, expire)), NOW);
        assertThat(i.problems()).isEmpty();
        assertThat(i.validUntil()).containsExactly(new Expiry(expire, WWW, Type.A, zsk.getFootprint()));
    }

    @Test
    void anExpiredSignatureIsCriticalNamingOwnerTypeKeyAndExpiry() throws Exception {
        ARecord a = a("192.0.2.10");
        Instant expire = NOW.minus(Duration.ofHours(1));
        Problem p = only(inspector.inspect(message(a, sign(a, zsk, zskPair, expire)), NOW));
        assertThat(p.status()).isEqualTo(ProbeStatus.CRITICAL);
        assertThat(p.kind()).isEqualTo("rrsig-expired");
        assertThat(p.describe()).startsWith("www.example.test. A, key " + zsk.getFootprint() + ", expiry " + expire);
    }

    @Test
    void aRecordChangedAfterSigningIsBogus() throws Exception {
        RRSIGRecord sig = sign(a("192.0.2.10"), zsk, zskPair, NOW.plus(Duration.ofDays(1)));
        Problem p = only(inspector.inspect(message(a("192.0.2.11"), sig), NOW));
        assertThat(p.kind()).isEqualTo("bogus-signature");
        assertThat(p.keyTag()).hasValue(zsk.getFootprint());
        assertThat(p.describe()).startsWith("www.example.test. A, key ").contains("does not verify");
    }

    @Test
    void anRrsetWithoutSignatureIsCriticalNamingOwnerAndType() {
        Problem p = only(inspector.inspect(message(a("192.0.2.10")), NOW));
        assertThat(p.kind()).isEqualTo("unsigned-rrset");
        assertThat(p.describe()).startsWith("www.example.test. A: no RRSIG");
    }

    @Test
    void aSignatureByAKeyTheDnskeySetLacksIsCritical() throws Exception {
        ARecord a = a("192.0.2.10");
        Problem p = only(inspector.inspect(message(a, sign(a, other, otherPair, NOW.plus(Duration.ofDays(1)))), NOW));
        assertThat(p.kind()).isEqualTo("dnskey-missing");
        assertThat(p.keyTag()).hasValue(other.getFootprint());
    }

    @Test
    void oneValidSignatureAmongBrokenOnesIsEnoughAndTheLatestValidExpiryCounts() throws Exception {
        ARecord a = a("192.0.2.10");
        Instant later = NOW.plus(Duration.ofDays(9));
        Message m = message(
                a,
                sign(a, zsk, zskPair, NOW.minus(Duration.ofDays(1))),
                sign(a, zsk, zskPair, later),
                sign(a, zsk, zskPair, NOW.plus(Duration.ofDays(2))));
        SignatureInspector.Inspection i = inspector.inspect(m, NOW);
        assertThat(i.problems()).isEmpty();
        assertThat(i.validUntil()).extracting(Expiry::instant).containsExactly(later);
    }

    @Test
    void theNsRrsetOfADelegationIsNotExpectedToBeSigned() {
        NSRecord ns = new NSRecord(
                Name.fromConstantString("sub.example.test."),
                DClass.IN,
                3600,
                Name.fromConstantString("ns.sub.example.test."));
        Message m = new Message();
        m.addRecord(ns, Section.AUTHORITY);
        assertThat(inspector.inspect(m, NOW).problems()).isEmpty();
    }

    @Test
    void aDnskeyRrsetSignedOnlyByAKeyTheAnchorDoesNotNameFails() throws Exception {
        RRset keys = new RRset(zsk);
        RRSIGRecord sig = DNSSEC.sign(
                keys, zsk, zskPair.getPrivate(), NOW.minus(Duration.ofHours(1)), NOW.plus(Duration.ofDays(1)));
        keys.addRR(sig);
        assertThat(inspector.inspect(keys, NOW, k -> false))
                .get()
                .extracting(Problem::kind)
                .isEqualTo("dnskey-not-signed-by-anchor");
        assertThat(inspector.inspect(keys, NOW, k -> true)).isEmpty();
    }

    private static Problem only(SignatureInspector.Inspection i) {
        assertThat(i.problems()).hasSize(1);
        assertThat(i.critical()).isTrue();
        return i.problems().get(0);
    }

    private static Message message(Record... records) {
        Message m = new Message();
        for (Record r : records) {
            m.addRecord(r, Section.ANSWER);
        }
        return m;
    }

    private static RRSIGRecord sign(ARecord a, DNSKEYRecord key, KeyPair pair, Instant expire) throws Exception {
        return DNSSEC.sign(new RRset(a), key, pair.getPrivate(), expire.minus(Duration.ofDays(20)), expire);
    }

    private static ARecord a(String ip) {
        try {
            return new ARecord(WWW, DClass.IN, 300, InetAddress.getByName(ip));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static KeyPair pair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static DNSKEYRecord dnskey(KeyPair pair) {
        try {
            return new DNSKEYRecord(
                    ZONE,
                    DClass.IN,
                    3600,
                    256,
                    DNSKEYRecord.Protocol.DNSSEC,
                    DNSSEC.Algorithm.ECDSAP256SHA256,
                    pair.getPublic());
        } catch (DNSSEC.DNSSECException e) {
            throw new IllegalStateException(e);
        }
    }
}
