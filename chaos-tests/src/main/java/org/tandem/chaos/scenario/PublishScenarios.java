package org.tandem.chaos.scenario;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.tandem.chaos.cluster.Cluster;
import org.tandem.chaos.history.CapturedVersion;
import org.tandem.chaos.history.ClusterSample;
import org.tandem.chaos.history.LedgerEntry;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;

/** Faults of the publishing side: the output disk (F9) and a leader that stops re-signing (F14). */
final class PublishScenarios {
    private PublishScenarios() {}

    /** The zone's file name in a publish directory ({@code example.test}). */
    static final String ZONE_FILE = Cluster.ZONE.substring(0, Cluster.ZONE.length() - 1);

    /**
     * F9: the leader's publish directory (a tmpfs of its own) fills up. The last good version must stay
     * served and on disk whole, the node must say why (zone, directory, no space), nothing may be
     * committed that was not written, and it must publish again once space returns.
     */
    static final class PublishDiskFull implements Scenario {
        static final Duration FULL_FOR = Duration.ofSeconds(12);

        @Override
        public String name() {
            return "publish-disk-full";
        }

        @Override
        public String description() {
            return "the leader's publish file system (tmpfs " + Cluster.PUBLISH_FS_SIZE + ") fills up: the last good "
                    + "version stays served and whole, the node says why, and publishes again when space returns";
        }

        @Override
        public void run(Cluster c, Trial t) throws Exception {
            String leader = t.leaderBefore();
            Path dir = c.publishDir(leader);
            Path filler = dir.resolve(".chaos-filler");
            long logFrom = Waits.logLines(c, leader);
            t.check("F9-reported");
            t.check("F9-last-good-kept");
            t.check("F9-nothing-half-written");
            t.check("F9-no-commit-unwritten");
            t.check("F9-recovery");
            long written = fill(filler);
            Instant full = Instant.now();
            t.fault(dir + " filled (" + written / 1024 + " KiB of " + filler.getFileName() + ", no space left)");
            Optional<LedgerEntry> lastBefore;
            try {
                // 1. the node says why: /health names the zone, the directory and "no space"
                try {
                    ClusterSample s = c.await(
                            leader + "'s /health naming the zone, " + dir + " and no space",
                            Duration.ofSeconds(30),
                            x -> {
                                ClusterSample.NodeView v = x.nodes().get(leader);
                                return v != null
                                        && !v.healthy()
                                        && v.health().contains(Cluster.ZONE)
                                        && v.health().contains(dir.toString())
                                        && v.health().toLowerCase(Locale.ROOT).contains("no space");
                            });
                    t.note(leader + " /health: " + shorten(s.nodes().get(leader).health()));
                } catch (RuntimeException e) {
                    t.violate("F9-reported", e.getMessage());
                }
                Optional<String> line = Waits.logSince(c, leader, logFrom).stream()
                        .filter(l -> l.contains(Cluster.ZONE)
                                && l.contains(dir.toString())
                                && l.toLowerCase(Locale.ROOT).contains("no space"))
                        .findFirst();
                if (line.isEmpty()) {
                    t.violate(
                            "F9-reported",
                            leader + " logged no line naming " + Cluster.ZONE + ", " + dir + " and 'no space'");
                } else {
                    t.note(leader + " logged: " + shorten(line.get()));
                }
                Thread.sleep(FULL_FOR.toMillis());
                // 2. what was committed before the fill is what stays current, whole and valid
                List<LedgerEntry> during = c.ledger().stream()
                        .filter(e -> e.seenAt().isAfter(full.plusSeconds(2)))
                        .toList();
                if (!during.isEmpty()) {
                    t.violate(
                            "F9-no-commit-unwritten",
                            "committed while " + dir + " was full (a version the ledger has but the disk never got): "
                                    + during);
                }
                lastBefore = c.ledger().stream()
                        .filter(e -> !e.seenAt().isAfter(full.plusSeconds(2)))
                        .reduce((a, b) -> b);
                wholeOnDisk(c, t, dir, lastBefore, "while full");
                if (!Waits.now(c).nodes().get(leader).leader()) {
                    t.note(leader + " no longer leads while its disk is full");
                }
            } finally {
                Files.deleteIfExists(filler);
                t.healed();
            }
            // 3. recovery: a newer version, committed, written and at the secondary; healthy again
            long after = lastBefore.map(LedgerEntry::serial).orElse(t.serialBefore());
            try {
                LedgerEntry next = c.poll(
                        "a commit after serial " + after + " once space returned",
                        Duration.ofSeconds(30),
                        () -> c.ledger().stream()
                                .filter(e -> e.serial() > after && e.seenAt().isAfter(t.healedAtOrNow()))
                                .findFirst());
                c.poll(
                        "serial " + next.serial() + " at the authoritative server",
                        Duration.ofSeconds(30),
                        () -> Waits.arrived(c, next.serial()));
                c.await(
                        leader + " healthy again",
                        Duration.ofSeconds(30),
                        x -> x.nodes().get(leader).healthy());
                t.note(next.node() + " published serial " + next.serial() + " after the heal");
                wholeOnDisk(c, t, dir, Optional.empty(), "after the heal");
            } catch (RuntimeException e) {
                t.violate("F9-recovery", e.getMessage());
            }
        }

