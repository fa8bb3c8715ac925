package org.tandem.signer.election;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The system wall clock plus an offset the test changes while the code runs: a wall-clock jump
 * (System.nanoTime is untouched), for the ITs that use a real ZooKeeper as the reference.
 */
public final class JumpableClock extends Clock {
    private volatile Duration offset = Duration.ZERO;

    public void set(Duration offset) {
        this.offset = offset;
    }

    /** The offset set last. */
    public Duration offset() {
        return offset;
    }

    @Override
    public Instant instant() {
        return Instant.now().plus(offset);
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
