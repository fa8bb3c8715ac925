package org.tandem.chaos.inet;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.tandem.chaos.history.CapturedVersion;
import org.tandem.chaos.history.JsonLines;
import org.xbill.DNS.Name;

/**
 * The observer's two threads: the prober (one query every interval, the queries in turn, each answer a
 * line of {@code prober.jsonl}) and the capturer (the authoritative server's SOA every interval, every
 * new serial into {@code published/} and {@code captures.jsonl}). Errors are printed to {@code err}
 * (one line when an error starts or changes, one when it clears) and never stop a thread.
 *
 * <p>Lifecycle: {@link #start} once, {@link #close} from any thread (idempotent): stops both threads,
 * waits for them and closes the record files.
 */
final class Observer implements AutoCloseable {
    private static final Duration JOIN = Duration.ofSeconds(5);

    private final List<Query> queries;
    private final Duration interval;
    private final Prober prober;
    private final Capturer capturer;
    private final JsonLines proberLog;
    private final JsonLines captures;
    private final PrintStream err;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread proberThread;
    private final Thread captureThread;
    private volatile boolean closed;

    Observer(
            InetSocketAddress resolver,
            InetSocketAddress auth,
            Name zone,
            List<Query> queries,
            Duration interval,
            Duration timeout,
            Path out,
            Clock clock,
            PrintStream err)
            throws IOException {
        this.queries = List.copyOf(queries);
        this.interval = Objects.requireNonNull(interval, "interval");
        this.err = Objects.requireNonNull(err, "err");
        this.proberLog = JsonLines.append(out.resolve(ObserverMain.PROBER));
        JsonLines c = null;
        try {
            c = JsonLines.append(out.resolve(ObserverMain.CAPTURES));
        } finally {
            if (c == null) {
                proberLog.close();
            }
        }
        this.captures = c;
        this.prober = new Prober(resolver, timeout, clock);
        this.capturer = new Capturer(zone, auth, timeout, out, captures, clock);
        this.proberThread = new Thread(this::probeLoop, "observer-prober");
        this.captureThread = new Thread(this::captureLoop, "observer-capture");
    }

    void start() {
        proberThread.start();
        captureThread.start();
    }

    private void probeLoop() {
        String failing = null;
        for (int i = 0; !stopped(); i = (i + 1) % queries.size()) {
            long start = System.nanoTime();
            try {
                proberLog.write(prober.probe(queries.get(i)));
                if (failing != null) {
                    err.println("observer: prober writes " + ObserverMain.PROBER + " again");
                    failing = null;
                }
            } catch (IOException | RuntimeException e) {
                // the thread's boundary: a failed round is reported and the next one tried
                String m = "observer: cannot record the answer to "
                        + queries.get(i).name() + " " + queries.get(i).typeName() + " in " + ObserverMain.PROBER + ": "
                        + e;
                if (!m.equals(failing)) {
                    err.println(m);
                    failing = m;
                }
            }
            if (pause(start)) {
                return;
            }
        }
    }

    private void captureLoop() {
        String failing = null;
        while (!stopped()) {
            long start = System.nanoTime();
            try {
                for (CapturedVersion v : capturer.poll().stream().toList()) {
                    err.println("observer: captured zone=" + v.zone() + " serial=" + v.serial() + " records="
                            + v.records() + " file=" + v.file());
                }
                if (failing != null) {
                    err.println("observer: capture works again");
                    failing = null;
                }
            } catch (IOException | RuntimeException e) {
                // the thread's boundary: the authoritative server may be down or refusing; try again next round
                String m = "observer: capture failed: " + e.getMessage();
                if (!m.equals(failing)) {
                    err.println(m);
                    failing = m;
                }
            }
            if (pause(start)) {
                return;
            }
        }
    }

    /** Waits until {@code interval} after {@code start}; true when stopped meanwhile. */
    private boolean pause(long start) {
        long left = interval.toNanos() - (System.nanoTime() - start);
        try {
            return stop.await(Math.max(left, 0), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    private boolean stopped() {
        return stop.getCount() == 0 || Thread.currentThread().isInterrupted();
    }

    /** Blocks until {@link #close} was called. */
    void awaitClosed() throws InterruptedException {
        stop.await();
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        stop.countDown();
        try {
            // a transfer in progress is not waited for to its end: the files are closed after 5 s anyway
            proberThread.join(JOIN.toMillis());
            captureThread.join(JOIN.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            proberLog.close();
        } finally {
            captures.close();
        }
    }
}
