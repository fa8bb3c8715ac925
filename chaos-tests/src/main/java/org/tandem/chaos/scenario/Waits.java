package org.tandem.chaos.scenario;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import org.tandem.chaos.cluster.Cluster;
import org.tandem.chaos.history.CapturedVersion;
import org.tandem.chaos.history.ClusterSample;
import org.tandem.chaos.history.LedgerEntry;

/** What scenarios wait for, on the watch's and the observer's records. */
final class Waits {
    static final Duration TAKEOVER = Duration.ofSeconds(60);

    private Waits() {}

    /**
     * Waits until {@code node} has committed in an epoch after the trial's and that version reached the
     * authoritative server; returns the commit.
     */
    static LedgerEntry takeoverBy(Cluster c, Trial t, String node) throws InterruptedException {
        LedgerEntry e = c.poll(
                node + "'s takeover (a commit in an epoch after " + t.epochBefore() + ")",
                TAKEOVER,
                () -> c.ledger().stream()
                        .filter(x -> x.node().equals(node) && x.epoch() > t.epochBefore())
                        .findFirst());
        c.poll("serial " + e.serial() + " at the authoritative server", TAKEOVER, () -> arrived(c, e.serial()));
        t.note(String.format(
                Locale.ROOT,
                "%s took over: serial %d, epoch %d, committed %.2f s after the fault",
                node,
                e.serial(),
                e.epoch(),
                Duration.between(t.faultAt(), e.committedAt()).toMillis() / 1000.0));
        return e;
    }

    /** The first version at the authoritative server with {@code serial} or a later one (the churn may overtake it). */
    static Optional<CapturedVersion> arrived(Cluster c, long serial) {
        return c.captures().stream()
                .filter(v -> Long.compareUnsigned(v.serial(), serial) >= 0)
                .findFirst();
    }

    /** Holds for {@code d} while checking that nobody commits: returns the commits that came anyway. */
    static List<LedgerEntry> quietFor(Cluster c, Duration d) throws InterruptedException {
        Instant from = Instant.now();
        Thread.sleep(d.toMillis());
        return c.ledger().stream().filter(e -> e.seenAt().isAfter(from)).toList();
    }

    /** The lease a leader counts on: half the session timeout (INV-L3). */
    static final Duration LEASE = Cluster.SESSION_TIMEOUT.dividedBy(2);
    /** The lease plus the leader's check interval and the watch's sampling: when a claim must be gone. */
    static final Duration LEASE_SLACK = LEASE.plusSeconds(2);

    /**
     * The samples from {@code from} to now in which a node said it leads: which, and when; empty if
     * none did.
     */
    static List<String> claimsBetween(Cluster c, Instant from, Instant to) {
        return c.samples().stream()
                .filter(s -> s.at().isAfter(from) && s.at().isBefore(to))
                .flatMap(s -> s.nodes().entrySet().stream()
                        .filter(e -> e.getValue().leader())
                        .map(e -> e.getKey() + " at " + s.at()))
                .toList();
    }

    /** The lines a process logged since {@code skip} lines (a count taken before). */
    static List<String> logSince(Cluster c, String process, long skip) {
        Path log = c.procs().log(process);
        try (Stream<String> lines = Files.lines(log)) {
            return lines.skip(skip).toList();
        } catch (IOException | UncheckedIOException e) {
            return List.of();
        }
    }

    /** How many lines a process has logged so far. */
    static long logLines(Cluster c, String process) {
        try (Stream<String> lines = Files.lines(c.procs().log(process))) {
            return lines.count();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    /** The latest sample. */
    static ClusterSample now(Cluster c) {
        return c.latest().orElseThrow();
    }
}
