package org.tandem.keysync.hsm;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The start check of the key attribute policy: every DNSSEC private key and the KEK on every HSM
 * must keep its key inside the HSM against a holder of the user PIN (see {@code
 * docs/security/hsm.md}). A signer node and {@code signerctl keys verify} refuse to run otherwise.
 */
public final class KeyPolicy {
    private KeyPolicy() {}

    /**
     * Checks every HSM.
     *
     * @throws KeyPolicyException listing every violation (zone, role, key tag, HSM, attribute)
     * @throws HsmException when an HSM cannot be read
     */
    public static void requireAll(Collection<? extends Hsm> hsms) throws HsmException, KeyPolicyException {
        List<KeyPolicyViolation> all = new ArrayList<>();
        for (Hsm hsm : hsms) {
            all.addAll(hsm.keyPolicyViolations());
        }
        if (!all.isEmpty()) {
            throw new KeyPolicyException(all);
        }
    }
}
