package org.tandem.keysync.manifest;

import java.util.Objects;

/**
 * A write lost a race: the zone's manifest was not at the version the writer expected.
 *
 * <p>Thrown by {@link ManifestStore#create} when the zone already has a manifest (expected version
 * {@link #NO_MANIFEST}) and by {@link ManifestStore#compareAndSet} when another writer changed the
 * manifest in between, or when there is no manifest at all (actual version {@link #NO_MANIFEST}). The
 * write was not applied. Re-read the manifest, re-plan on the new version, and write again.
 */
public final class ManifestConflictException extends ManifestException {
    private static final long serialVersionUID = 1L;

    /** The version that stands for "the zone has no manifest". */
    public static final int NO_MANIFEST = -1;

    private final String zone;
    private final String path;
    private final int expectedVersion;
    private final int actualVersion;

    /**
     * Creates the exception; the message names all arguments.
     *
     * @param zone the zone written, absolute with the trailing dot
     * @param path the ZooKeeper path of the zone's manifest
     * @param expectedVersion the version the writer expected, or {@link #NO_MANIFEST} for a create
     * @param actualVersion the version found, or {@link #NO_MANIFEST} if the zone has no manifest
     * @param cause the ZooKeeper error (BadVersion, NodeExists, NoNode), may be null
     */
    public ManifestConflictException(
            String zone, String path, int expectedVersion, int actualVersion, Throwable cause) {
        super(message(zone, path, expectedVersion, actualVersion), cause);
        this.zone = zone;
        this.path = path;
        this.expectedVersion = expectedVersion;
        this.actualVersion = actualVersion;
    }

    private static String message(String zone, String path, int expectedVersion, int actualVersion) {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(path, "path");
        return "conflicting write to the manifest of zone " + zone + " at " + path + ": expected "
                + describe(expectedVersion) + ", found " + describe(actualVersion)
                + "; re-read the manifest and plan again";
    }

    private static String describe(int version) {
        return version == NO_MANIFEST ? "no manifest" : "version " + version;
    }

    /** The zone written, absolute with the trailing dot. */
    public String zone() {
        return zone;
    }

    /** The ZooKeeper path of the zone's manifest. */
    public String path() {
        return path;
    }

    /** The version the writer expected, or {@link #NO_MANIFEST} for a create. */
    public int expectedVersion() {
        return expectedVersion;
    }

    /** The version found, or {@link #NO_MANIFEST} if the zone has no manifest. */
    public int actualVersion() {
        return actualVersion;
    }
}
