package org.tandem.keysync.hsm;

import java.math.BigInteger;
import java.util.Objects;

/**
 * The public half of an RSA key-transport key generated inside an HSM that is being enrolled. The
 * cluster KEK travels to that HSM wrapped under it (RSA-OAEP) and is unwrapped inside; the KEK is
 * never in plaintext outside an HSM. The private half never leaves the enrolling HSM and lives only
 * as long as its session.
 *
 * @param hsm the HSM holding the private half
 * @param handle the private half's object handle on that HSM
 * @param modulus RSA modulus
 * @param publicExponent RSA public exponent
 */
public record TransportKey(HsmId hsm, long handle, BigInteger modulus, BigInteger publicExponent) {
    public TransportKey {
        Objects.requireNonNull(hsm, "hsm");
        Objects.requireNonNull(modulus, "modulus");
        Objects.requireNonNull(publicExponent, "publicExponent");
    }
}
