package org.tandem.keysync.grpc;

import java.nio.file.Path;
import java.util.Objects;
import org.tandem.keysync.KeySyncException;

/**
 * A TLS certificate, private key or trust file that cannot be used. The message names the file and
 * the reason, and where there is one, the command that fixes it.
 */
public class TlsMaterialException extends KeySyncException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String reason;

    /**
     * @param file the offending file
     * @param reason what is wrong with it, for an operator
     */
    public TlsMaterialException(Path file, String reason) {
        super(message(file, reason));
        this.file = file;
        this.reason = reason;
    }

    /**
     * @param file the offending file
     * @param reason what is wrong with it, for an operator
     * @param cause the underlying failure
     */
    public TlsMaterialException(Path file, String reason, Throwable cause) {
        super(message(file, reason), cause);
        this.file = file;
        this.reason = reason;
    }

    private static String message(Path file, String reason) {
        return "TLS file " + Objects.requireNonNull(file, "file") + ": " + Objects.requireNonNull(reason, "reason");
    }

    /** The file that cannot be used. */
    public Path file() {
        return file;
    }

    /** Why it cannot be used, without the file name. */
    public String reason() {
        return reason;
    }
}
