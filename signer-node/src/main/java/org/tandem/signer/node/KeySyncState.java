package org.tandem.signer.node;

/** Whether the node's HSMs hold a zone's manifest key set, proven by signing (keysync's verdict). */
public enum KeySyncState {
    /** Not checked since the node started, or the manifest could not be read. */
    UNKNOWN,
    /** Every manifest key present and proven on every HSM of the node, nothing else there. */
    SYNCED,
    /** At least one key missing, different or unproven. */
    NOT_SYNCED
}
