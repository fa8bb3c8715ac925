package org.tandem.signer.schedule;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.key.ZoneName;

/**
 * What the planner needs to know about one zone.
 *
 * @param zone the zone
 * @param earliestExpiration the earliest RRSIG expiration in the current signed version; empty
 *     when there is none (never signed)
 * @param sourceChangedAt when a source change was noticed that no run has taken in yet; empty when
 *     the signed version is up to date with the source
 * @param lastAttempt when the last signing run of the zone started, whatever its outcome; empty
 *     when none has run since the node started
 */
public record ZoneResignState(
        ZoneName zone,
        Optional<Instant> earliestExpiration,
        Optional<Instant> sourceChangedAt,
        Optional<Instant> lastAttempt) {
    public ZoneResignState {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(earliestExpiration, "earliestExpiration");
        Objects.requireNonNull(sourceChangedAt, "sourceChangedAt");
        Objects.requireNonNull(lastAttempt, "lastAttempt");
    }

    /** A zone nothing is known about yet. */
    public static ZoneResignState unsigned(ZoneName zone) {
        return new ZoneResignState(zone, Optional.empty(), Optional.empty(), Optional.empty());
    }
}
