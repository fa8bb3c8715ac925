package org.tandem.signer.watchdog;

/** How bad the watchdog finds a zone or one copy of it; the metric value is the ordinal. */
public enum Severity {
    /** Every copy is current, validates, and its earliest RRSIG expires later than {@code warn}. */
    OK,
    /** A copy expires within {@code warn}, is behind the published serial beyond the grace, or cannot be read. */
    WARNING,
    /** A copy expires within {@code critical} or does not validate. */
    CRITICAL;

    /** The worse of the two. */
    Severity max(Severity other) {
        return compareTo(other) >= 0 ? this : other;
    }
}
