package org.tandem.signer.nsec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.xbill.DNS.Name;
import org.xbill.DNS.utils.base32;

/**
 * The NSEC3 hash (RFC 5155 §5): IH(salt, x, 0) = H(x || salt), IH(salt, x, k) = H(IH(salt, x,
 * k-1) || salt), x the owner name in canonical wire form, H = SHA-1. Not thread-safe (one digest).
 *
 * <p>Deliberate duplicate: the validation gate's twin is {@code org.tandem.signer.gate.Nsec3Hash}. The gate
 * computes this independently of the signer on purpose, so that one bug cannot pass both; do not
 * merge the two (docs/adr/0003-gate-independent-of-the-signer.md).
 */
final class Nsec3Hasher {
    private static final base32 BASE32HEX = new base32(base32.Alphabet.BASE32HEX, false, true);

    private final MessageDigest sha1;
    private final byte[] salt;
    private final int iterations;

    Nsec3Hasher(Nsec3Parameters params) {
        try {
            this.sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 missing from the JDK", e);
        }
        this.salt = params.salt();
        this.iterations = params.iterations();
    }

    byte[] hash(Name name) {
        sha1.update(name.toWireCanonical());
        sha1.update(salt);
        byte[] h = sha1.digest();
        for (int i = 0; i < iterations; i++) {
            sha1.update(h);
            sha1.update(salt);
            h = sha1.digest();
        }
        return h;
    }

    /** {@code <base32hex(hash)>.<apex>}, lower case (RFC 5155 §3, RFC 4648 §7), built in wire form. */
    static Name owner(byte[] hash, Name apex) {
        byte[] label = BASE32HEX.toString(hash).getBytes(StandardCharsets.US_ASCII);
        byte[] apexWire = apex.toWireCanonical();
        byte[] wire = new byte[1 + label.length + apexWire.length];
        wire[0] = (byte) label.length;
        System.arraycopy(label, 0, wire, 1, label.length);
        System.arraycopy(apexWire, 0, wire, 1 + label.length, apexWire.length);
        try {
            return new Name(wire);
        } catch (IOException e) {
            throw new IllegalArgumentException("NSEC3 owner under " + apex + " is not a valid name", e);
        }
    }
}
