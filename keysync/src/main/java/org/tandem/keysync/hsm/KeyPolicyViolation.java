package org.tandem.keysync.hsm;

import java.util.Objects;

/**
 * One object on one HSM whose PKCS#11 attributes break the key attribute policy (see {@code
 * docs/security/hsm.md}): a DNSSEC private key or the KEK that the user PIN alone could get out of
 * the HSM, or a KEK that encrypts or decrypts.
 *
 * @param hsm the HSM holding the object
 * @param object what the object is, e.g. {@code zone example.test. KSK key tag 12345 (label ...)} or
 *     {@code the cluster KEK}
 * @param attribute the PKCS#11 attribute that is wrong, e.g. {@code CKA_WRAP_WITH_TRUSTED}
 * @param problem what is wrong with it and what to do
 */
public record KeyPolicyViolation(HsmId hsm, String object, String attribute, String problem) {
    public KeyPolicyViolation {
        Objects.requireNonNull(hsm, "hsm");
        Objects.requireNonNull(object, "object");
        Objects.requireNonNull(attribute, "attribute");
        Objects.requireNonNull(problem, "problem");
    }

    /** One line naming HSM, object, attribute and problem. */
    public String describe() {
        return "HSM " + hsm + ": " + object + ": " + attribute + " " + problem;
    }
}
