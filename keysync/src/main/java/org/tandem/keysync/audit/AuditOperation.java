package org.tandem.keysync.audit;

/** The key operations and orders that are audited. Written to the log as {@link #name()}. */
public enum AuditOperation {
    GENERATE,
    WRAP,
    UNWRAP,
    DELETE,
    VERIFY,
    SYNC,
    KEK_INIT,
    KEK_ENROL,
    MANIFEST_UPDATE,
    PREFLIGHT,
    CUTOVER,
    /** A signer node stepped down from leadership on an order received over gRPC. */
    STEP_DOWN,
    /** A signer node reloaded zone sources on an order received over gRPC. */
    RELOAD,
    /** A signer node ran its self-test on an order received over gRPC. */
    SELF_TEST,
    /**
     * A signed checkpoint of the chain head: see {@link AuditCheckpoint}. Not a key operation; written
     * by {@link AuditLog} itself.
     */
    CHECKPOINT
}