        /** Writes zeros into {@code filler} until the file system is full; returns how many bytes fit. */
        static long fill(Path filler) throws IOException {
            byte[] block = new byte[64 * 1024];
            long n = 0;
            try (OutputStream out = Files.newOutputStream(filler)) {
                while (true) {
                    out.write(block);
                    n += block.length;
                }
            } catch (IOException e) {
                if (!String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("no space")) {
                    Files.deleteIfExists(filler);
                    throw e;
                }
            }
            // the last partial block may have left a few bytes: take them too
            try (OutputStream out = Files.newOutputStream(filler, StandardOpenOption.APPEND)) {
                for (int i = 0; i < 4096; i++) {
                    out.write(0);
                    n++;
                }
            } catch (IOException e) {
                // full
            }
            return n;
        }

        /**
         * No temporary file left, the current file parses and validates, and is the version {@code
         * expected} names (when given).
         */
        private static void wholeOnDisk(Cluster c, Trial t, Path dir, Optional<LedgerEntry> expected, String when)
                throws IOException, InterruptedException {
            List<Path> tmp;
            try (Stream<Path> files = Files.walk(dir)) {
                tmp = files.filter(p -> p.getFileName().toString().endsWith(".tmp"))
                        .toList();
            }
            if (!tmp.isEmpty()) {
                t.violate("F9-nothing-half-written", "temporary files left in " + dir + " " + when + ": " + tmp);
            }
            Path current = dir.resolve(ZONE_FILE + ".zone");
            List<Record> records;
            try {
                records = Checker.parse(current, Cluster.ZONE);
            } catch (IOException | RuntimeException e) {
                t.violate("F9-nothing-half-written", current + " does not parse " + when + ": " + e.getMessage());
                return;
            }
            long serial = records.stream()
                    .filter(r -> r instanceof SOARecord)
                    .mapToLong(r -> ((SOARecord) r).getSerial())
                    .findFirst()
                    .orElse(-1);
            if (expected.isPresent() && serial != expected.get().serial()) {
                t.violate(
                        "F9-last-good-kept",
                        current + " holds serial " + serial + " " + when + ", the last commit before the fill was "
                                + expected.get().serial());
            }
            Optional<String> invalid = ldnsVerify(current);
            if (invalid.isPresent()) {
                t.violate(
                        "F9-nothing-half-written", current + " (serial " + serial + ") " + when + ": " + invalid.get());
            } else {
                t.note(current + " " + when + ": serial " + serial + ", " + records.size()
                        + " records, validates (ldns-verify-zone)");
            }
        }
    }

