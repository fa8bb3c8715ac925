package org.tandem.signer.election;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One reading of the reference clock, with the local readings around it: the reference's time
 * {@code reference} was stamped somewhere between the local readings {@code (wallBefore, nanoBefore)}
 * and {@code nanoAfter}. The local wall clock at the midpoint is {@code wallBefore + (nanoAfter −
 * nanoBefore) / 2}, measured with the monotonic clock so that a wall-clock jump during the call
 * does not distort it.
 *
 * @param reference the reference time (ZooKeeper: the mtime the leader stamped on our write)
 * @param wallBefore the local wall clock just before the call
 * @param nanoBefore {@link System#nanoTime()} (or the injected equivalent) just before the call
 * @param nanoAfter the same just after the call; not before {@code nanoBefore}
 */
public record ClockSample(Instant reference, Instant wallBefore, long nanoBefore, long nanoAfter) {
    /** The resolution of ZooKeeper's mtime (milliseconds): added to every uncertainty. */
    static final Duration RESOLUTION = Duration.ofMillis(1);

    public ClockSample {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(wallBefore, "wallBefore");
        if (nanoAfter - nanoBefore < 0) {
            throw new IllegalArgumentException("nanoAfter " + nanoAfter + " is before nanoBefore " + nanoBefore);
        }
    }

    /** The round trip of the call. */
    public Duration roundTrip() {
        return Duration.ofNanos(nanoAfter - nanoBefore);
    }

    /** The local wall clock at the midpoint of the call. */
    Instant wallMid() {
        return wallBefore.plusNanos((nanoAfter - nanoBefore) / 2);
    }

    /** The monotonic reading at the midpoint of the call. */
    long nanoMid() {
        return nanoBefore + (nanoAfter - nanoBefore) / 2;
    }

    /** Local minus reference at the midpoint: positive when the local clock is ahead. */
    public Duration skew() {
        return Duration.between(reference, wallMid());
    }

    /** How far off {@link #skew()} can be: half the round trip plus the reference's resolution. */
    public Duration uncertainty() {
        return roundTrip().dividedBy(2).plus(RESOLUTION);
    }
}
