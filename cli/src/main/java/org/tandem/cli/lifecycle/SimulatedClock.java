package org.tandem.cli.lifecycle;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * A clock the simulation moves by hand: time stands still until {@link #set} moves it on. Never
 * backwards. Used by one thread (the simulation's).
 */
final class SimulatedClock extends Clock {
    private Instant now;

    SimulatedClock(Instant start) {
        this.now = Objects.requireNonNull(start, "start");
    }

    /** Moves the clock to {@code to}, not before the current instant. */
    void set(Instant to) {
        Objects.requireNonNull(to, "to");
        if (to.isBefore(now)) {
            throw new IllegalStateException("simulated time runs forward only: " + to + " is before " + now);
        }
        now = to;
    }

    @Override
    public Instant instant() {
        return now;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the simulated clock is UTC only");
    }
}
