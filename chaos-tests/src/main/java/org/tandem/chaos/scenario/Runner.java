package org.tandem.chaos.scenario;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import org.tandem.chaos.cluster.Cluster;
import org.tandem.chaos.history.CapturedVersion;
import org.tandem.chaos.history.ClusterSample;

/**
 * Runs scenarios one after the other on one cluster: waits for convergence, runs the scenario (which
 * heals its fault), waits for convergence again ({@code convergence} is violated if it does not come
 * within {@link #CONVERGE}) and for the last committed version at the authoritative server ({@code
 * distribution} is violated if it is not there within {@link #DISTRIBUTE}), checks the invariants on
 * the history, writes the report after each.
 */
public final class Runner {
    static final Duration CONVERGE = Duration.ofSeconds(90);
    /** How long the last committed version may take to reach the authoritative server once converged. */
    static final Duration DISTRIBUTE = Duration.ofSeconds(15);

    private final Cluster cluster;
    private final Path report;
    private final PrintWriter out;
    private final Checker checker;
    private final List<Trial> trials = new ArrayList<>();
    private final Instant started = Instant.now();
    private volatile boolean stopping;
    private volatile Nemesis nemesis;

    public Runner(Cluster cluster, Path report, PrintWriter out) {
        this.cluster = cluster;
        this.report = report;
        this.out = out;
        this.checker = new Checker(report);
    }

    /** Runs every scenario {@code rounds} times (all of round 1, then all of round 2, ...). */
    public List<Trial> run(List<Scenario> scenarios, int rounds) throws Exception {
        cluster.startChurn();
        for (int round = 1; round <= rounds && !stopping; round++) {
            for (Scenario s : scenarios) {
                if (stopping) {
                    break;
                }
                Trial t = runOne(s, round);
                if (stopping) {
                    // the cluster went away under it: not a result
                    break;
                }
                trials.add(t);
                Report.write(report, trials, started, null, nemesis);
            }
        }
        return List.copyOf(trials);
    }

    /**
     * The random nemesis (Jepsen style): until {@code duration} is over, draws the next fault from
     * {@code catalogue} with a {@link Random} seeded with {@code seed} (each scenario's own random
     * choices are seeded from it too), runs it with the zone churning, and checks every invariant on
     * the scenario's history; at the end once more on the whole run's history (trial {@code
     * nemesis-history}). The schedule is in the report ({@code nemesis}): the same seed draws the same
     * schedule.
     */
    public List<Trial> runRandom(List<Scenario> catalogue, Duration duration, long seed) throws Exception {
        cluster.startChurn();
        Random r = new Random(seed);
        nemesis = new Nemesis(seed, duration, new ArrayList<>());
        Instant from = Instant.now();
        long end = System.nanoTime() + duration.toNanos();
        int round = 0;
        while (System.nanoTime() < end && !stopping) {
            Scenario s = catalogue.get(r.nextInt(catalogue.size()));
            long scenarioSeed = r.nextLong();
            round++;
            nemesis.schedule().add(new Nemesis.Step(round, s.name(), scenarioSeed, Instant.now()));
            Trial t = runOne(s, round, scenarioSeed);
            if (stopping) {
                break;
            }
            trials.add(t);
            Report.write(report, trials, started, null, nemesis);
        }
        if (!stopping) {
            Trial whole = new Trial("nemesis-history", 1);
            whole.start = from;
            whole.end = Instant.now();
            whole.fault = "every fault of the schedule (" + nemesis.schedule().size() + ")";
            whole.leaderBefore = trials.isEmpty() ? "" : trials.get(0).leaderBefore;
            checker.check(whole, cluster.ledger(), cluster.captures(), cluster.prober(), cluster.samples());
            whole.sourceChanges = cluster.churned();
            trials.add(whole);
            Report.write(report, trials, started, null, nemesis);
            out.printf(
                    Locale.ROOT,
                    "chaos: the whole history of the nemesis run: %s%n",
                    whole.passed()
                            ? "PASSED"
                            : "FAILED; violated: "
                                    + whole.violations.stream()
                                            .map(v -> v.invariant() + ": " + v.detail())
                                            .toList());
        }
        return List.copyOf(trials);
    }

    /**
     * The run is being interrupted (SIGINT/SIGTERM): the scenario in progress is dropped from the
     * report, no further one starts; the report keeps what completed, marked interrupted.
     */
    public void stop() {
        stopping = true;
        try {
            Report.write(
                    report,
                    trials,
                    started,
                    "interrupted after " + trials.size() + " completed scenario run(s)",
                    nemesis);
        } catch (IOException e) {
            // the report of the completed runs is on disk already
        }
    }

