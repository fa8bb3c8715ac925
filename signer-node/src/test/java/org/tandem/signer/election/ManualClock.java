package org.tandem.signer.election;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A wall clock and a monotonic clock the test moves: {@link #advance} moves both (time passes),
 * {@link #jump} only the wall clock (an NTP step, a VM resume, libfaketime).
 */
final class ManualClock extends Clock {
    private final AtomicLong wallNanos;
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    ManualClock(Instant start) {
        this.wallNanos = new AtomicLong(start.getEpochSecond() * 1_000_000_000L + start.getNano());
    }

    void advance(Duration d) {
        wallNanos.addAndGet(d.toNanos());
        nanos.addAndGet(d.toNanos());
    }

    void jump(Duration d) {
        wallNanos.addAndGet(d.toNanos());
    }

    long nanoTime() {
        return nanos.get();
    }

    @Override
    public Instant instant() {
        long w = wallNanos.get();
        return Instant.ofEpochSecond(Math.floorDiv(w, 1_000_000_000L), Math.floorMod(w, 1_000_000_000L));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("UTC only");
    }
}
