package org.tandem.signer.election;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clock-skew guard of INV-D5: the signer refuses to sign while its wall clock disagrees with a
 * {@link ClockReference} (ZooKeeper server time) by more than {@code maxSkew}.
 *
 * <p>How: {@link #sample()} reads the reference (the election calls it at every re-check, 5 s, and at
 * start) and keeps the skew with the local (wall, monotonic) readings of that moment. Between
 * samples {@link #verdict()} extrapolates without a round trip: projected skew = skew at the sample +
 * (wall now − wall at the sample) − (monotonic now − monotonic at the sample). So a jump of the wall
 * clock (an NTP step, a VM resume, libfaketime) shows at once, while the monotonic clock (which the
 * leases use) is trusted; slow drift shows at the next sample.
 *
 * <p>A reading that fails, or whose uncertainty (half its round trip) exceeds half of {@code maxSkew},
 * is not taken: the previous one stays (and keeps being extrapolated); before the first good reading
 * the skew is unknown, which refuses too.
 *
 * <p>Threads: {@link #sample()} from one thread at a time; {@link #verdict()} from any thread.
 */
public final class ClockGuard {
    private static final Logger LOG = LoggerFactory.getLogger(ClockGuard.class);

    private final String node;
    private final ClockReference reference;
    private final String referenceName;
    private final Duration maxSkew;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private volatile Anchor anchor;
    private volatile String note = "no reference reading yet";
    private boolean lastOk = true;

    /** The last good reading: skew then, and the local readings it is extrapolated from. */
    private record Anchor(long skewNanos, Instant wall, long nano, Duration uncertainty) {}

    /**
     * @param node this node's name, for the log lines
     * @param reference the reference clock
     * @param referenceName its name in messages ({@code ZooKeeper})
     * @param maxSkew the threshold, positive
     * @param clock the wall clock the node signs with (the same one)
     */
    public ClockGuard(String node, ClockReference reference, String referenceName, Duration maxSkew, Clock clock) {
        this(node, reference, referenceName, maxSkew, clock, System::nanoTime);
    }

    ClockGuard(
            String node,
            ClockReference reference,
            String referenceName,
            Duration maxSkew,
            Clock clock,
            LongSupplier nanoTime) {
        this.node = Objects.requireNonNull(node, "node");
        this.reference = Objects.requireNonNull(reference, "reference");
        this.referenceName = Objects.requireNonNull(referenceName, "referenceName");
        this.maxSkew = Objects.requireNonNull(maxSkew, "maxSkew");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        if (maxSkew.isNegative() || maxSkew.isZero()) {
            throw new IllegalArgumentException("maxSkew must be positive, got " + maxSkew);
        }
    }

    /** The threshold. */
    public Duration maxSkew() {
        return maxSkew;
    }

    /**
     * Reads the reference once and takes the reading when it is good; logs at ERROR when the clock
     * goes out of the threshold, at INFO when it comes back.
     *
     * @return the verdict right after the reading
     * @throws InterruptedException if interrupted while reading
     */
    public ClockVerdict sample() throws InterruptedException {
        try {
            ClockSample s = reference.sample();
            if (s.uncertainty().compareTo(maxSkew.dividedBy(2)) > 0) {
                note = "reading discarded: round trip " + s.roundTrip().toMillis() + " ms is too long for max-skew "
                        + ClockVerdict.seconds(maxSkew);
            } else {
                anchor = new Anchor(s.skew().toNanos(), s.wallMid(), s.nanoMid(), s.uncertainty());
                note = "";
            }
        } catch (ClockReferenceException e) {
            note = e.getMessage();
        }
        ClockVerdict v = verdict();
        if (v.ok() != lastOk) {
            if (v.ok()) {
                LOG.info("node={} event=clock-ok {}", node, v.describe());
            } else {
                LOG.error("node={} event=clock-skew {}; the node does not sign", node, v.describe());
            }
            lastOk = v.ok();
        }
        return v;
    }

    /** The verdict now, extrapolated from the last good reading: no round trip. */
    public ClockVerdict verdict() {
        return verdictAt(clock.instant());
    }

    /**
     * The verdict for a wall-clock reading {@code wall} taken just now (e.g. the time a signing run
     * is about to put into its RRSIGs): checks that very reading, not a later one.
     */
    public ClockVerdict verdictAt(Instant wall) {
        Objects.requireNonNull(wall, "wall");
        Anchor a = anchor;
        if (a == null) {
            return new ClockVerdict(Optional.empty(), Duration.ZERO, maxSkew, referenceName, note);
        }
        long nanos = a.skewNanos() + Duration.between(a.wall(), wall).toNanos() - (nanoTime.getAsLong() - a.nano());
        return new ClockVerdict(Optional.of(Duration.ofNanos(nanos)), a.uncertainty(), maxSkew, referenceName, note);
    }

    @Override
    public String toString() {
        return "ClockGuard[" + node + ": " + verdict().describe() + "]";
    }
}
