package org.tandem.signer.election;

import java.time.Duration;
import java.util.Objects;

/**
 * Timing of a {@link KeySyncedElection}.
 *
 * @param recheckInterval how often the key-sync check runs while out of the election, as a candidate
 *     and as leader (default 5 s)
 * @param leaseFraction k in the lease = k × the negotiated ZooKeeper session timeout; 0 < k < 1
 *     (default 0.5, INV-L3); the leader confirms with a read every lease / 3
 * @param holdOff how long a node stays out after {@link KeySyncedElection#stepDown()} or a loss before
 *     it re-enters (default 2 s), so that another node can win
 */
public record ElectionSettings(Duration recheckInterval, double leaseFraction, Duration holdOff) {
    /** 5 s re-check, k = 0.5, 2 s hold-off. */
    public static final ElectionSettings DEFAULTS =
            new ElectionSettings(Duration.ofSeconds(5), 0.5, Duration.ofSeconds(2));

    public ElectionSettings {
        Objects.requireNonNull(recheckInterval, "recheckInterval");
        Objects.requireNonNull(holdOff, "holdOff");
        if (recheckInterval.compareTo(Duration.ofMillis(10)) < 0) {
            throw new IllegalArgumentException("recheckInterval must be at least 10 ms, got " + recheckInterval);
        }
        if (!(leaseFraction > 0 && leaseFraction < 1)) {
            throw new IllegalArgumentException(
                    "leaseFraction must be between 0 and 1 (exclusive), got " + leaseFraction);
        }
        if (holdOff.isNegative()) {
            throw new IllegalArgumentException("holdOff must not be negative, got " + holdOff);
        }
    }

    /** The lease for a negotiated session timeout. */
    Duration lease(Duration sessionTimeout) {
        return Duration.ofNanos((long) (sessionTimeout.toNanos() * leaseFraction));
    }
}
