package org.tandem.keysync.audit;

import java.nio.file.Path;

/**
 * The last line of the audit log is torn, unparseable or fails its own hash, so nothing may be
 * chained onto it. The log is left untouched: an operator runs {@link AuditChain#verify(Path)},
 * keeps the file as evidence and starts a new one.
 */
public final class AuditLogCorruptException extends AuditLogException {
    private static final long serialVersionUID = 1L;

    private final long line;

    AuditLogCorruptException(Path file, long line, String reason) {
        super(file, "line " + line + ": " + reason);
        this.line = line;
    }

    /** The 1-based number of the corrupt line. */
    public long line() {
        return line;
    }
}
