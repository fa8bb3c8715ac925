package org.tandem.signer.election;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reference clock for unit tests: the "true" time is the {@link ManualClock}'s wall time minus the
 * offset the test set ({@link #localAhead}), read with a round trip of {@link #roundTrip} (which
 * advances the manual clock); {@link #fail} makes readings throw.
 */
final class FakeClockReference implements ClockReference {
    private final ManualClock clock;
    volatile Duration localAhead = Duration.ZERO;
    volatile Duration roundTrip = Duration.ofMillis(4);
    volatile String failure;
    final AtomicInteger calls = new AtomicInteger();

    FakeClockReference(ManualClock clock) {
        this.clock = clock;
    }

    void fail(String why) {
        failure = why;
    }

    @Override
    public ClockSample sample() throws ClockReferenceException {
        calls.incrementAndGet();
        if (failure != null) {
            throw new ClockReferenceException("/fake/clocks/node-a", failure, null);
        }
        Instant wall = clock.instant();
        long before = clock.nanoTime();
        clock.advance(roundTrip.dividedBy(2));
        Instant reference = clock.instant().minus(localAhead);
        clock.advance(roundTrip.dividedBy(2));
        return new ClockSample(reference, wall, before, clock.nanoTime());
    }
}
