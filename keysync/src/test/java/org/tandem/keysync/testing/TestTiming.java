package org.tandem.keysync.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Polls a condition to a deadline instead of sleeping (CONVENTIONS: no bare {@code Thread.sleep});
 * deadlines scale with {@code -Dtandem.timing.multiple} for slow machines. Shared by every module's
 * tests through the keysync test-jar.
 */
public final class TestTiming {
    /** The factor every deadline is multiplied by (default 1). */
    public static final double MULTIPLE = Double.parseDouble(System.getProperty("tandem.timing.multiple", "1"));

    private static final long INTERVAL_MILLIS = 20;

    private TestTiming() {}

    /** {@code d} times {@link #MULTIPLE}. */
    public static Duration scaled(Duration d) {
        return Duration.ofMillis(Math.round(d.toMillis() * MULTIPLE));
    }

    /** Returns once {@code condition} holds; fails naming {@code what} after {@code timeout} (scaled). */
    public static void until(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + scaled(timeout).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + scaled(timeout) + ": " + what);
            }
            Thread.sleep(INTERVAL_MILLIS);
        }
    }
}
