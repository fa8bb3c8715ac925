package org.tandem.signer.schedule;

/** Why a zone is due for re-signing. */
public enum ResignReason {
    /** No signed version exists yet (first run after start, or the last one never succeeded). */
    NEVER_SIGNED,
    /** The unsigned source changed (file watch or {@code signerctl reload}) since the last run. */
    SOURCE_CHANGED,
    /** The earliest signature reaches its refresh point: expiration − policy refresh (INV-D3). */
    REFRESH
}
