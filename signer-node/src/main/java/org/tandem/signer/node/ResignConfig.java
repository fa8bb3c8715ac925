package org.tandem.signer.node;

import java.time.Duration;
import java.util.Objects;
import org.tandem.signer.schedule.ResignPlanner;

/**
 * How the node schedules re-signing ({@code resign:} in {@code node.yaml}, optional).
 *
 * @param floor the minimum time between the starts of two signing runs of one zone (the
 *     {@code ResignPlanner} floor); shorter than every zone's policy refresh
 * @param debounce how long a zone's source file must stay quiet before the change is taken in
 *     (the {@code SourceWatcher} debounce), 0 to 1 minute
 */
public record ResignConfig(Duration floor, Duration debounce) {
    /** Default floor: at most one run of a zone every 10 seconds. */
    public static final Duration DEFAULT_FLOOR = ResignPlanner.DEFAULT_FLOOR;
    /** Default debounce: half a second, enough for an editor's save or an rsync of one file. */
    public static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(500);

    public ResignConfig {
        Objects.requireNonNull(floor, "floor");
        Objects.requireNonNull(debounce, "debounce");
        if (floor.isNegative()) {
            throw new IllegalArgumentException("re-sign floor must not be negative, got " + floor);
        }
        if (debounce.isNegative() || debounce.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("debounce must be 0 to 1m, got " + debounce);
        }
    }

    /** The defaults: floor 10 s, debounce 500 ms. */
    public static ResignConfig defaults() {
        return new ResignConfig(DEFAULT_FLOOR, DEFAULT_DEBOUNCE);
    }
}
