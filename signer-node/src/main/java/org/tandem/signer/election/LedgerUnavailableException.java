package org.tandem.signer.election;

import java.util.Objects;
import org.tandem.keysync.key.ZoneName;

/**
 * ZooKeeper could not be reached, or failed an operation for a reason that is neither a fence nor a
 * serial refusal.
 *
 * <p>IMPORTANT: the outcome of a {@link PublishLedger#commit} that fails with this exception is
 * unknown; it may have been applied. Read {@link PublishLedger#last} before publishing anything.
 */
public final class LedgerUnavailableException extends LedgerException {
    private static final long serialVersionUID = 1L;

    private final String zone;
    private final String path;

    LedgerUnavailableException(ZoneName zone, String path, String operation, Throwable cause) {
        super(message(zone, path, operation, cause), cause);
        this.zone = zone == null ? null : zone.toString();
        this.path = path;
    }

    private static String message(ZoneName zone, String path, String operation, Throwable cause) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(operation, "operation");
        return "ZooKeeper unavailable while " + operation + (zone != null ? " of zone " + zone : "") + " at " + path
                + (cause == null
                        ? ""
                        : ": "
                                + (cause.getMessage() != null
                                        ? cause.getMessage()
                                        : cause.getClass().getName()));
    }

    /** The zone, absolute with the trailing dot, or null when the operation concerned no zone. */
    public String zone() {
        return zone;
    }

    /** The ZooKeeper path operated on. */
    public String path() {
        return path;
    }
}
