package org.tandem.keysync.audit;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the time-based and the final checkpoints of a signing {@link AuditLog}: every {@link
 * CheckpointPolicy#every()} a checkpoint if the newest line is not signed yet, and one on {@link
 * #close()}, so that a cleanly stopped writer leaves a log that ends in a signed checkpoint.
 *
 * <p>Contracts: one daemon thread; the owner closes it before it closes the HSM that holds the key.
 * A checkpoint that cannot be written (I/O error, corrupt last line) is logged and tried again at
 * the next tick; one that cannot be signed is recorded by {@link AuditLog#checkpoint} itself.
 */
public final class AuditCheckpointTimer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditCheckpointTimer.class);

    private final AuditLog log;
    private final ScheduledExecutorService executor;

    private AuditCheckpointTimer(AuditLog log, ScheduledExecutorService executor) {
        this.log = log;
        this.executor = executor;
    }

    /**
     * Starts the timer for {@code log}, which must have been opened with a signer.
     *
     * @throws IllegalArgumentException if the log writes no checkpoints
     */
    public static AuditCheckpointTimer start(AuditLog log) {
        Objects.requireNonNull(log, "log");
        if (log.signer().isEmpty()) {
            throw new IllegalArgumentException("audit log " + log.file() + " has no audit-signing key");
        }
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "audit-checkpoints");
            t.setDaemon(true);
            return t;
        });
        AuditCheckpointTimer timer = new AuditCheckpointTimer(log, executor);
        Duration every = log.checkpointPolicy().every();
        executor.scheduleWithFixedDelay(
                () -> timer.checkpoint("interval"), every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        return timer;
    }

    private void checkpoint(String reason) {
        try {
            log.checkpoint(reason);
        } catch (AuditLogException e) {
            LOG.error("audit checkpoint reason={} not written: {}", reason, e.getMessage());
        }
    }

    /** Stops the timer and writes the final checkpoint. Idempotent; keeps an interrupt flag. */
    @Override
    public void close() {
        if (executor.isShutdown()) {
            return;
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("audit checkpoint timer file={} still running after 30 s", log.file());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        checkpoint("close");
    }
}
