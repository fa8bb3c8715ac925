package org.tandem.signer.node;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * An order to give up leadership.
 *
 * @param caller the CN of the verified caller certificate that gave it, for the log
 * @param reason the caller's reason, free text up to {@value #MAX_REASON} characters, may be empty
 * @param holdOff how long to stay out of the election afterwards, at most {@link #MAX_HOLD_OFF};
 *     empty for the node's default
 */
public record StepDownOrder(String caller, String reason, Optional<Duration> holdOff) {
    public static final int MAX_REASON = 200;
    /** The longest hold-off an order may ask for: a day (a longer absence is a stopped node, not a step-down). */
    public static final Duration MAX_HOLD_OFF = Duration.ofDays(1);

    public StepDownOrder {
        Objects.requireNonNull(caller, "caller");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(holdOff, "holdOff");
        if (reason.length() > MAX_REASON) {
            throw new IllegalArgumentException("reason is longer than " + MAX_REASON + " characters");
        }
        if (holdOff.isPresent() && (holdOff.get().isNegative() || holdOff.get().isZero())) {
            throw new IllegalArgumentException("hold-off must be positive, got " + holdOff.get());
        }
        if (holdOff.isPresent() && holdOff.get().compareTo(MAX_HOLD_OFF) > 0) {
            throw new IllegalArgumentException("hold-off of " + holdOff.get().toSeconds() + " s is longer than the "
                    + MAX_HOLD_OFF.toSeconds() + " s an order may ask for");
        }
    }
}
