package org.tandem.keysync.proof;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.KeyRef;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.ZoneName;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Proof that an HSM holds the private half of a key: the HSM signs a TXT RRset built from a fresh
 * nonce (owner {@code _tandem-proof.<zone>}, the nonce in hex) exactly as it would sign zone data,
 * and the RRSIG is verified with the expected DNSKEY (RFC 4034 §3.1.8.1 signing input). Public-key
 * comparison alone would miss a private key that does not match its public object (INV-K2).
 */
public final class PossessionProof {
    /** Validity around "now" of a proof RRSIG: proofs are checked at once, never published. */
    private static final Duration WINDOW = Duration.ofHours(1);

    private PossessionProof() {}

    /** The RRset every HSM signs for this nonce. */
    public static RRset proofRrset(ZoneName zone, byte[] nonce) {
        Objects.requireNonNull(nonce, "nonce");
        if (nonce.length < 16 || nonce.length > 64) {
            throw new IllegalArgumentException("nonce must be 16 to 64 bytes, got " + nonce.length);
        }
        try {
            Name owner = Name.concatenate(Name.fromString("_tandem-proof"), zone.name());
            return new RRset(new TXTRecord(owner, DClass.IN, 0, HexFormat.of().formatHex(nonce)));
        } catch (TextParseException | org.xbill.DNS.NameTooLongException e) {
            throw new IllegalArgumentException("zone name too long for a proof owner: " + zone, e);
        }
    }

    /**
     * Has the HSM sign the proof RRset with {@code ref}, in an RRSIG whose key tag and algorithm are
     * those of {@code as} (the key the object claims to be).
     */
    public static RRSIGRecord sign(Hsm hsm, KeyRef ref, DnssecKey as, byte[] nonce, Clock clock) throws HsmException {
        RRset rrset = proofRrset(as.zone(), nonce);
        Instant now = clock.instant();
        RRSIGRecord template = rrsig(rrset, as, now, new byte[0]);
        byte[] signature = hsm.sign(ref, DNSSEC.digestRRset(template, rrset));
        return rrsig(rrset, as, now, signature);
    }

    private static RRSIGRecord rrsig(RRset rrset, DnssecKey key, Instant now, byte[] signature) {
        return new RRSIGRecord(rrset.getName(), DClass.IN, 0, Type.TXT, key.algorithm().number(), 0,
                now.plus(WINDOW), now.minus(WINDOW), key.keyTag().value(), key.zone().name(), signature);
    }

    /**
     * Verifies the proof RRSIG over the nonce RRset with the expected key, in software.
     *
     * @return empty when valid, otherwise why not (for the report)
     */
    public static java.util.Optional<String> verify(DnssecKey expected, byte[] nonce, RRSIGRecord rrsig, Clock clock) {
        try {
            DNSSEC.verify(proofRrset(expected.zone(), nonce), rrsig, expected.dnskey(0), clock.instant());
            return java.util.Optional.empty();
        } catch (DNSSEC.DNSSECException e) {
            return java.util.Optional.of("signature over the nonce does not verify with " + expected.describe() + ": "
                    + e.getMessage());
        }
    }
}
