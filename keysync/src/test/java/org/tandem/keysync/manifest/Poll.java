package org.tandem.keysync.manifest;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition to a deadline; the deadline scales with {@code -Dtandem.timing.multiple}. */
final class Poll {
    private static final double TIMING_MULTIPLE = Double.parseDouble(System.getProperty("tandem.timing.multiple", "1"));
    private static final long INTERVAL_MILLIS = 50;

    private Poll() {}

    static Duration scaled(Duration duration) {
        return Duration.ofMillis(Math.round(duration.toMillis() * TIMING_MULTIPLE));
    }

    /** Returns once {@code condition} holds; fails naming {@code what} after {@code timeout} (scaled). */
    static void until(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + scaled(timeout).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + scaled(timeout) + ": " + what);
            }
            Thread.sleep(INTERVAL_MILLIS);
        }
    }
}
