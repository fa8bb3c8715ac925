package org.tandem.signer.election;

import java.util.Locale;

/** Where this node stands in the election. */
public enum ElectionRole {
    /** Not started yet. */
    NEW,
    /** Not taking part: the key-sync check fails, ZooKeeper is unreachable, or holding off after a loss. */
    OUT,
    /** In the latch, waiting for leadership (warm standby). */
    CANDIDATE,
    /** Leading under a valid {@link Leadership}. */
    LEADER,
    /** Closed for good. */
    CLOSED;

    /** Lower-case, for status and metrics labels. */
    public String display() {
        return name().toLowerCase(Locale.ROOT);
    }
}
