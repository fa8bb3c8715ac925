package org.tandem.keysync.manifest;

import org.tandem.keysync.KeySyncException;

/**
 * Base of every failure of the {@link ManifestStore}. The subclasses say what the caller should do:
 *
 * <ul>
 *   <li>{@link ManifestConflictException}: someone else wrote first; re-read, re-plan, write again.
 *   <li>{@link ManifestStoreUnavailableException}: ZooKeeper cannot be reached; the outcome of a write
 *       is unknown; back off and re-read.
 *   <li>{@link ManifestCorruptException}: the stored bytes are not a manifest of the zone; an operator
 *       must repair the znode named in the message.
 * </ul>
 *
 * <p>Every message names the zone (where there is one), the ZooKeeper path or connect string.
 */
public abstract sealed class ManifestException extends KeySyncException
        permits ManifestConflictException, ManifestStoreUnavailableException, ManifestCorruptException {
    private static final long serialVersionUID = 1L;

    ManifestException(String message, Throwable cause) {
        super(message, cause);
    }
}
