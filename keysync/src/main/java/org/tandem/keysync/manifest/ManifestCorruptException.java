package org.tandem.keysync.manifest;

import java.util.Objects;

/**
 * The bytes stored for a zone are not a manifest of that zone: they do not parse as a {@code
 * KeyManifest}, or the manifest names another zone.
 *
 * <p>The store never guesses or repairs: an operator must inspect and fix the znode named by {@link
 * #path()} (for example restore it from the audit log). Writes with the version from the message still
 * work, so a repaired manifest can be written with {@link ManifestStore#compareAndSet}.
 */
public final class ManifestCorruptException extends ManifestException {
    private static final long serialVersionUID = 1L;

    private final String zone;
    private final String path;
    private final int version;

    /**
     * Creates the exception; the message names all arguments.
     *
     * @param zone the zone read, absolute with the trailing dot
     * @param path the ZooKeeper path of the zone's manifest
     * @param version the znode data version of the corrupt data
     * @param reason what is wrong, for the operator
     * @param cause the parse error, may be null
     */
    public ManifestCorruptException(String zone, String path, int version, String reason, Throwable cause) {
        super(message(zone, path, version, reason), cause);
        this.zone = zone;
        this.path = path;
        this.version = version;
    }

    private static String message(String zone, String path, int version, String reason) {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(reason, "reason");
        return "manifest of zone " + zone + " at " + path + " (version " + version + ") is corrupt: " + reason;
    }

    /** The zone read, absolute with the trailing dot. */
    public String zone() {
        return zone;
    }

    /** The ZooKeeper path of the corrupt znode. */
    public String path() {
        return path;
    }

    /** The znode data version of the corrupt data. */
    public int version() {
        return version;
    }
}
