package org.tandem.signer.sign;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.SigningException;

/**
 * Runs the parallel part of a signing run, for {@link ZoneSigner} (every RRset) and {@link IncrementalSigner}
 * (the RRsets a change touches): a fixed pool of daemon threads for one run, each task's result handed back
 * on the calling thread in completion order, and the failure of any task as the failure of the run.
 *
 * <p>Failures: a task's {@link SigningException}, {@link RuntimeException} or {@link Error} is re-thrown
 * as it is; any other cause becomes a {@link SigningException} naming the zone; an interrupt of the caller
 * restores the flag and fails the run. IMPORTANT: the pool is stopped and awaited before {@link #run}
 * returns or throws, so that no worker still uses an HSM afterwards; tasks should stop early when their
 * thread is interrupted.
 */
final class SigningPool {
    private static final Logger LOG = LoggerFactory.getLogger(SigningPool.class);
    private static final Duration STOP_WAIT = Duration.ofSeconds(60);

    /** One slice of the run; returns what {@link ResultSink} receives. */
    @FunctionalInterface
    interface Task<T> {
        T call() throws SigningException;
    }

    /** Receives each task's result on the calling thread. */
    @FunctionalInterface
    interface ResultSink<T> {
        void accept(T result);
    }

    private SigningPool() {}

    /**
     * Runs the tasks on {@code threads} threads named {@code <threadName>-<origin>-<n>} and waits for all.
     *
     * @param what the run's name in error messages ("signing", "re-signing")
     * @throws SigningException the first failure, or an interrupt; nothing was produced
     */
    static <T> void run(
            ZoneName origin, String what, String threadName, int threads, List<Task<T>> tasks, ResultSink<T> results)
            throws SigningException {
        Objects.requireNonNull(origin, "origin");
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, threadName + "-" + origin + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            CompletionService<T> done = new ExecutorCompletionService<>(pool);
            for (Task<T> task : tasks) {
                done.submit(task::call);
            }
            for (int i = 0; i < tasks.size(); i++) {
                results.accept(done.take().get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SigningException("zone " + origin + ": " + what + " interrupted; nothing was produced", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SigningException s) {
                throw s;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new SigningException("zone " + origin + ": " + what + " failed: " + cause, cause);
        } finally {
            stop(pool);
        }
    }

    private static void stop(ExecutorService pool) {
        pool.shutdownNow();
        try {
            if (!pool.awaitTermination(STOP_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                LOG.warn("event=signing-threads-still-running wait-s={}", STOP_WAIT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
