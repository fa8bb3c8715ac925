package org.tandem.signer.node;

import java.time.Duration;
import java.util.Objects;

/**
 * The clock-skew check of INV-D5 ({@code clock:} in {@code node.yaml}, optional): the node refuses to
 * sign while its wall clock disagrees with ZooKeeper server time by more than {@code maxSkew}.
 *
 * <p>Why 30 s by default: the signatures' inception is back-dated by 90 minutes (INV-D4) so that
 * validators whose clocks lag are tolerated; a signer ahead by S eats S of that margin (and a signer
 * behind by S lets its signatures expire S earlier than planned). 30 s leaves 89.5 of the 90 minutes
 * to the validators, while it is far above what NTP-synchronised hosts show (milliseconds) and above
 * the uncertainty of the ZooKeeper reading (half a round trip, milliseconds even on a loaded ensemble),
 * so it never refuses a healthy node. The upper bound, 15 minutes, keeps a misconfiguration from
 * consuming the back-dating.
 *
 * @param maxSkew the threshold, 100 ms to 15 m
 */
public record ClockConfig(Duration maxSkew) {
    /** Default threshold: 30 s. */
    public static final Duration DEFAULT_MAX_SKEW = Duration.ofSeconds(30);
    /** Smallest threshold: below it the ZooKeeper reading's own uncertainty would decide. */
    public static final Duration MIN_MAX_SKEW = Duration.ofMillis(100);
    /** Largest threshold: a sixth of the 90-minute inception back-dating (INV-D4). */
    public static final Duration MAX_MAX_SKEW = Duration.ofMinutes(15);

    public ClockConfig {
        Objects.requireNonNull(maxSkew, "maxSkew");
        if (maxSkew.compareTo(MIN_MAX_SKEW) < 0 || maxSkew.compareTo(MAX_MAX_SKEW) > 0) {
            throw new IllegalArgumentException(
                    "max-skew must be 100ms to 15m (the inception back-dating is 90 min), got "
                            + NodeConfig.human(maxSkew));
        }
    }

    /** The default: max-skew 30 s. */
    public static ClockConfig defaults() {
        return new ClockConfig(DEFAULT_MAX_SKEW);
    }
}
