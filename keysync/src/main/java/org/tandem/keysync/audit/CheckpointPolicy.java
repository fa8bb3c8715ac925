package org.tandem.keysync.audit;

import java.time.Duration;
import java.util.Objects;

/**
 * When a signing {@link AuditLog} writes a checkpoint: after every {@code everyLines} lines, and
 * (through {@link AuditCheckpointTimer}) every {@code every} while the newest line is not yet
 * covered by one; also when it is opened and when the timer is closed. A verifier treats more than
 * {@code everyLines} unsigned lines at the end of a log as removed checkpoints.
 */
public record CheckpointPolicy(int everyLines, Duration every) {
    /** 100 lines or 60 s. */
    public static final CheckpointPolicy DEFAULT = new CheckpointPolicy(100, Duration.ofSeconds(60));

    public CheckpointPolicy {
        Objects.requireNonNull(every, "every");
        if (everyLines < 1 || every.isNegative() || every.isZero()) {
            throw new IllegalArgumentException(
                    "everyLines and every must be positive, got " + everyLines + ", " + every);
        }
    }
}
