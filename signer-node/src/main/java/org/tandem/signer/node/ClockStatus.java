package org.tandem.signer.node;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The node's clock against ZooKeeper server time (INV-D5), for status, metrics and {@code /health}.
 *
 * @param skew local minus ZooKeeper, positive when the local clock is ahead; empty when unknown
 * @param maxSkew the configured threshold
 * @param ok whether the node may sign: the skew is known and within the threshold
 * @param detail one line ({@code clock skew +86400.2 s vs ZooKeeper exceeds max-skew 30 s})
 */
public record ClockStatus(Optional<Duration> skew, Duration maxSkew, boolean ok, String detail) {
    public ClockStatus {
        Objects.requireNonNull(skew, "skew");
        Objects.requireNonNull(maxSkew, "maxSkew");
        Objects.requireNonNull(detail, "detail");
        if (ok && skew.isEmpty()) {
            throw new IllegalArgumentException("an unknown skew cannot be ok");
        }
    }
}
