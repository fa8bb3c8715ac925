package org.tandem.signer.watchdog;

import java.time.Duration;
import java.util.Objects;

/**
 * The watchdog's thresholds.
 *
 * @param warn earliest RRSIG expiry sooner than this: WARNING
 * @param critical earliest RRSIG expiry sooner than this: CRITICAL; positive, shorter than {@code warn}
 * @param grace how long a copy may serve an older serial than the published one before it counts as
 *     stale (one watchdog interval); positive
 */
public record Thresholds(Duration warn, Duration critical, Duration grace) {
    public Thresholds {
        Objects.requireNonNull(warn, "warn");
        Objects.requireNonNull(critical, "critical");
        Objects.requireNonNull(grace, "grace");
        if (critical.isNegative() || critical.isZero() || critical.compareTo(warn) >= 0) {
            throw new IllegalArgumentException(
                    "critical must be positive and shorter than warn: critical " + critical + ", warn " + warn);
        }
        if (grace.isNegative() || grace.isZero()) {
            throw new IllegalArgumentException("grace must be positive, got " + grace);
        }
    }
}
