package org.tandem.keysync.manifest;

import java.util.Objects;
import java.util.Optional;

/**
 * ZooKeeper could not be reached (connection loss, session expiry, timeout, refused connection) or
 * failed the operation for a reason that is not a conflict.
 *
 * <p>IMPORTANT: the outcome of a write that fails with this exception is unknown; it may have been
 * applied. Back off, re-read the zone, and only then decide whether to write again.
 */
public final class ManifestStoreUnavailableException extends ManifestException {
    private static final long serialVersionUID = 1L;

    private final String connectString;
    private final String zone;
    private final String path;

    /**
     * For a failure that concerns no zone, such as a connect or start failure.
     *
     * @param connectString the ZooKeeper connect string ({@code host:port[,host:port]})
     * @param detail what failed, completing the sentence "ZooKeeper at CONNECT_STRING ..."
     * @param cause the underlying failure, may be null
     */
    public ManifestStoreUnavailableException(String connectString, String detail, Throwable cause) {
        super(
                "ZooKeeper at " + Objects.requireNonNull(connectString, "connectString") + " "
                        + Objects.requireNonNull(detail, "detail"),
                cause);
        this.connectString = connectString;
        this.zone = null;
        this.path = null;
    }

    /**
     * For a failed operation on a zone's manifest or on the zone list.
     *
     * @param connectString the ZooKeeper connect string ({@code host:port[,host:port]})
     * @param zone the zone concerned, absolute with the trailing dot, or null for the zone list
     * @param path the ZooKeeper path operated on
     * @param operation what was being done ("reading the manifest"), for the message
     * @param cause the ZooKeeper or Curator failure, may be null
     */
    public ManifestStoreUnavailableException(
            String connectString, String zone, String path, String operation, Throwable cause) {
        super(message(connectString, zone, path, operation, cause), cause);
        this.connectString = connectString;
        this.zone = zone;
        this.path = path;
    }

    private static String message(String connectString, String zone, String path, String operation, Throwable cause) {
        Objects.requireNonNull(connectString, "connectString");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(operation, "operation");
        StringBuilder m = new StringBuilder("ZooKeeper at ")
                .append(connectString)
                .append(" unavailable while ")
                .append(operation);
        if (zone != null) {
            m.append(" of zone ").append(zone);
        }
        m.append(" at ").append(path);
        if (cause != null) {
            m.append(": ")
                    .append(
                            cause.getMessage() != null
                                    ? cause.getMessage()
                                    : cause.getClass().getName());
        }
        return m.toString();
    }

    /** The ZooKeeper connect string the store was using. */
    public String connectString() {
        return connectString;
    }

    /** The zone concerned, if the failed operation concerned one. */
    public Optional<String> zone() {
        return Optional.ofNullable(zone);
    }

    /** The ZooKeeper path operated on, if the failure happened during an operation. */
    public Optional<String> path() {
        return Optional.ofNullable(path);
    }
}
