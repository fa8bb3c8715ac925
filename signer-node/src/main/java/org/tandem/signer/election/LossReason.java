package org.tandem.signer.election;

import java.util.Locale;

/** Why a node stopped leading. Every one of them revokes the {@link Leadership} before anything else. */
public enum LossReason {
    /** Curator reported SUSPENDED: the connection is gone, the session may still live (INV-L2). */
    SUSPENDED,
    /** Curator reported LOST: the session expired or is presumed expired. */
    LOST,
    /** The latch reported that this node is no longer the leader. */
    NOT_LEADER,
    /** No ZooKeeper round trip confirmed the leadership within the lease (INV-L3). */
    LEASE_EXPIRED,
    /** This node's latch znode is gone (its session expired on the server). */
    LATCH_NODE_GONE,
    /** The epoch znode moved past this leadership's epoch: another node was elected. */
    EPOCH_MOVED,
    /** The key-sync re-check failed while leading (INV-K6). */
    KEYS_NOT_SYNCED,
    /** The wall clock disagrees with ZooKeeper's by more than the threshold (INV-D5). */
    CLOCK_SKEW,
    /** After winning, a {@link TakeoverCheck} refused: the node did not lead (no epoch was bumped). */
    TAKEOVER_REFUSED,
    /** {@link KeySyncedElection#stepDown()} was called. */
    STEPPED_DOWN,
    /** The election was closed. */
    CLOSED;

    /** Lower-case with dashes, for logs and metrics labels ({@code lease-expired}). */
    public String display() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
