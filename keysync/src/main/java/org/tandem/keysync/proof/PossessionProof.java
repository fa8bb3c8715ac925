package org.tandem.keysync.proof;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.KeyRef;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.ZoneName;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.Name;
import org.xbill.DNS.NameTooLongException;
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
 *
 * <p>IMPORTANT: a proof RRSIG is a real DNSSEC signature by the zone's key. So that nobody can
 * replay one as a signature of the zone, its validity window lies wholly in the past when it is
 * made: inception {@link #INCEPTION_AGE} and expiration {@link #EXPIRATION_AGE} before the signer's
 * now (RFC 4035 §5.3.1: a validator accepts an RRSIG only while now lies between inception and
 * expiration, so every validator treats it as expired). {@link #verify} checks the signature at a
 * fixed instant inside that window, not at now, and refuses a proof whose window is not of this
 * shape or reaches into the verifier's present. Freshness comes from the verifier's nonce.
 */
public final class PossessionProof {
    /** How long before the signer's now a proof RRSIG's validity begins. */
    public static final Duration INCEPTION_AGE = Duration.ofHours(2);
    /** How long before the signer's now a proof RRSIG's validity ends: it is expired when made. */
    public static final Duration EXPIRATION_AGE = Duration.ofHours(1);
    /**
     * The clock difference between signer and verifier tolerated: a proof whose expiration lies
     * more than this after the verifier's now (a live signature) is refused. The cluster refuses
     * to run with more skew than this.
     */
    static final Duration MAX_SKEW = Duration.ofMinutes(15);

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
        } catch (TextParseException | NameTooLongException e) {
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
        return new RRSIGRecord(
                rrset.getName(),
                DClass.IN,
                0,
                Type.TXT,
                key.algorithm().number(),
                0,
                now.minus(EXPIRATION_AGE),
                now.minus(INCEPTION_AGE),
                key.keyTag().value(),
                key.zone().name(),
                signature);
    }

    /**
     * What is wrong with the validity window of a proof RRSIG seen at {@code now}, if anything: it
     * must be {@link #INCEPTION_AGE} minus {@link #EXPIRATION_AGE} long, must not reach more than
     * {@link #MAX_SKEW} past {@code now} (that would be a live signature), and must have ended at
     * most {@link #INCEPTION_AGE} before {@code now} (else the signer's clock is an hour behind).
     */
    public static Optional<String> windowProblem(RRSIGRecord rrsig, Instant now) {
        Duration length = Duration.between(rrsig.getTimeSigned(), rrsig.getExpire());
        Duration expected = INCEPTION_AGE.minus(EXPIRATION_AGE);
        if (!length.equals(expected)) {
            return Optional.of("the proof RRSIG is valid from " + rrsig.getTimeSigned() + " to "
                    + rrsig.getExpire() + " (" + length + "); a proof's window is " + expected
                    + " long and wholly in the past, so it can never pass as a live DNSSEC signature");
        }
        if (rrsig.getExpire().isAfter(now.plus(MAX_SKEW))) {
            return Optional.of("the proof RRSIG is valid until " + rrsig.getExpire() + ", after " + now
                    + ": a live DNSSEC signature, not a proof (or the clocks differ by more than " + MAX_SKEW + ")");
        }
        if (rrsig.getExpire().isBefore(now.minus(INCEPTION_AGE))) {
            return Optional.of("the proof RRSIG's window ended at " + rrsig.getExpire() + ", more than " + INCEPTION_AGE
                    + " before " + now + ": do the clocks of the nodes differ by more than an hour?");
        }
        return Optional.empty();
    }

    /** The instant a proof is verified at: the middle of its (past) validity window. */
    static Instant verificationInstant(RRSIGRecord rrsig) {
        Instant inception = rrsig.getTimeSigned();
        return inception.plus(Duration.between(inception, rrsig.getExpire()).dividedBy(2));
    }

    /**
     * Verifies the proof RRSIG over the nonce RRset with the expected key, in software.
     *
     * @return empty when valid, otherwise why not (for the report)
     */
    public static Optional<String> verify(DnssecKey expected, byte[] nonce, RRSIGRecord rrsig, Clock clock) {
        Optional<String> window = windowProblem(rrsig, clock.instant());
        if (window.isPresent()) {
            return Optional.of("proof of " + expected.describe() + ": " + window.get());
        }
        try {
            DNSSEC.verify(proofRrset(expected.zone(), nonce), rrsig, expected.dnskey(0), verificationInstant(rrsig));
            return Optional.empty();
        } catch (DNSSEC.DNSSECException e) {
            return Optional.of(
                    "signature over the nonce does not verify with " + expected.describe() + ": " + e.getMessage());
        }
    }
}
