package org.tandem.keysync.manifest;

import java.util.List;
import java.util.Optional;
import org.tandem.proto.keysync.v1.KeyManifest;

/**
 * The versioned store of key manifests, one per zone: the desired key set that every signer and every
 * HSM converges to.
 *
 * <p>The store keeps the {@link KeyManifest} message faithfully (unknown fields included) and checks
 * only the zone name; domain rules (key tag collisions, state transitions) belong to the caller. The
 * only way to change a stored manifest is {@link #compareAndSet}, so two writers can never silently
 * overwrite each other.
 *
 * <p>Zone names are absolute and lower case, with the trailing dot ({@code "example.com."}); a name
 * that is not, or that contains {@code '/'}, a backslash, white space, non-ASCII characters or an empty
 * label, is rejected with {@link IllegalArgumentException}. The root zone is not supported.
 *
 * <p>Thread safety: implementations are safe for concurrent use by any number of threads and by any
 * number of processes sharing the same backend; concurrent writes of one zone are serialised by the
 * version check.
 *
 * <p>When the backend (ZooKeeper) is unreachable, every operation retries for a bounded time (for
 * {@link ZooKeeperManifestStore}, a few connect timeouts) and then fails with {@link
 * ManifestStoreUnavailableException}. There is no cache: a read returns what the backend returns,
 * never an old copy kept in memory. A ZooKeeper read may lag the latest write by a moment (reads are
 * served by the server the client is connected to); that is safe, because a write based on it fails
 * with {@link ManifestConflictException}.
 *
 * <p>IMPORTANT: a write that fails with {@link ManifestStoreUnavailableException} has an unknown
 * outcome: it may have been applied before the connection was lost. Re-{@link #read} the zone before
 * deciding to write again; never retry a write blindly with a newer expected version.
 */
public interface ManifestStore {

    /**
     * Reads the current manifest of a zone.
     *
     * @param zone absolute, lower-case zone name with the trailing dot
     * @return the manifest and its version, or empty if the zone has no manifest
     * @throws ManifestStoreUnavailableException if the backend cannot be reached
     * @throws ManifestCorruptException if the stored bytes are not a manifest of this zone
     * @throws IllegalArgumentException if the zone name is not valid
     */
    Optional<VersionedManifest> read(String zone) throws ManifestException;

    /**
     * The version of a zone's manifest without its content: for a caller that only needs to know whether it
     * changed since its last {@link #read} (a ZooKeeper stat, not a transfer of the manifest).
     *
     * @param zone absolute, lower-case zone name with the trailing dot
     * @return the version, or empty if the zone has no manifest
     * @throws ManifestStoreUnavailableException if the backend cannot be reached
     * @throws IllegalArgumentException if the zone name is not valid
     */
    default Optional<Integer> version(String zone) throws ManifestException {
        return read(zone).map(VersionedManifest::version);
    }

    /**
     * Stores the first manifest of a zone (the zone is {@link KeyManifest#getZone()}).
     *
     * @param manifest the manifest to store, kept byte for byte
     * @return the stored manifest at version 0
     * @throws ManifestConflictException if the zone already has a manifest (expected version {@link
     *     ManifestConflictException#NO_MANIFEST}, actual the existing version)
     * @throws ManifestStoreUnavailableException if the backend cannot be reached; the outcome is then
     *     unknown
     * @throws IllegalArgumentException if the manifest's zone name is not valid
     */
    VersionedManifest create(KeyManifest manifest) throws ManifestException;

    /**
     * Replaces the manifest of a zone (the zone is {@link KeyManifest#getZone()}) if and only if its
     * current version is {@code expectedVersion}.
     *
     * @param expectedVersion the version the caller read; never negative (there is no "any version")
     * @param manifest the manifest to store, kept byte for byte
     * @return the stored manifest at its new version (greater than {@code expectedVersion})
     * @throws ManifestConflictException if someone else wrote in between, or the zone has no manifest;
     *     it names the zone, the expected and the actual version
     * @throws ManifestStoreUnavailableException if the backend cannot be reached; the outcome is then
     *     unknown
     * @throws IllegalArgumentException if the manifest's zone name is not valid or the expected version
     *     is negative
     */
    VersionedManifest compareAndSet(int expectedVersion, KeyManifest manifest) throws ManifestException;

    /**
     * Lists the zones that have a manifest.
     *
     * @return absolute, lower-case zone names with the trailing dot, sorted, immutable
     * @throws ManifestStoreUnavailableException if the backend cannot be reached
     */
    List<String> zones() throws ManifestException;
}