    /**
     * F14: the leader keeps its leadership but stops re-signing (its signing loop stalled by the node's
     * test-only hook; election, lease and transfer endpoint keep running). Time is compressed the way
     * the node allows: for this scenario the leader runs a policy whose signatures are due for
     * refresh {@value #REFRESH_AFTER_SECONDS} s after signing, and a watchdog that warns when what it
     * serves is {@link #WARN_AGE} old and is critical at {@link #CRITICAL_AGE}. Its watchdog must
     * raise WARNING, then CRITICAL (on /health and {@code tandem_watchdog_severity}), and step the
     * leader down to the key-synced standby, which re-signs; what reaches the secondary validates
     * throughout.
     */
    static final class SignatureExpiryStall implements Scenario {
        static final long VALIDITY_SECONDS = Duration.ofDays(14).toSeconds();
        static final long REFRESH_AFTER_SECONDS = 5;
        static final Duration WARN_AGE = Duration.ofSeconds(20);
        static final Duration CRITICAL_AGE = Duration.ofSeconds(35);
        static final Duration WATCHDOG_INTERVAL = Duration.ofSeconds(5);
        /** From the stalled copy turning critical to the standby's version at the secondary, at most. */
        static final Duration HANDOVER = Duration.ofSeconds(30);

        static final String POLICY_FILE = "expiry-stall-policy.yaml";

        @Override
        public String name() {
            return "signature-expiry-stall";
        }

        @Override
        public String description() {
            return "the leader keeps leadership but its signing stalls (compressed validity): its watchdog raises "
                    + "WARNING then CRITICAL and hands over to the standby before anything expires";
        }

        @Override
        public void run(Cluster c, Trial t) throws Exception {
            String first = t.leaderBefore();
            String staller = Cluster.other(first); // restarted with the short policy, then made the leader
            Files.writeString(
                    c.run().resolve(POLICY_FILE),
                    "validity: " + VALIDITY_SECONDS + "s\njitter: 0s\nrefresh: "
                            + (VALIDITY_SECONDS - REFRESH_AFTER_SECONDS) + "s\n");
            t.check("F14-warning");
            t.check("F14-critical");
            t.check("F14-step-down");
            t.check("F14-before-expiry");
            t.expectTakeover();
            Severities severities = new Severities(c, staller);
            try {
                c.reconfigure(
                        staller,
                        "    policy: " + POLICY_FILE + "\n",
                        "watchdog: {interval: " + WATCHDOG_INTERVAL.toSeconds() + "s, warn: "
                                + (VALIDITY_SECONDS - WARN_AGE.toSeconds()) + "s, critical: "
                                + (VALIDITY_SECONDS - CRITICAL_AGE.toSeconds()) + "s}\n");
                c.node(staller).stop(20);
                c.startNode(staller);
                c.await(
                        staller + " back in the election",
                        Duration.ofSeconds(90),
                        s -> s.latch().contains(staller));
                // hand the leadership to the node with the short policy: restart the leader
                c.node(first).stop(20);
                LedgerEntry led = c.poll(
                        staller + "'s first commit as leader",
                        Waits.TAKEOVER,
                        () -> c.ledger().stream()
                                .filter(e -> e.node().equals(staller) && e.epoch() > t.epochBefore())
                                .findFirst());
                c.startNode(first);
                c.await(
                        first + " back in the election",
                        Duration.ofSeconds(90),
                        s -> s.latch().contains(first));
                c.await(
                        staller + " leading and healthy",
                        Duration.ofSeconds(60),
                        s -> s.nodes().get(staller).leader()
                                && s.nodes().get(staller).healthy());
                long epoch = led.epoch();
                // the fault is the stall: judge the takeover against the leader it stalls, not the set-up
                t.leaderBefore = staller;
                t.epochBefore = epoch;
                t.note(staller + " leads epoch " + epoch + " with refresh " + REFRESH_AFTER_SECONDS
                        + " s after signing; watchdog warn at age " + WARN_AGE.toSeconds() + " s, critical at "
                        + CRITICAL_AGE.toSeconds() + " s, every " + WATCHDOG_INTERVAL.toSeconds() + " s");
                severities.start();
                long logFrom = Waits.logLines(c, staller);
                Files.writeString(c.stallFile(staller), "stalled by the chaos harness\n");
                t.fault(staller + "'s signing loop stalled (" + c.stallFile(staller) + "); it keeps its leadership");
                Instant stalledAt = Instant.now();
                try {
                    Instant warning = healthSays(c, t, "F14-warning", staller, "watchdog WARNING");
                    Instant critical = healthSays(c, t, "F14-critical", staller, "watchdog CRITICAL");
                    if (warning != null && critical != null && !warning.isBefore(critical)) {
                        t.violate(
                                "F14-warning",
                                "WARNING (" + warning + ") did not come before CRITICAL (" + critical + ")");
                    }
                    LedgerEntry stalled = c.ledger().stream()
                            .filter(e -> e.node().equals(staller) && !e.seenAt().isAfter(stalledAt))
                            .reduce((a, b) -> b)
                            .orElseThrow();
                    LedgerEntry taken = c.poll(
                            first + " taking over from the stalled " + staller,
                            Waits.TAKEOVER.plus(CRITICAL_AGE),
                            () -> c.ledger().stream()
                                    .filter(e -> e.node().equals(first) && e.epoch() > epoch)
                                    .findFirst());
                    Optional<String> stepDown = Waits.logSince(c, staller, logFrom).stream()
                            .filter(l -> l.contains("event=watchdog-step-down"))
                            .findFirst();
                    if (stepDown.isEmpty()) {
                        t.violate("F14-step-down", staller + " was replaced but logged no watchdog step-down");
                    } else {
                        t.note(staller + ": " + shorten(stepDown.get()));
                    }
                    CapturedVersion arrived = c.poll(
                            "serial " + taken.serial() + " at the authoritative server",
                            Waits.TAKEOVER,
                            () -> Waits.arrived(c, taken.serial()));
                    beforeExpiry(c, t, stalled, arrived);
                    t.note(String.format(
                            Locale.ROOT,
                            "%s took over: serial %d epoch %d, %.1f s after the stall",
                            first,
                            taken.serial(),
                            taken.epoch(),
                            Duration.between(stalledAt, taken.committedAt()).toMillis() / 1000.0));
                } catch (RuntimeException e) {
                    t.violate("F14-step-down", e.getMessage());
                } finally {
                    Files.deleteIfExists(c.stallFile(staller));
                    t.healed();
                }
                severities.judge(t);
            } finally {
                severities.close();
                Files.deleteIfExists(c.stallFile(staller));
                c.reconfigure(staller, "", "");
                c.node(staller).stop(20);
                c.startNode(staller);
                t.note(staller + " restarted with the harness's policy and watchdog");
            }
        }

