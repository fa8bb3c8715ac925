package org.tandem.coordinator.view;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import org.tandem.proto.keysync.v1.KeyDescriptor;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.NameTooLongException;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;

/**
 * What the coordinator computes itself from a key's public description, never trusting the
 * fingerprint or key tag a node states: the DNSKEY record, the SHA-256 DS digest (the key's
 * identity), the key tag; and the verification of a proof of possession (the RRSIG over the TXT
 * RRset {@code _tandem-proof.<zone>} holding the nonce in lower-case hex, as keysync's nodes sign
 * it) with the manifest's DNSKEY. Stateless.
 */
public final class KeyFacts {
    private KeyFacts() {}

    /** The DNSKEY record of the description (TTL 0). */
    public static DNSKEYRecord dnskey(KeyDescriptor d) throws TextParseException {
        Name zone = Name.fromString(d.getZone().endsWith(".") ? d.getZone() : d.getZone() + ".");
        return new DNSKEYRecord(
                zone,
                DClass.IN,
                0,
                d.getFlags(),
                DNSKEYRecord.Protocol.DNSSEC,
                d.getAlgorithm(),
                d.getPublicKey().toByteArray());
    }

    /** The SHA-256 DS digest of the key, 64 lower-case hex digits, computed from the public key. */
    public static String fingerprint(KeyDescriptor d) throws TextParseException {
        DNSKEYRecord k = dnskey(d);
        return HexFormat.of().formatHex(new DSRecord(k.getName(), DClass.IN, 0, DNSSEC.Digest.SHA256, k).getDigest());
    }

    /** The RFC 4034 Appendix B key tag, computed from the public key. */
    public static int keyTag(KeyDescriptor d) throws TextParseException {
        return dnskey(d).getFootprint();
    }

    /** Short form of a fingerprint for sentences: the first 16 hex digits. */
    public static String shortHex(String fingerprint) {
        return fingerprint.length() > 16 ? fingerprint.substring(0, 16) : fingerprint;
    }

    /** How long a proof RRSIG is valid: from 2 h to 1 h before the signing node's now. */
    private static final Duration PROOF_WINDOW = Duration.ofHours(1);
    /** A proof reaching further past now than this is a live signature. */
    private static final Duration PROOF_MAX_SKEW = Duration.ofMinutes(15);

    /**
     * Verifies a proof RRSIG (DNS wire format) over the nonce with the expected key. A proof's
     * validity window lies wholly in the past (the node signs it from 2 h to 1 h before its now, so
     * nobody can replay it as a live signature of the zone): the window must be 1 h long, must not
     * reach more than 15 min past {@code now} and must have ended at most 2 h before it; the
     * signature is checked at the middle of the window.
     *
     * @return empty when the proof verifies, otherwise why not, one sentence
     */
    public static Optional<String> verifyProof(KeyDescriptor expected, byte[] nonce, byte[] proofWire, Instant now) {
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(nonce, "nonce");
        if (proofWire == null || proofWire.length == 0) {
            return Optional.of("the node sent no proof for this key");
        }
        Record record;
        try {
            record = Record.fromWire(proofWire, Section.ANSWER);
        } catch (IOException | RuntimeException e) {
            return Optional.of("the proof is not a readable RRSIG record: " + e.getMessage());
        }
        if (!(record instanceof RRSIGRecord rrsig)) {
            return Optional.of("the proof is not an RRSIG record");
        }
        Duration length = Duration.between(rrsig.getTimeSigned(), rrsig.getExpire());
        if (!length.equals(PROOF_WINDOW)) {
            return Optional.of("the proof is valid from " + rrsig.getTimeSigned() + " to " + rrsig.getExpire()
                    + "; a proof's window is " + PROOF_WINDOW + " long and wholly in the past");
        }
        if (rrsig.getExpire().isAfter(now.plus(PROOF_MAX_SKEW))) {
            return Optional.of("the proof is valid until " + rrsig.getExpire() + ", after " + now
                    + ": a live DNSSEC signature, not a proof (or the clocks differ by more than " + PROOF_MAX_SKEW
                    + ")");
        }
        if (rrsig.getExpire().isBefore(now.minus(PROOF_WINDOW.multipliedBy(2)))) {
            return Optional.of("the proof's window ended at " + rrsig.getExpire() + ", more than 2 h before " + now
                    + ": do the clocks of the node and the coordinator differ by more than an hour?");
        }
        try {
            DNSKEYRecord key = dnskey(expected);
            Name owner = Name.concatenate(Name.fromString("_tandem-proof"), key.getName());
            RRset rrset =
                    new RRset(new TXTRecord(owner, DClass.IN, 0, HexFormat.of().formatHex(nonce)));
            DNSSEC.verify(rrset, rrsig, key, rrsig.getTimeSigned().plus(PROOF_WINDOW.dividedBy(2)));
            return Optional.empty();
        } catch (DNSSEC.DNSSECException e) {
            return Optional.of("the signature over the coordinator's nonce does not verify with the manifest's DNSKEY: "
                    + e.getMessage());
        } catch (TextParseException | NameTooLongException e) {
            return Optional.of("the zone name does not make a proof owner: " + e.getMessage());
        }
    }
}
