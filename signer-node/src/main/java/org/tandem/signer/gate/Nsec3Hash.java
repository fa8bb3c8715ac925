package org.tandem.signer.gate;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.xbill.DNS.Name;

/**
 * The NSEC3 owner hash (RFC 5155 §5) and the base32hex encoding of hashed owner labels (RFC 4648
 * §7, no padding), written here rather than taken from the signer. Not thread-safe: one instance
 * per thread.
 *
 * <p>Deliberate duplicate: the signer's twin is {@code org.tandem.signer.nsec.Nsec3Hasher}. The gate computes this
 * independently of the signer on purpose, so that one bug cannot pass both; do not merge the two
 * (docs/adr/0003-gate-independent-of-the-signer.md).
 */
final class Nsec3Hash {
    static final int SHA1 = 1;
    static final int SHA1_LENGTH = 20;

    private static final char[] ALPHABET = "0123456789abcdefghijklmnopqrstuv".toCharArray();

    private final MessageDigest sha1;
    private final int iterations;
    private final byte[] salt;

    Nsec3Hash(int iterations, byte[] salt) {
        try {
            this.sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JDK", e);
        }
        this.iterations = iterations;
        this.salt = salt.clone();
    }

    /** IH(salt, x, 0) = H(x || salt); IH(salt, x, k) = H(IH(salt, x, k-1) || salt), x the canonical name. */
    byte[] hash(Name name) {
        sha1.update(Canonical.name(name));
        sha1.update(salt);
        byte[] h = sha1.digest();
        for (int i = 0; i < iterations; i++) {
            sha1.update(h);
            sha1.update(salt);
            h = sha1.digest();
        }
        return h;
    }

    static String base32hex(byte[] data) {
        StringBuilder sb = new StringBuilder((data.length * 8 + 4) / 5);
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                sb.append(ALPHABET[(buffer >>> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0) {
            sb.append(ALPHABET[(buffer << (5 - bits)) & 31]);
        }
        return sb.toString();
    }

    /** Decodes unpadded base32hex, either case; null if it is not valid base32hex. */
    static byte[] fromBase32hex(String text) {
        int bitsTotal = text.length() * 5;
        byte[] out = new byte[bitsTotal / 8];
        int buffer = 0;
        int bits = 0;
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = Character.toLowerCase(text.charAt(i));
            int v;
            if (c >= '0' && c <= '9') {
                v = c - '0';
            } else if (c >= 'a' && c <= 'v') {
                v = c - 'a' + 10;
            } else {
                return null;
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                out[n++] = (byte) (buffer >>> (bits - 8));
                bits -= 8;
            }
        }
        if (bits >= 5 || (buffer & ((1 << bits) - 1)) != 0) {
            return null; // non-canonical: leftover bits must be zero padding of less than one digit
        }
        return out;
    }
}