        /** When {@code node}'s /health first says {@code text} (null, and violated, if not within the wait). */
        private static Instant healthSays(Cluster c, Trial t, String check, String node, String text)
                throws InterruptedException {
            try {
                ClusterSample s = c.await(
                        node + "'s /health saying " + text,
                        CRITICAL_AGE.plus(WATCHDOG_INTERVAL).plusSeconds(30),
                        x -> x.nodes().get(node).health().contains(text));
                t.note(node + " at " + s.at() + ": "
                        + shorten(s.nodes().get(node).health()));
                return s.at();
            } catch (RuntimeException e) {
                t.violate(check, e.getMessage());
                return null;
            }
        }

        /**
         * The stalled version turned critical at its earliest RRSIG expiry minus the critical threshold;
         * the standby's version must have reached the secondary within {@link #HANDOVER} of that (in
         * compressed time: long before anything expires).
         */
        private static void beforeExpiry(Cluster c, Trial t, LedgerEntry stalled, CapturedVersion arrived)
                throws IOException {
            Optional<CapturedVersion> copy = c.captures().stream()
                    .filter(v -> v.serial() == stalled.serial())
                    .findFirst();
            if (copy.isEmpty()) {
                t.violate(
                        "F14-before-expiry",
                        "the stalled serial " + stalled.serial() + " never reached the authoritative server");
                return;
            }
            Instant earliest = Checker.parse(c.report().resolve(copy.get().file()), Cluster.ZONE).stream()
                    .filter(r -> r instanceof RRSIGRecord)
                    .map(r -> ((RRSIGRecord) r).getExpire())
                    .min(Instant::compareTo)
                    .orElseThrow();
            Instant criticalAt = earliest.minusSeconds(VALIDITY_SECONDS - CRITICAL_AGE.toSeconds());
            Duration late = Duration.between(criticalAt, arrived.at());
            if (late.compareTo(HANDOVER) > 0) {
                t.violate(
                        "F14-before-expiry",
                        "the standby's serial " + arrived.serial() + " reached the secondary " + late.toSeconds()
                                + " s after the stalled serial " + stalled.serial() + " turned critical (at "
                                + criticalAt + ")");
            } else {
                t.note("the standby's serial " + arrived.serial() + " reached the secondary " + late.toSeconds()
                        + " s after the stalled serial " + stalled.serial() + " turned critical; its earliest RRSIG"
                        + " expiry " + earliest);
            }
        }
    }

