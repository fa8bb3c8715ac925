package org.tandem.keysync.hsm;

import java.math.BigInteger;
import java.util.Objects;

/**
 * The public half of an RSA key-transport key generated inside an HSM that is being enrolled. The
 * cluster KEK travels to that HSM wrapped under it (RSA-OAEP) and is unwrapped inside; the KEK is
 * never in plaintext outside an HSM. The private half never leaves the enrolling HSM and lives only
 * as long as its session, or until {@link Hsm#importKek} or {@link Hsm#destroyTransportKey} destroys it.
 *
 * <p>When the enrolling HSM is on another node, the KEK holder only has the public half as it came
 * over the wire: {@link #publicHalf} builds such a key, good for {@link Hsm#exportKek} only.
 *
 * @param hsm the HSM holding the private half
 * @param handle the private half's object handle on that HSM; {@value #NO_PRIVATE_HALF} for a
 *     {@link #publicHalf} (PKCS#11's {@code CK_INVALID_HANDLE})
 * @param modulus RSA modulus
 * @param publicExponent RSA public exponent
 */
public record TransportKey(HsmId hsm, long handle, BigInteger modulus, BigInteger publicExponent) {
    /** The handle of a transport key whose private half is elsewhere. */
    public static final long NO_PRIVATE_HALF = 0;

    public TransportKey {
        Objects.requireNonNull(hsm, "hsm");
        Objects.requireNonNull(modulus, "modulus");
        Objects.requireNonNull(publicExponent, "publicExponent");
        if (modulus.signum() <= 0 || publicExponent.signum() <= 0) {
            throw new IllegalArgumentException("transport key of " + hsm + ": modulus and exponent must be positive");
        }
    }

    /**
     * The public half of another HSM's transport key, as it travelled to the KEK holder.
     *
     * @param hsm names the HSM (and node) that holds the private half, for messages
     */
    public static TransportKey publicHalf(HsmId hsm, BigInteger modulus, BigInteger publicExponent) {
        return new TransportKey(hsm, NO_PRIVATE_HALF, modulus, publicExponent);
    }

    /** Whether this key names a private half on {@link #hsm()} (false for a {@link #publicHalf}). */
    public boolean hasPrivateHalf() {
        return handle != NO_PRIVATE_HALF;
    }
}
