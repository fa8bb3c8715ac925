package org.tandem.signer.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.HsmException;

/**
 * Brings a removed HSM token back without a restart (INV-K6, F10; docs/hsm-recovery.md).
 *
 * <p>Every {@link #TICK} it asks each HSM whether its token answers ({@link Hsm#absence()}). A token
 * that does not is "absent since" that moment: the key-sync check ({@code ProvenKeySetCheck}) names it
 * and the node leaves the election at its next re-check, as for any key problem. While absent, this
 * re-opens the HSM ({@link Hsm#reopen()}: with PKCS#11 the library is finalized and initialised
 * again) after {@link #FIRST_RETRY}, doubling the wait up to {@link #MAX_RETRY}; each attempt is
 * logged with the HSM, its token and the PKCS#11 error. When the token is back it is re-opened, and
 * the election's next key re-check (every 5 s) proves the key set again by signing before the node
 * re-enters the election: nothing is signed with the token before that proof.
 *
 * <p>Health and metrics: {@link #problems()} ("HSM dc1-hsm1 (...) absent since ..., retrying") is
 * part of {@code /health}; {@code tandem_hsm_absent{hsm}} is 1 while absent, {@code
 * tandem_hsm_reopen_attempts_total{hsm}} counts the attempts.
 *
 * <p>Threads: one daemon thread of its own; {@link #problems()} from any thread.
 */
final class TokenRecovery implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TokenRecovery.class);
    /** How often each token is asked whether it answers. */
    static final Duration TICK = Duration.ofSeconds(1);
    /** The wait before the first re-open attempt. */
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    /** The longest wait between two attempts (the back-off doubles up to it). */
    static final Duration MAX_RETRY = Duration.ofSeconds(15);

    private final String node;
    private final List<Hsm> hsms;
    private final Clock clock;
    private final Map<Hsm, Absent> absent = new ConcurrentHashMap<>();
    private final Map<Hsm, Counter> attempts = new LinkedHashMap<>();
    private final ScheduledExecutorService thread;

    /** A token that does not answer: since when, why (last error), and when to try next. */
    private record Absent(Instant since, int attempts, Duration backoff, Instant next, String error) {}

    TokenRecovery(String node, List<Hsm> hsms, Clock clock, MeterRegistry registry) {
        this.node = Objects.requireNonNull(node, "node");
        this.hsms = List.copyOf(hsms);
        this.clock = Objects.requireNonNull(clock, "clock");
        for (Hsm h : this.hsms) {
            Gauge.builder("tandem.hsm.absent", absent, m -> m.containsKey(h) ? 1 : 0)
                    .description("1 while the HSM's token does not answer and the node retries opening it")
                    .tag("hsm", h.id().toString())
                    .register(registry);
            attempts.put(
                    h,
                    Counter.builder("tandem.hsm.reopen.attempts")
                            .description("attempts to open the HSM's token again after it was absent")
                            .tag("hsm", h.id().toString())
                            .register(registry));
        }
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "hsm-recovery-" + node);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the presence checks. */
    void start() {
        thread.scheduleWithFixedDelay(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One line per absent token: "HSM dc1-hsm1 absent since ..., retrying (...)"; empty when all answer. */
    List<String> problems() {
        List<String> out = new ArrayList<>();
        Instant now = clock.instant();
        for (Hsm h : hsms) {
            Absent a = absent.get(h);
            if (a != null) {
                long next = Math.max(0, Duration.between(now, a.next()).toSeconds());
                out.add(h + " absent since " + a.since() + ", retrying (" + a.attempts() + " attempts, next in " + next
                        + " s): " + a.error());
            }
        }
        return out;
    }

    /** Whether this HSM's token is absent now (as the last check found it). */
    boolean isAbsent(Hsm hsm) {
        return absent.containsKey(hsm);
    }

    void tick() {
        for (Hsm h : hsms) {
            try {
                check(h);
            } catch (RuntimeException e) {
                LOG.warn("node={} hsm={} event=token-check-failed error=\"{}\"", node, h.id(), e.toString());
            }
        }
    }

    private void check(Hsm h) {
        Instant now = clock.instant();
        Absent a = absent.get(h);
        if (a == null) {
            Optional<String> why = h.absence();
            if (why.isEmpty()) {
                return;
            }
            absent.put(h, new Absent(now, 0, FIRST_RETRY, now.plus(FIRST_RETRY), why.get()));
            LOG.warn(
                    "node={} hsm={} event=token-absent since={} error=\"{}\" action=\"leaving the election; "
                            + "re-opening the token with back-off ({} s up to {} s)\"",
                    node,
                    h,
                    now,
                    why.get(),
                    FIRST_RETRY.toSeconds(),
                    MAX_RETRY.toSeconds());
            return;
        }
        if (now.isBefore(a.next())) {
            return;
        }
        int attempt = a.attempts() + 1;
        attempts.get(h).increment();
        try {
            h.reopen();
        } catch (HsmException | RuntimeException e) {
            Duration wait = a.backoff().multipliedBy(2);
            if (wait.compareTo(MAX_RETRY) > 0) {
                wait = MAX_RETRY;
            }
            absent.put(h, new Absent(a.since(), attempt, wait, now.plus(wait), e.getMessage()));
            LOG.warn(
                    "node={} hsm={} event=token-reopen-failed attempt={} absent_since={} error=\"{}\" next_in={}s",
                    node,
                    h,
                    attempt,
                    a.since(),
                    e.getMessage(),
                    wait.toSeconds());
            return;
        }
        Optional<String> still = h.absence();
        if (still.isPresent()) {
            absent.put(h, new Absent(a.since(), attempt, a.backoff(), now.plus(a.backoff()), still.get()));
            LOG.warn(
                    "node={} hsm={} event=token-reopened-but-absent attempt={} error=\"{}\"",
                    node,
                    h,
                    attempt,
                    still.get());
            return;
        }
        absent.remove(h);
        LOG.info(
                "node={} hsm={} event=token-back attempt={} absent_since={} absent_for={}s action=\"keys are proven "
                        + "again (signing) at the next key re-check before the node re-enters the election\"",
                node,
                h,
                attempt,
                a.since(),
                Duration.between(a.since(), now).toSeconds());
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
