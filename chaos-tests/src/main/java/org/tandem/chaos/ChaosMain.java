package org.tandem.chaos;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.tandem.chaos.cluster.Cluster;
import org.tandem.chaos.net.Topology;
import org.tandem.chaos.scenario.Runner;
import org.tandem.chaos.scenario.Scenario;
import org.tandem.chaos.scenario.Scenarios;
import org.tandem.chaos.scenario.SelfTest;
import org.tandem.chaos.scenario.Trial;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/chaos}: builds the network and the cluster, runs the named scenarios (all when none is
 * named) {@code --soak N} times, writes the report. Exit 0 when every scenario passed, 1 when one
 * failed, 2 on a usage error, 3 when the cluster could not be set up.
 */
@Command(
        name = "chaos",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = "Run the Tandem chaos harness: hosts in network namespaces (root needed), real ZooKeeper voters, "
                + "signer nodes with SoftHSM2 tokens, Knot as secondary, Unbound validating; faults by name; "
                + "invariants checked on the recorded history; DIR/report.md, DIR/report.json, "
                + "DIR/published/<zone>/<serial>.zone.")
public final class ChaosMain implements Callable<Integer> {
    @Option(names = "--scenario", paramLabel = "NAME", description = "a scenario to run (repeatable; default: all)")
    List<String> scenarios = new ArrayList<>();

    @Option(names = "--soak", paramLabel = "N", description = "run the scenarios N times (default 1)")
    int soak = 1;

    @Option(names = "--report", paramLabel = "DIR", description = "where the report and every received zone version go")
    Path report;

    @Option(
            names = "--nemesis",
            paramLabel = "KIND",
            description = "random: draw faults from the whole catalogue (or the named --scenario ones) until "
                    + "--duration is over; the schedule and its seed are in the report")
    String nemesis;

    @Option(
            names = "--duration",
            paramLabel = "D",
            description = "how long the random nemesis draws faults: 30m, 2h, 90s (default 30m)")
    String duration = "30m";

    @Option(names = "--seed", paramLabel = "S", description = "the random nemesis's seed (default: drawn, reported)")
    Long seed;

    @Option(
            names = "--self-test",
            description = "test the judge: feed every invariant check a crafted history that breaks it; "
                    + "DIR/self-test.json; exit 1 if a check did not fire (no cluster, no root)")
    boolean selfTest;

    @Option(names = "--list", description = "list the scenarios and exit")
    boolean list;

    @Option(
            names = "--cleanup",
            description = "remove what an interrupted run left (namespaces tdmc-*, their processes) and exit")
    boolean cleanup;

    /** {@code 30m}, {@code 2h}, {@code 90s}, or ISO-8601 ({@code PT30M}). */
    static Duration parseDuration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("pt")) {
                return Duration.parse(t);
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            Duration d = switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new IllegalArgumentException("not a duration: " + text + " (30m, 2h, 90s)");
            };
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("must be positive, got " + text);
            }
            return d;
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("not a duration: " + text + " (30m, 2h, 90s)", e);
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ChaosMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = new PrintWriter(System.out, true);
        Map<String, Scenario> all = Scenarios.all();
        if (list) {
            all.values().forEach(s -> out.printf("%-28s %s%n", s.name(), s.description()));
            return 0;
        }
        if (cleanup) {
            Topology.removeAll();
            out.println("chaos: removed every namespace " + Topology.PREFIX + "* and the processes in it");
            return 0;
        }
        if (report == null) {
            System.err.println("chaos: --report DIR is required");
            return 2;
        }
        if (selfTest) {
            SelfTest.Result r = SelfTest.run(report.toAbsolutePath().normalize());
            for (SelfTest.Outcome o : r.outcomes()) {
                out.printf(
                        "chaos: self-test %-12s %-5s %s%n", o.invariant(), o.fired() ? "fired" : "MISSED", o.history());
            }
            out.println(
                    "chaos: self-test clean history " + (r.cleanPassed() ? "passed" : "FAILED " + r.cleanViolations()));
            out.println("chaos: self-test " + (r.ok() ? "passed" : "FAILED") + "; "
                    + report.toAbsolutePath().normalize().resolve("self-test.json"));
            return r.ok() ? 0 : 1;
        }
        List<Scenario> chosen = new ArrayList<>();
        for (String n : scenarios) {
            Scenario s = all.get(n);
            if (s == null) {
                System.err.println("chaos: no scenario " + n + "; scenarios: " + String.join(", ", all.keySet()));
                return 2;
            }
            chosen.add(s);
        }
        if (chosen.isEmpty()) {
            chosen.addAll(all.values());
        }
        Duration nemesisDuration = null;
        if (nemesis != null) {
            if (!nemesis.equals("random")) {
                System.err.println("chaos: --nemesis knows only 'random', got " + nemesis);
                return 2;
            }
            try {
                nemesisDuration = parseDuration(duration);
            } catch (IllegalArgumentException e) {
                System.err.println("chaos: --duration " + e.getMessage());
                return 2;
            }
            if (seed == null) {
                seed = new SecureRandom().nextLong();
            }
            out.println("chaos: random nemesis for " + nemesisDuration.toSeconds() + " s, seed " + seed);
        }
        if (soak < 1) {
            System.err.println("chaos: --soak must be at least 1, got " + soak);
            return 2;
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            System.err.println("chaos: needs root (network namespaces, bridges): run it with sudo or as root");
            return 2;
        }
        Path dir = report.toAbsolutePath().normalize();
        if (Files.exists(dir.resolve("run"))) {
            System.err.println("chaos: " + dir + " holds an earlier run; pass an empty or new --report directory");
            return 2;
        }
        AtomicReference<Cluster> running = new AtomicReference<>();
        AtomicReference<Runner> runs = new AtomicReference<>();
        Thread hook = new Thread(
                () -> {
                    Runner r = runs.get();
                    if (r != null) {
                        r.stop();
                    }
                    Cluster c = running.getAndSet(null);
                    if (c != null) {
                        c.close();
                    } else {
                        Topology.removeAllIfHeld();
                    }
                },
                "chaos-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        Runner runner = null;
        try {
            Cluster c;
            try {
                c = Cluster.start(dir, out, Map.of());
            } catch (Exception e) {
                System.err.println("chaos: set-up failed: " + e.getMessage());
                Files.createDirectories(dir);
                new Runner(null, dir, out).writeReport("set-up failed: " + e.getMessage());
                return 3;
            }
            running.set(c);
            runner = new Runner(c, dir, out);
            runs.set(runner);
            List<Trial> trials = nemesisDuration != null
                    ? runner.runRandom(chosen, nemesisDuration, seed)
                    : runner.run(chosen, soak);
            long failed = trials.stream().filter(t -> !t.passed()).count();
            out.println("chaos: " + (trials.size() - failed) + " of " + trials.size()
                    + " scenario run(s) passed; report " + dir.resolve("report.md"));
            return failed == 0 ? 0 : 1;
        } finally {
            Cluster c = running.getAndSet(null);
            if (c != null) {
                c.close();
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already: the hook runs
            }
        }
    }
}
