package org.tandem.coordinator.view;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.tandem.proto.keysync.v1.KeyDescriptor;
import org.tandem.proto.keysync.v1.KeyRole;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;

/** Proofs of possession verified with dnsjava against the manifest's DNSKEY, over the nonce. */
class KeyFactsTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    private static KeyPair pair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static DNSKEYRecord dnskey(KeyPair p) throws Exception {
        return new DNSKEYRecord(
                Name.fromString("example.com."), DClass.IN, 0, 256, DNSKEYRecord.Protocol.DNSSEC, 13, p.getPublic());
    }

    private static KeyDescriptor descriptor(DNSKEYRecord k) {
        return KeyDescriptor.newBuilder()
                .setZone("example.com.")
                .setRole(KeyRole.ZSK)
                .setAlgorithm(13)
                .setFlags(256)
                .setKeyTag(k.getFootprint())
                .setPublicKey(ByteString.copyFrom(k.getKey()))
                .build();
    }

    private static byte[] proof(KeyPair signer, DNSKEYRecord as, byte[] nonce) throws Exception {
        return proof(signer, as, nonce, NOW.minus(Duration.ofHours(2)), NOW.minus(Duration.ofHours(1)));
    }

    private static byte[] proof(KeyPair signer, DNSKEYRecord as, byte[] nonce, Instant from, Instant to)
            throws Exception {
        RRset rrset = new RRset(new TXTRecord(
                Name.fromString("_tandem-proof.example.com."),
                DClass.IN,
                0,
                HexFormat.of().formatHex(nonce)));
        RRSIGRecord sig = DNSSEC.sign(rrset, as, signer.getPrivate(), from, to);
        return sig.toWire(Section.ANSWER);
    }

    @Test
    void proofThatIsALiveSignatureIsRefused() throws Exception {
        KeyPair p = pair();
        DNSKEYRecord k = dnskey(p);
        byte[] nonce = new byte[32];
        byte[] live = proof(p, k, nonce, NOW.minus(Duration.ofMinutes(30)), NOW.plus(Duration.ofMinutes(30)));

        assertThat(KeyFacts.verifyProof(descriptor(k), nonce, live, NOW))
                .get()
                .asString()
                .contains("a live DNSSEC signature, not a proof");
    }

    @Test
    void proofByTheKeyVerifies() throws Exception {
        KeyPair p = pair();
        DNSKEYRecord k = dnskey(p);
        byte[] nonce = new byte[32];
        assertThat(KeyFacts.verifyProof(descriptor(k), nonce, proof(p, k, nonce), NOW))
                .isEmpty();
        assertThat(KeyFacts.keyTag(descriptor(k))).isEqualTo(k.getFootprint());
        assertThat(KeyFacts.fingerprint(descriptor(k))).hasSize(64);
    }

    @Test
    void proofByAnotherPrivateKeyUnderTheSameDnskeyFails() throws Exception {
        KeyPair p = pair();
        DNSKEYRecord k = dnskey(p);
        byte[] nonce = new byte[32];
        assertThat(KeyFacts.verifyProof(descriptor(k), nonce, proof(pair(), k, nonce), NOW))
                .get()
                .asString()
                .contains("does not verify");
    }

    @Test
    void proofOverAnotherNonceFails() throws Exception {
        KeyPair p = pair();
        DNSKEYRecord k = dnskey(p);
        byte[] nonce = new byte[32];
        byte[] other = new byte[32];
        other[0] = 1;
        assertThat(KeyFacts.verifyProof(descriptor(k), nonce, proof(p, k, other), NOW))
                .isPresent();
        assertThat(KeyFacts.verifyProof(descriptor(k), nonce, new byte[0], NOW))
                .get()
                .asString()
                .contains("no proof");
    }
}
