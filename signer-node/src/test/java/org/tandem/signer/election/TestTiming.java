package org.tandem.signer.election;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition to a deadline; deadlines scale with {@code -Dtandem.timing.multiple}. */
final class TestTiming {
    static final double MULTIPLE = Double.parseDouble(System.getProperty("tandem.timing.multiple", "1"));
    private static final long INTERVAL_MILLIS = 20;

    private TestTiming() {}

    static Duration scaled(Duration d) {
        return Duration.ofMillis(Math.round(d.toMillis() * MULTIPLE));
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
