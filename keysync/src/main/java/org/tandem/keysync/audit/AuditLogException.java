package org.tandem.keysync.audit;

import java.nio.file.Path;
import java.util.Objects;
import org.tandem.keysync.KeySyncException;

/** The audit log at {@link #file()} could not be created, read or appended to. */
public class AuditLogException extends KeySyncException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    AuditLogException(Path file, String reason) {
        super("audit log " + file + ": " + reason);
        this.file = Objects.requireNonNull(file, "file");
    }

    AuditLogException(Path file, String reason, Throwable cause) {
        super("audit log " + file + ": " + reason, cause);
        this.file = Objects.requireNonNull(file, "file");
    }

    /** The log file concerned. */
    public Path file() {
        return file;
    }
}
