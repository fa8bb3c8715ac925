package org.tandem.keysync.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A UTC wall clock that stands still until the test sets or advances it (for code that takes a {@link
 * Clock}: planners, watchdogs, back-off schedules). Thread-safe: the code under test may read it from
 * its own threads.
 */
public final class SettableClock extends Clock {
    private final AtomicReference<Instant> now;

    public SettableClock(Instant start) {
        this.now = new AtomicReference<>(Objects.requireNonNull(start, "start"));
    }

    /** Sets the time (it may go backwards, as a wall clock can). */
    public void set(Instant t) {
        now.set(Objects.requireNonNull(t, "t"));
    }

    /** Moves the time on by {@code d}. */
    public void advance(Duration d) {
        now.updateAndGet(t -> t.plus(d));
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
