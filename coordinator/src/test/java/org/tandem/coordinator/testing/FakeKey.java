package org.tandem.coordinator.testing;

import com.google.protobuf.ByteString;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import org.tandem.coordinator.view.KeyFacts;
import org.tandem.proto.keysync.v1.KeyDescriptor;
import org.tandem.proto.keysync.v1.KeyRole;
import org.tandem.proto.keysync.v1.KeyState;
import org.tandem.proto.keysync.v1.ManifestKey;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;

/**
 * A DNSSEC key pair in memory (ECDSA P-256, algorithm 13) for the coordinator's tests: its public
 * description as a node reports it, its manifest entry, and proofs of possession signed as keysync's
 * nodes sign them (an RRSIG over the TXT RRset {@code _tandem-proof.<zone>} holding the nonce in hex).
 */
public final class FakeKey {
    public final String zone;
    public final KeyRole role;
    public final KeyPair pair;
    public final DNSKEYRecord dnskey;
    public final KeyDescriptor descriptor;
    public final String fingerprint;
    public final int keyTag;

    private FakeKey(String zone, KeyRole role, KeyPair pair) throws Exception {
        this.zone = zone;
        this.role = role;
        this.pair = pair;
        int flags = role == KeyRole.ZSK ? 256 : 257;
        this.dnskey = new DNSKEYRecord(
                Name.fromString(zone), DClass.IN, 0, flags, DNSKEYRecord.Protocol.DNSSEC, 13, pair.getPublic());
        this.descriptor = KeyDescriptor.newBuilder()
                .setZone(zone)
                .setRole(role)
                .setAlgorithm(13)
                .setFlags(flags)
                .setKeyTag(dnskey.getFootprint())
                .setPublicKey(ByteString.copyFrom(dnskey.getKey()))
                .build();
        this.fingerprint = KeyFacts.fingerprint(descriptor);
        this.keyTag = KeyFacts.keyTag(descriptor);
    }

    /** A fresh key pair. */
    public static FakeKey generate(String zone, KeyRole role) throws Exception {
        return new FakeKey(zone, role, pair());
    }

    static KeyPair pair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** The manifest entry of this key. */
    public ManifestKey manifestEntry(KeyState state, String generatedOn) {
        return ManifestKey.newBuilder()
                .setKey(descriptor)
                .setState(state)
                .setGeneratedOn(generatedOn)
                .build();
    }

    /** The proof over the nonce, signed with this key's private key. */
    public byte[] prove(byte[] nonce, Instant now) throws Exception {
        return prove(pair, nonce, now);
    }

    /** The proof over the nonce claimed by this key's DNSKEY but signed with {@code signer}. */
    public byte[] prove(KeyPair signer, byte[] nonce, Instant now) throws Exception {
        RRset rrset = new RRset(new TXTRecord(
                Name.fromString("_tandem-proof." + zone),
                DClass.IN,
                0,
                HexFormat.of().formatHex(nonce)));
        // as a node signs it: a window wholly in the past, so it never passes as a live signature
        RRSIGRecord sig = DNSSEC.sign(
                rrset, dnskey, signer.getPrivate(), now.minus(Duration.ofHours(2)), now.minus(Duration.ofHours(1)));
        return sig.toWire(Section.ANSWER);
    }

    /** 32 bytes of the fingerprint. */
    public byte[] fingerprintBytes() {
        return HexFormat.of().parseHex(fingerprint);
    }
}
