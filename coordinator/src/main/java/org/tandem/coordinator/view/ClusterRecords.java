package org.tandem.coordinator.view;

import java.util.List;
import java.util.Optional;
import org.tandem.coordinator.CoordinatorException;
import org.tandem.proto.keysync.v1.KeyManifest;

/**
 * What the coordinator reads from the cluster's shared records (ZooKeeper, {@link ZooKeeperView}):
 * the epoch, the zones' key manifests and the publish ledger. Read only. Every failure to read is a
 * {@link CoordinatorException} naming what could not be read.
 */
public interface ClusterRecords {
    /** The cluster epoch, 0 before any leader. */
    long epoch() throws CoordinatorException;

    /** The zones with a key manifest, absolute with the trailing dot, sorted. */
    List<String> zones() throws CoordinatorException;

    /** The zone's key manifest, empty when there is none. */
    Optional<KeyManifest> manifest(String zone) throws CoordinatorException;

    /** What the ledger last committed for the zone, empty when never published. */
    Optional<LedgerEntry> last(String zone) throws CoordinatorException;

    /** Every commit of the zone, oldest first. */
    List<LedgerEntry> history(String zone) throws CoordinatorException;
}
