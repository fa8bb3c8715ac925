package org.tandem.keysync.audit;

import java.util.Objects;

/**
 * What is wrong with one line of an audit log.
 *
 * @param line the 1-based line number in the file
 * @param reason what is wrong, e.g. {@code "hash mismatch: ..."}, {@code "prev mismatch: ..."},
 *     {@code "seq gap: ..."}, {@code "unparseable: ..."}, {@code "torn: ..."}
 */
public record AuditDefect(long line, String reason) {
    public AuditDefect {
        Objects.requireNonNull(reason, "reason");
        if (line < 1) {
            throw new IllegalArgumentException("line must be >= 1, got " + line);
        }
        if (reason.isBlank()) {
            throw new IllegalArgumentException("reason must not be blank");
        }
    }

    @Override
    public String toString() {
        return "line " + line + ": " + reason;
    }
}
