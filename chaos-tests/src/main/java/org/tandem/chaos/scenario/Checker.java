package org.tandem.chaos.scenario;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.tandem.chaos.history.CapturedVersion;
import org.tandem.chaos.history.ClusterSample;
import org.tandem.chaos.history.LedgerEntry;
import org.tandem.chaos.history.ProberEvent;
import org.tandem.chaos.history.ZoneDigest;
import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * The invariants, checked on the recorded history after every scenario (each id is one entry of the
 * trial's {@code checks}):
 *
 * <ul>
 *   <li>{@code INV-D1}: every zone version the authoritative server received validates ({@code
 *       ldns-verify-zone}), and its RRSIGs had not expired when it arrived;
 *   <li>{@code INV-D5}: no RRSIG's inception lies in the future of the version's arrival (a signer
 *       with a wrong clock is caught here);
 *   <li>{@code no-servfail}: the prober saw no SERVFAIL through the validating resolver (the
 *       authoritative server and the resolver sit in a site no fault touches, so every SERVFAIL is the
 *       zone's fault);
 *   <li>{@code INV-L1}: at most one node committed per epoch (the whole ledger), and the epochs of
 *       the commits the authoritative server received never go backwards;
 *   <li>{@code INV-L3}: at most one node says it leads in any sample of the watch (every 100 ms), and
 *       a node the scenario cut off from ZooKeeper commits nothing in its old epoch once its lease has
 *       run out;
 *   <li>{@code INV-L4}: every version the authoritative server received is a commit of the ledger,
 *       matched by serial <em>and</em> content digest ({@link ZoneDigest}), never by serial alone;
 *   <li>{@code INV-L5}: serials strictly increase, in the ledger and at the authoritative server, and
 *       no serial carries two contents;
 *   <li>{@code INV-K5}: the DNSKEY RRset at the authoritative server never changes (failover never
 *       changes the key set; there are no rollovers in the harness);
 *   <li>{@code distribution}: every commit reaches the authoritative server, itself or overtaken by a
 *       later serial, within 30 s;
 *   <li>{@code takeover}: where the scenario expects one, another node published in a new epoch and
 *       it reached the authoritative server; {@code takeover_seconds} is fault → that arrival.
 * </ul>
 */
final class Checker {
    private final Path report;
    private final Map<String, Optional<String>> verified = new ConcurrentHashMap<>();
    private final Map<String, Optional<String>> digests = new ConcurrentHashMap<>();

    Checker(Path report) {
        this.report = report;
    }

    /** How long a committed version may take to reach the authoritative server, itself or a later one. */
    static final Duration DISTRIBUTED_WITHIN = Duration.ofSeconds(30);
    /** The widest gap between two cluster samples the one-claim check accepts without noting it. */
    static final Duration SAMPLE_GAP = Duration.ofMillis(100);

    void check(
            Trial t,
            List<LedgerEntry> ledger,
            List<CapturedVersion> captures,
            List<ProberEvent> prober,
            List<ClusterSample> samples) {
        for (String id : List.of(
                "no-servfail", "INV-D1", "INV-D5", "INV-K5", "INV-L1", "INV-L3", "INV-L4", "INV-L5", "distribution")) {
            t.check(id);
        }
        proberCounts(t, prober);
        versions(t, captures);
        ledger(t, ledger);
        distribution(t, ledger, captures);
        delivered(t, ledger, captures);
        leases(t, ledger);
        claims(t, samples);
        takeover(t, ledger, captures);
        t.publishedVersions = captures.stream().filter(v -> in(t, v.at())).count();
    }

    /**
     * {@code INV-L3}: at most one node says it leads in any sample (the old leader's lease runs out
     * before ZooKeeper can elect another; a second claim means the lease did not stop it). The watch
     * samples every 100 ms; the widest gap inside the trial is reported.
     */
    private static void claims(Trial t, List<ClusterSample> samples) {
        ClusterSample previous = null;
        long widest = 0;
        for (ClusterSample s : samples) {
            if (!in(t, s.at())) {
                continue;
            }
            t.maxConcurrentLeaders = Math.max(t.maxConcurrentLeaders, s.leaders());
            if (s.leaders() > 1) {
                t.violate(
                        "INV-L3",
                        s.leaders() + " nodes said they lead at " + s.at() + ": "
                                + s.nodes().entrySet().stream()
                                        .filter(e -> e.getValue().leader())
                                        .map(Map.Entry::getKey)
                                        .sorted()
                                        .toList());
            }
            if (previous != null) {
                widest =
                        Math.max(widest, Duration.between(previous.at(), s.at()).toMillis());
            }
            previous = s;
        }
        t.widestSampleGapMillis = widest;
    }

    /**
     * {@code INV-L3}: a node the scenario cut off from ZooKeeper (paused, switch down, ZooKeeper port
     * cut) commits nothing in its old epoch once its lease has run out.
     */
    private static void leases(Trial t, List<LedgerEntry> ledger) {
        for (Map.Entry<String, Trial.LeaseLoss> lost : t.leaseLosses.entrySet()) {
            for (LedgerEntry e : ledger) {
                if (e.node().equals(lost.getKey())
                        && e.epoch() <= lost.getValue().epoch()
                        && e.committedAt().isAfter(lost.getValue().at())) {
                    t.violate(
                            "INV-L3",
                            e.node() + " committed serial " + e.serial() + " in epoch " + e.epoch() + " at "
                                    + e.committedAt() + ", after its lease had run out at "
                                    + lost.getValue().at());
                }
            }
        }
    }

    /**
     * {@code distribution}: every version committed in the trial reaches the authoritative server,
     * itself or a later serial, within {@link #DISTRIBUTED_WITHIN} of the commit (with the zone
     * churning, a version may be overtaken before the server transfers it).
     */
    private static void delivered(Trial t, List<LedgerEntry> ledger, List<CapturedVersion> captures) {
        for (LedgerEntry e : ledger) {
            if (!in(t, e.seenAt()) || e.seenAt().plus(DISTRIBUTED_WITHIN).isAfter(t.end)) {
                continue;
            }
            Instant by = e.seenAt().plus(DISTRIBUTED_WITHIN);
            boolean arrived = captures.stream()
                    .anyMatch(v -> Long.compareUnsigned(v.serial(), e.serial()) >= 0 && !v.at().isAfter(by));
            if (!arrived) {
                t.violate(
                        "distribution",
                        "serial " + e.serial() + " (epoch " + e.epoch() + ", " + e.node() + ") was committed at "
                                + e.committedAt() + " and neither it nor a later serial reached the authoritative "
                                + "server within " + DISTRIBUTED_WITHIN.toSeconds() + " s");
                return;
            }
        }
    }

    private static boolean in(Trial t, Instant at) {
        return !at.isBefore(t.start) && !at.isAfter(t.end);
    }

    private static void proberCounts(Trial t, List<ProberEvent> prober) {
        List<ProberEvent> servfails = new ArrayList<>();
        for (ProberEvent e : prober) {
            if (!in(t, e.at())) {
                continue;
            }
            t.prober[e.kind().ordinal()]++;
            if (e.kind() == ProberEvent.Kind.SERVFAIL) {
                servfails.add(e);
            }
        }
        if (!servfails.isEmpty()) {
            ProberEvent f = servfails.get(0);
            t.violate(
                    "no-servfail",
                    servfails.size() + " SERVFAIL answer(s) through the validating resolver; first at " + f.at() + ": "
                            + f.name() + " " + f.type() + (f.ede().isEmpty() ? "" : " (EDE " + f.ede() + ")"));
        }
    }

    private void versions(Trial t, List<CapturedVersion> captures) {
        Set<String> firstKeys = null;
        for (CapturedVersion v : captures) {
            Set<String> keys;
            List<Record> records;
            try {
                records = parse(report.resolve(v.file()), v.zone());
            } catch (IOException e) {
                if (in(t, v.at())) {
                    t.violate(
                            "INV-D1", "serial " + v.serial() + ": " + v.file() + " cannot be read: " + e.getMessage());
                }
                continue;
            }
            keys = new TreeSet<>();
            for (Record r : records) {
                if (r.getType() == Type.DNSKEY) {
                    keys.add(r.rdataToString());
                }
            }
            if (firstKeys == null) {
                firstKeys = keys;
            } else if (!keys.equals(firstKeys) && in(t, v.at())) {
                t.violate(
                        "INV-K5",
                        "serial " + v.serial() + " at the authoritative server has another DNSKEY RRset than the "
                                + "first version: " + keys.size() + " key(s) vs " + firstKeys.size());
            }
            if (!in(t, v.at())) {
                continue;
            }
            verify(v)
                    .ifPresent(problem -> t.violate(
                            "INV-D1",
                            "serial " + v.serial() + " (" + v.file()
                                    + ") reached the authoritative server and does not validate: " + problem));
            for (Record r : records) {
                if (r instanceof RRSIGRecord sig) {
                    if (sig.getTimeSigned().isAfter(v.at().plusSeconds(60))) {
                        t.violate(
                                "INV-D5",
                                "serial " + v.serial() + ": RRSIG " + r.getName() + " "
                                        + Type.string(sig.getTypeCovered())
                                        + " tag " + sig.getFootprint() + " has its inception " + sig.getTimeSigned()
                                        + " in the future of its arrival " + v.at() + " (a signer with a wrong clock)");
                        break;
                    }
                    if (sig.getExpire().isBefore(v.at())) {
                        t.violate(
                                "INV-D1",
                                "serial " + v.serial() + ": RRSIG " + r.getName() + " "
                                        + Type.string(sig.getTypeCovered()) + " expired " + sig.getExpire()
                                        + " before its arrival " + v.at());
                        break;
                    }
                }
            }
        }
    }

    /** ldns-verify-zone's verdict on a captured version, once per file: empty when it validates. */
    private Optional<String> verify(CapturedVersion v) {
        return verified.computeIfAbsent(v.file(), f -> {
            try {
                Process p = new ProcessBuilder(
                                "ldns-verify-zone", report.resolve(f).toString())
                        .redirectErrorStream(true)
                        .start();
                String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return Optional.of("ldns-verify-zone did not finish within 120 s");
                }
                return p.exitValue() == 0
                        ? Optional.empty()
                        : Optional.of("ldns-verify-zone exit " + p.exitValue() + ": "
                                + text.strip().lines().limit(3).toList());
            } catch (IOException e) {
                return Optional.of("ldns-verify-zone could not run: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.of("interrupted");
            }
        });
    }

    static List<Record> parse(Path file, String zone) throws IOException {
        List<Record> records = new ArrayList<>();
        try (Master m = new Master(file.toString(), Name.fromString(zone))) {
            Record r;
            while ((r = m.nextRecord()) != null) {
                records.add(r);
            }
        }
        return records;
    }

    private static void ledger(Trial t, List<LedgerEntry> ledger) {
        Map<Long, String> publisher = new HashMap<>();
        Map<Long, String> content = new HashMap<>();
        LedgerEntry previous = null;
        for (LedgerEntry e : ledger) {
            String other = publisher.putIfAbsent(e.epoch(), e.node());
            if (other != null && !other.equals(e.node())) {
                t.violate("INV-L1", "epoch " + e.epoch() + " has commits by " + other + " and " + e.node());
            }
            String sha = content.putIfAbsent(e.serial(), e.sha256Hex());
            if (sha != null && !sha.equals(e.sha256Hex())) {
                t.violate("INV-L5", "serial " + e.serial() + " was committed with two contents");
            }
            if (previous != null && !(Long.compareUnsigned(e.serial(), previous.serial()) > 0)) {
                t.violate(
                        "INV-L5",
                        "serial " + e.serial() + " (epoch " + e.epoch() + ", " + e.node() + ") does not increase on "
                                + previous.serial());
            }
            if (previous != null && e.epoch() < previous.epoch()) {
                t.violate("INV-L1", "commit in epoch " + e.epoch() + " after one in epoch " + previous.epoch());
            }
            previous = e;
        }
    }

    /** The newest commit the watch had copied, and when it saw it: what the ledger held at judging. */
    private static String lastCopied(List<LedgerEntry> ledger) {
        if (ledger.isEmpty()) {
            return " (the watch copied no commit)";
        }
        LedgerEntry last = ledger.get(ledger.size() - 1);
        return " (the watch's copy ends at serial " + last.serial() + " of epoch " + last.epoch() + " by " + last.node()
                + ", committed " + last.committedAt() + ", copied " + last.seenAt() + ")";
    }

    /**
     * {@code INV-L4} and {@code INV-L1} at the authoritative server: every version it received is
     * matched to its commit by serial <em>and</em> content digest (the ledger's {@code sha256Hex}); a
     * serial the ledger committed with other content is a version nobody committed. The epochs of the
     * matched commits never go backwards.
     */
    private void distribution(Trial t, List<LedgerEntry> ledger, List<CapturedVersion> captures) {
        Map<Long, List<LedgerEntry>> committed = new HashMap<>();
        for (LedgerEntry e : ledger) {
            committed.computeIfAbsent(e.serial(), k -> new ArrayList<>()).add(e);
        }
        Map<Long, String> content = new LinkedHashMap<>();
        CapturedVersion previous = null;
        LedgerEntry previousCommit = null;
        for (CapturedVersion v : captures) {
            boolean mine = in(t, v.at());
            Optional<String> digest = content(v);
            List<LedgerEntry> commits = committed.getOrDefault(v.serial(), List.of());
            Optional<LedgerEntry> match = commits.stream()
                    .filter(e -> digest.isPresent() && e.sha256Hex().equalsIgnoreCase(digest.get()))
                    .findFirst();
            if (mine && commits.isEmpty()) {
                t.violate(
                        "INV-L4",
                        "serial " + v.serial() + " reached the authoritative server (captured " + v.at()
                                + ") but is not in the ledger" + lastCopied(ledger));
            } else if (mine && match.isEmpty()) {
                LedgerEntry e = commits.get(0);
                t.violate(
                        "INV-L4",
                        "serial " + v.serial() + " reached the authoritative server with content "
                                + digest.map(d -> d.substring(0, 16)).orElse("(unreadable " + v.file() + ")")
                                + " but the ledger committed it with "
                                + e.sha256Hex().substring(0, 16) + " (epoch "
                                + e.epoch() + ", " + e.node() + "): a version nobody committed");
            }
            if (mine
                    && match.isPresent()
                    && previousCommit != null
                    && match.get().epoch() < previousCommit.epoch()) {
                t.violate(
                        "INV-L1",
                        "serial " + v.serial() + " of epoch " + match.get().epoch() + " ("
                                + match.get().node()
                                + ") reached the authoritative server after serial " + previousCommit.serial()
                                + " of epoch " + previousCommit.epoch());
            }
            if (match.isPresent()) {
                previousCommit = match.get();
            }
            String sha = content.putIfAbsent(v.serial(), v.sha256Hex());
            if (mine && sha != null && !sha.equals(v.sha256Hex())) {
                t.violate("INV-L5", "serial " + v.serial() + " reached the authoritative server with two contents");
            }
            if (mine && previous != null && !(Long.compareUnsigned(v.serial(), previous.serial()) > 0)) {
                t.violate(
                        "INV-L5",
                        "the authoritative server went from serial " + previous.serial() + " to " + v.serial());
            }
            previous = v;
        }
    }

    /** The version's canonical content digest: as the observer recorded it, else computed from its file. */
    private Optional<String> content(CapturedVersion v) {
        if (v.contentSha256Hex() != null) {
            return Optional.of(v.contentSha256Hex());
        }
        return digests.computeIfAbsent(v.file(), f -> {
            try {
                return Optional.of(ZoneDigest.sha256Hex(parse(report.resolve(f), v.zone())));
            } catch (IOException | RuntimeException e) {
                return Optional.empty();
            }
        });
    }

    private static void takeover(Trial t, List<LedgerEntry> ledger, List<CapturedVersion> captures) {
        if (!t.expectTakeover || t.faultAt == null) {
            return;
        }
        Optional<LedgerEntry> first = ledger.stream()
                .filter(e -> in(t, e.seenAt())
                        && e.epoch() > t.epochBefore
                        && !e.node().equals(t.leaderBefore))
                .findFirst();
        if (first.isEmpty()) {
            t.violate("takeover", "no node other than " + t.leaderBefore + " committed in a new epoch after the fault");
            return;
        }
        t.ledgerTakeoverSeconds =
                Duration.between(t.faultAt, first.get().committedAt()).toMillis() / 1000.0;
        Optional<CapturedVersion> arrived = captures.stream()
                .filter(v -> Long.compareUnsigned(v.serial(), first.get().serial()) >= 0)
                .findFirst();
        if (arrived.isEmpty()) {
            t.violate(
                    "takeover",
                    first.get().node() + " committed serial " + first.get().serial() + " in epoch "
                            + first.get().epoch() + " but it never reached the authoritative server");
            return;
        }
        t.takeoverSeconds = Duration.between(t.faultAt, arrived.get().at()).toMillis() / 1000.0;
    }
}
