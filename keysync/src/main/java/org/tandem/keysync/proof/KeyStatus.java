package org.tandem.keysync.proof;

import java.util.Locale;

/** The verdict for one key on one HSM. Only {@link #OK} lets a node sign with it. */
public enum KeyStatus {
    /** Present with the manifest's public key, and the private key proved possession. */
    OK,
    /** The manifest's key is not on the HSM. */
    MISSING,
    /** An object claims the key (CKA_ID, label or key tag) but holds a different public key (DENIC). */
    DIFFERENT_PUBLIC_KEY,
    /** The public key matches, but the private key's signature does not verify with it. */
    PRIVATE_KEY_MISMATCH,
    /** A key of the zone on the HSM that the manifest does not list. */
    UNEXPECTED_EXTRA_KEY,
    /** The HSM could not be read or could not sign. */
    HSM_ERROR;

    /** Lower-case with dashes, as shown in tables and JSON ({@code different-public-key}). */
    public String display() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
