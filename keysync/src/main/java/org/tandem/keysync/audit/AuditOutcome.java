package org.tandem.keysync.audit;

/** How an audited operation ended. Written to the log as {@link #name()}. */
public enum AuditOutcome {
    /** The operation completed. */
    OK,
    /** The operation was attempted and failed (HSM error, I/O error, ...). */
    FAILED,
    /** A safety check refused the operation before it changed anything. */
    REFUSED
}
