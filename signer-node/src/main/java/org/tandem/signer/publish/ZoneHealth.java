package org.tandem.signer.publish;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.key.ZoneName;

/**
 * The publishing state of one zone after the last attempt.
 *
 * @param zone the zone
 * @param healthy false after the validation gate (or a write) refused the last version: the node
 *     must report itself unhealthy until a version passes
 * @param publishedSerial the serial that is published and served now, if any (the last good one)
 * @param lastFailure what went wrong with the last attempt, when it failed
 * @param at when the last attempt ended
 */
public record ZoneHealth(
        ZoneName zone, boolean healthy, Optional<Long> publishedSerial, Optional<String> lastFailure, Instant at) {
    public ZoneHealth {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(publishedSerial, "publishedSerial");
        Objects.requireNonNull(lastFailure, "lastFailure");
        Objects.requireNonNull(at, "at");
        if (healthy == lastFailure.isPresent()) {
            throw new IllegalArgumentException("zone " + zone + ": healthy exactly when there is no failure");
        }
    }
}
