package org.tandem.keysync.manifest;

import java.util.Objects;
import org.tandem.proto.keysync.v1.KeyManifest;

/**
 * A zone's manifest together with the version it was read or written at.
 *
 * <p>The version is the ZooKeeper data version of the manifest znode: 0 right after {@link
 * ManifestStore#create create}, one more after every successful {@link ManifestStore#compareAndSet
 * compareAndSet}. It is the compare-and-set token: pass it back unchanged as the expected version of
 * the next write.
 *
 * @param manifest the stored message, exactly as written
 * @param version the znode data version, never negative
 */
public record VersionedManifest(KeyManifest manifest, int version) {

    /** Validates the components. */
    public VersionedManifest {
        Objects.requireNonNull(manifest, "manifest");
        if (version < 0) {
            throw new IllegalArgumentException(
                    "version must not be negative, got " + version + " for zone " + manifest.getZone());
        }
    }

    /** The zone of the manifest, absolute and lower case ({@code "example.com."}). */
    public String zone() {
        return manifest.getZone();
    }
}
