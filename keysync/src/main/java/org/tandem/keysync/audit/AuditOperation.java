package org.tandem.keysync.audit;

/** The key operations that are audited. Written to the log as {@link #name()}. */
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
    CUTOVER
}