    /**
     * Polls one node's {@code tandem_watchdog_severity} every 500 ms from the internet site (where the
     * cluster watch reads metrics too) and records when it first read 1 (WARNING) and 2 (CRITICAL).
     */
    static final class Severities implements AutoCloseable {
        private final Cluster c;
        private final String node;
        private volatile Instant warning;
        private volatile Instant critical;
        private volatile String lastError = "";
        private Thread thread;

        Severities(Cluster c, String node) {
            this.c = c;
            this.node = node;
        }

        void start() {
            thread = new Thread(this::loop, "severity-" + node);
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            String series = "tandem_watchdog_severity{node=\"" + node + "\",zone=\"" + Cluster.ZONE + "\"} ";
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Process p = new ProcessBuilder(
                                    "ip",
                                    "netns",
                                    "exec",
                                    c.net().host("inet-resolver").namespace(),
                                    "curl",
                                    "-s",
                                    "-m",
                                    "1",
                                    "http://" + c.nodeHost(node).address() + ":9105/metrics")
                            .redirectErrorStream(true)
                            .start();
                    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    p.waitFor();
                    Instant at = Instant.now();
                    for (String l : text.split("\n")) {
                        if (l.startsWith(series)) {
                            double v = Double.parseDouble(
                                    l.substring(series.length()).trim());
                            if (v == 1.0 && warning == null) {
                                warning = at;
                            } else if (v == 2.0 && critical == null) {
                                critical = at;
                            }
                        }
                    }
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                } catch (IOException | RuntimeException e) {
                    lastError = e.toString();
                }
            }
        }

        void judge(Trial t) {
            if (warning == null) {
                t.violate("F14-warning", node + "'s tandem_watchdog_severity never read 1 (WARNING)" + err());
            }
            if (critical == null) {
                t.violate("F14-critical", node + "'s tandem_watchdog_severity never read 2 (CRITICAL)" + err());
            }
            if (warning != null && critical != null) {
                if (!warning.isBefore(critical)) {
                    t.violate(
                            "F14-warning",
                            "the metric read CRITICAL (" + critical + ") before WARNING (" + warning + ")");
                } else {
                    t.note(node + "'s tandem_watchdog_severity: 1 at " + warning + ", 2 at " + critical);
                }
            }
        }

        private String err() {
            return lastError.isEmpty() ? "" : " (last error " + lastError + ")";
        }

        @Override
        public void close() throws InterruptedException {
            if (thread != null) {
                thread.interrupt();
                thread.join(5_000);
            }
        }
    }

    static Optional<String> ldnsVerify(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ldns-verify-zone", file.toString())
                .redirectErrorStream(true)
                .start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return Optional.of("ldns-verify-zone did not finish within 60 s");
        }
        return p.exitValue() == 0
                ? Optional.empty()
                : Optional.of("ldns-verify-zone exit " + p.exitValue() + ": "
                        + text.strip().lines().limit(3).toList());
    }

    static String shorten(String s) {
        String one = s.replace('\n', ' ');
        return one.length() > 400 ? one.substring(0, 400) + "…" : one;
    }
}
