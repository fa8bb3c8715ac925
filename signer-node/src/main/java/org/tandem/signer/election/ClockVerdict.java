package org.tandem.signer.election;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether this node's wall clock agrees with the reference now (INV-D5).
 *
 * @param skew local minus reference, positive when the local clock is ahead; empty when unknown (no
 *     reference reading yet)
 * @param uncertainty how far off {@code skew} can be (half the round trip of the reading, plus 1 ms);
 *     zero when unknown
 * @param maxSkew the threshold: the node signs only while {@code |skew| <= maxSkew}
 * @param reference what the local clock is compared with, for messages ({@code ZooKeeper})
 * @param note why the skew is unknown, or the last failed reading (empty when none)
 */
public record ClockVerdict(
        Optional<Duration> skew, Duration uncertainty, Duration maxSkew, String reference, String note) {
    public ClockVerdict {
        Objects.requireNonNull(skew, "skew");
        Objects.requireNonNull(uncertainty, "uncertainty");
        Objects.requireNonNull(maxSkew, "maxSkew");
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(note, "note");
        if (uncertainty.isNegative() || maxSkew.isNegative() || maxSkew.isZero()) {
            throw new IllegalArgumentException(
                    "uncertainty must be >= 0 and maxSkew > 0, got " + uncertainty + ", " + maxSkew);
        }
    }

    /** True when the skew is known and within the threshold: the node may sign. */
    public boolean ok() {
        return skew.isPresent() && skew.get().abs().compareTo(maxSkew) <= 0;
    }

    /** The skew in seconds, NaN when unknown (for the gauge). */
    public double skewSeconds() {
        return skew.map(s -> s.toNanos() / 1e9).orElse(Double.NaN);
    }

    /**
     * One line for logs, status and {@code /health}: {@code clock skew +86400.2 s vs ZooKeeper exceeds
     * max-skew 30 s}, {@code clock skew +0.0 s vs ZooKeeper (±0.003 s) within max-skew 30 s}, or
     * {@code clock skew unknown vs ZooKeeper: <note>}.
     */
    public String describe() {
        if (skew.isEmpty()) {
            return "clock skew unknown vs " + reference + (note.isEmpty() ? "" : ": " + note);
        }
        String s = String.format(Locale.ROOT, "clock skew %+.1f s vs %s", skewSeconds(), reference);
        if (!ok()) {
            return s + " exceeds max-skew " + seconds(maxSkew);
        }
        return s
                + String.format(Locale.ROOT, " (±%.3f s) within max-skew ", uncertainty.toNanos() / 1e9)
                + seconds(maxSkew);
    }

    static String seconds(Duration d) {
        if (d.toNanos() % 1_000_000_000L == 0) {
            return d.toSeconds() + " s";
        }
        return String.format(Locale.ROOT, "%.3f s", d.toNanos() / 1e9);
    }
}
