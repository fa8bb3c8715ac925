package org.tandem.signer.sign;

import java.time.Instant;
import java.util.Objects;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.ZoneName;
import org.xbill.DNS.DClass;
import org.xbill.DNS.RRSIGRecord;

/**
 * Makes one RRSIG on the HSM, the way keysync's possession proof does: RRSIG fields, RFC 4034
 * §3.1.8.1 signing input, {@code hsm.sign}, final RRSIG. Thread-safe (stateless); HSMs are
 * thread-safe by contract.
 */
final class RrsetSigner {
    private final ZoneName zone;

    RrsetSigner(ZoneName zone) {
        this.zone = Objects.requireNonNull(zone, "zone");
    }

    ZoneName zone() {
        return zone;
    }

    /**
     * @param rrset the RRset in canonical form
     * @param rrsetPart {@link PreparedRrset#rrsetPart()}, computed once for all keys
     */
    RRSIGRecord sign(PreparedRrset rrset, byte[] rrsetPart, SigningKey key, Instant inception, Instant expiration)
            throws RrsetSigningException {
        DnssecKey k = key.key();
        int labels = Canonical.rrsigLabels(rrset.owner());
        byte[] header = Canonical.rrsigHeader(
                rrset.type(),
                k.algorithm().number(),
                labels,
                rrset.ttl(),
                expiration.getEpochSecond(),
                inception.getEpochSecond(),
                k.keyTag().value(),
                zone.name());
        byte[] signature;
        try {
            signature = key.hsm().sign(key.ref(), Canonical.signingInput(header, rrsetPart));
        } catch (HsmException e) {
            throw new RrsetSigningException(
                    zone, rrset.owner(), rrset.type(), k, key.hsm().id(), "the HSM failed: " + e.getMessage(), e);
        }
        int expected = expectedLength(k);
        if (signature == null || signature.length == 0 || (expected > 0 && signature.length != expected)) {
            throw new RrsetSigningException(
                    zone,
                    rrset.owner(),
                    rrset.type(),
                    k,
                    key.hsm().id(),
                    "the HSM returned a " + (signature == null ? 0 : signature.length) + "-byte signature, expected "
                            + expected + " bytes in DNSSEC wire format",
                    null);
        }
        return new RRSIGRecord(
                rrset.owner(),
                DClass.IN,
                rrset.ttl(),
                rrset.type(),
                k.algorithm().number(),
                rrset.ttl(),
                expiration,
                inception,
                k.keyTag().value(),
                zone.name(),
                signature);
    }

    /**
     * DNSSEC wire length of a signature: r‖s for ECDSA (RFC 6605), 64 bytes for Ed25519 (RFC 8080 §4),
     * modulus length for RSA (RFC 3110).
     */
    static int expectedLength(DnssecKey key) {
        if (key.algorithm().isEddsa()) {
            return 64;
        }
        if (key.algorithm().isEcdsa()) {
            return 2 * key.algorithm().bits() / 8;
        }
        if (key.algorithm() == Algorithm.RSASHA256) {
            byte[] pk = key.publicKey(); // RFC 3110 §2: exponent length, exponent, modulus
            int expLen;
            int offset;
            if (pk[0] != 0) {
                expLen = pk[0] & 0xFF;
                offset = 1;
            } else {
                expLen = ((pk[1] & 0xFF) << 8) | (pk[2] & 0xFF);
                offset = 3;
            }
            return pk.length - offset - expLen;
        }
        return -1;
    }
}