    /**
     * The watch copies the ledger from ZooKeeper on its own thread, the observer captures from the
     * authoritative server on another: a version committed and served just before the trial's end may be
     * captured before the watch has copied its commit. Waits up to {@link #LEDGER_COPY} until every serial
     * captured in the trial is in the copy; one still missing then is judged (INV-L4) as it is.
     */
    private void awaitLedgerCopy(Trial t) throws InterruptedException {
        Set<Long> captured = new HashSet<>();
        for (CapturedVersion v : cluster.captures()) {
            if (!v.at().isBefore(t.start) && !v.at().isAfter(t.end)) {
                captured.add(v.serial());
            }
        }
        for (long end = System.nanoTime() + LEDGER_COPY.toNanos(); ; Thread.sleep(200)) {
            Set<Long> missing = new HashSet<>(captured);
            cluster.ledger().forEach(e -> missing.remove(e.serial()));
            if (missing.isEmpty() || System.nanoTime() > end) {
                return;
            }
        }
    }

    /** How long the watch's copy of the ledger may lag behind the observer's captures at the trial's end. */
    static final Duration LEDGER_COPY = Duration.ofSeconds(10);

    private Trial runOne(Scenario s, int round) throws Exception {
        return runOne(s, round, System.nanoTime());
    }

    private Trial runOne(Scenario s, int round, long seed) throws Exception {
        Trial t = new Trial(s.name(), round);
        t.seed = seed;
        out.printf("chaos: [%s%s] %s%n", s.name(), round > 1 ? " #" + round : "", s.description());
        out.flush();
        ClusterSample before;
        try {
            before = cluster.awaitConverged(CONVERGE);
        } catch (RuntimeException e) {
            t.start = Instant.now();
            t.violate("convergence", "the cluster had not converged before the scenario: " + e.getMessage());
            t.end = Instant.now();
            return t;
        }
        t.leaderBefore = before.latch().get(0);
        t.serialBefore = before.lastSerial();
        t.epochBefore = before.epoch();
        t.start = Instant.now();
        long churnedBefore = cluster.churned();
        t.check("convergence");
        t.check("distribution");
        try {
            s.run(cluster, t);
        } catch (RuntimeException e) {
            t.violate("scenario", e.getMessage());
        }
        try {
            ClusterSample after = cluster.awaitConverged(CONVERGE);
            t.note("converged " + secondsSince(t.healedAt != null ? t.healedAt : t.faultAt) + " after the heal: "
                    + after.latch().get(0) + " leads epoch " + after.epoch() + ", serial " + after.lastSerial());
            long last = after.lastSerial();
            try {
                // the zone churns: a later serial may overtake it on the way
                cluster.poll(
                        "serial " + last + " (or a later one) at the authoritative server",
                        DISTRIBUTE,
                        () -> Waits.arrived(cluster, last));
            } catch (RuntimeException e) {
                t.violate(
                        "distribution",
                        "the last committed serial " + last + " did not reach the authoritative server within "
                                + DISTRIBUTE.toSeconds() + " s of convergence");
            }
        } catch (RuntimeException e) {
            t.violate(
                    "convergence",
                    "no convergence within " + CONVERGE.toSeconds() + " s after the heal: " + e.getMessage());
        }
        // let the observer and the watch catch up with the last version
        Thread.sleep(1_000);
        t.end = Instant.now();
        awaitLedgerCopy(t);
        t.sourceChanges = cluster.churned() - churnedBefore;
        checker.check(t, cluster.ledger(), cluster.captures(), cluster.prober(), cluster.samples());
        if (!t.passed()) {
            // while the nodes still are as the judge found them: the next scenario restarts them
            t.note("thread dumps: " + cluster.dumpThreads(s.name()));
        }
        out.printf(
                Locale.ROOT,
                "chaos: [%s] %s in %.0f s%s, prober ad=%d servfail=%d timeout=%d other=%d%s%n",
                s.name(),
                t.passed() ? "PASSED" : "FAILED",
                t.duration().toMillis() / 1000.0,
                t.takeoverSeconds == null ? "" : String.format(Locale.ROOT, ", takeover %.2f s", t.takeoverSeconds),
                t.prober[0],
                t.prober[1],
                t.prober[2],
                t.prober[3],
                t.passed()
                        ? ""
                        : "; violated: "
                                + t.violations.stream()
                                        .map(v -> v.invariant() + ": " + v.detail())
                                        .toList());
        out.flush();
        return t;
    }

    private static String secondsSince(Instant at) {
        return at == null
                ? "?"
                : String.format(
                        Locale.ROOT,
                        "%.1f s",
                        Duration.between(at, Instant.now()).toMillis() / 1000.0);
    }

    /** The report so far (for an interrupted run). */
    public void writeReport(String setupError) throws IOException {
        Report.write(report, trials, started, setupError, nemesis);
    }
}
