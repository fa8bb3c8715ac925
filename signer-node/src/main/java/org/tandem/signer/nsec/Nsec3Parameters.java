package org.tandem.signer.nsec;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.xbill.DNS.DClass;
import org.xbill.DNS.NSEC3PARAMRecord;
import org.xbill.DNS.NSEC3Record;
import org.xbill.DNS.Name;

/**
 * NSEC3 parameters (RFC 5155 §3.1). The default follows RFC 9276 §3.1 (and INV-D6): SHA-1,
 * no extra iterations, empty salt. Opt-out (RFC 5155 §6) leaves insecure delegations out of the
 * chain; it makes a large delegation-only zone much cheaper to sign and is off by default.
 *
 * @param iterations additional hash iterations; RFC 9276 asks for 0, validators may treat more than
 *     100 as insecure, so more is refused
 * @param salt the salt, empty per RFC 9276 §3.1
 * @param optOut whether insecure delegations are left out of the chain
 */
public record Nsec3Parameters(int iterations, byte[] salt, boolean optOut) {
    /** RFC 9276: iterations 0, empty salt, no opt-out. */
    public static final Nsec3Parameters DEFAULT = new Nsec3Parameters(0, new byte[0], false);

    /** Above this, RFC 9276 §3.2 lets validators treat answers as insecure or bogus. */
    public static final int MAX_ITERATIONS = 100;

    public Nsec3Parameters {
        salt = Objects.requireNonNull(salt, "salt").clone();
        if (iterations < 0 || iterations > MAX_ITERATIONS) {
            throw new IllegalArgumentException(
                    "NSEC3 iterations must be 0 to " + MAX_ITERATIONS + " (RFC 9276 recommends 0), got " + iterations);
        }
        if (salt.length > 255) {
            throw new IllegalArgumentException("NSEC3 salt longer than 255 bytes: " + salt.length);
        }
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    public Nsec3Parameters withOptOut(boolean on) {
        return new Nsec3Parameters(iterations, salt, on);
    }

    /** The NSEC3PARAM record at the apex (flags 0: opt-out is not signalled there, RFC 5155 §4.1.2). */
    public NSEC3PARAMRecord param(Name apex, long ttl) {
        return new NSEC3PARAMRecord(apex, DClass.IN, ttl, NSEC3Record.Digest.SHA1, 0, iterations, salt);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Nsec3Parameters p
                && p.iterations == iterations
                && p.optOut == optOut
                && Arrays.equals(p.salt, salt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(iterations, optOut, Arrays.hashCode(salt));
    }

    @Override
    public String toString() {
        return "NSEC3 1 " + (optOut ? "opt-out " : "") + iterations + " "
                + (salt.length == 0 ? "-" : HexFormat.of().formatHex(salt));
    }
}
