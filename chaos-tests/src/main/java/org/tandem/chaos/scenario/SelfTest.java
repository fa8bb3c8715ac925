package org.tandem.chaos.scenario;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.tandem.chaos.history.CapturedVersion;
import org.tandem.chaos.history.ClusterSample;
import org.tandem.chaos.history.JsonLines;
import org.tandem.chaos.history.LedgerEntry;
import org.tandem.chaos.history.ProberEvent;
import org.tandem.chaos.history.ZoneDigest;

/**
 * The judge's own test ({@code bin/chaos --self-test --report DIR}): each check of the {@link Checker}
 * gets a crafted history that breaks exactly what it guards, and must fire on it; a clean history
 * must fire nothing. Writes {@code DIR/self-test.json}: {@code {"checks": [{"invariant", "history",
 * "fired", "detail"}], "clean_history_passed": true|false, "all_fired": true|false}}. No cluster, no
 * root; a few seconds.
 */
public final class SelfTest {
    static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");
    static final String ZONE = "example.test.";
    static final String SHA_A = "aa".repeat(32);
    static final String SHA_B = "bb".repeat(32);
    static final String SHA_C = "cc".repeat(32);

    /** One crafted history: which check must fire, and the history that breaks it. */
    record Case(String invariant, String history, Trial trial, History h) {}

    /** A history as the checker reads it. */
    record History(
            List<LedgerEntry> ledger,
            List<CapturedVersion> captures,
            List<ProberEvent> prober,
            List<ClusterSample> samples) {}

    /** The outcome of one case. */
    public record Outcome(String invariant, String history, boolean fired, String detail) {}

    /** The outcome of the whole self-test. */
    public record Result(List<Outcome> outcomes, boolean cleanPassed, List<String> cleanViolations) {
        public boolean ok() {
            return cleanPassed && outcomes.stream().allMatch(Outcome::fired);
        }
    }

    private final Path dir;

    private SelfTest(Path dir) {
        this.dir = dir;
    }

    /** Runs every case with its files under {@code dir} and writes {@code dir/self-test.json}. */
    public static Result run(Path dir) throws IOException {
        Files.createDirectories(dir);
        return new SelfTest(dir).runAll();
    }

    private Result runAll() throws IOException {
        Checker checker = new Checker(dir);
        List<Outcome> outcomes = new ArrayList<>();
        for (Case c : cases()) {
            checker.check(c.trial(), c.h().ledger(), c.h().captures(), c.h().prober(), c.h().samples());
            List<String> details = c.trial().violations().stream()
                    .filter(v -> v.invariant().equals(c.invariant()))
                    .map(Trial.Violation::detail)
                    .toList();
            outcomes.add(new Outcome(
                    c.invariant(),
                    c.history(),
                    !details.isEmpty(),
                    details.isEmpty() ? "did not fire" : details.get(0)));
        }
        Trial clean = trial("clean");
        clean.faultAt = T0.plusSeconds(5);
        clean.expectTakeover();
        checker.check(
                clean,
                List.of(commit(10, 1, "node-a", SHA_A, -30), commit(11, 2, "node-b", SHA_B, 12)),
                List.of(),
                List.of(answer(ProberEvent.Kind.AD, 2)),
                List.of(sample(1, true, false), sample(2, false, true)));
        // a clean history without captures: only the takeover's and the delivery's arrival are missing
        List<String> cleanViolations = clean.violations().stream()
                .filter(v -> !v.invariant().equals("takeover") && !v.invariant().equals("distribution"))
                .map(v -> v.invariant() + ": " + v.detail())
                .toList();
        Result r = new Result(outcomes, cleanViolations.isEmpty(), cleanViolations);
        write(r);
        return r;
    }

    private void write(Result r) throws IOException {
        ObjectNode root = JsonLines.MAPPER.createObjectNode();
        ArrayNode checks = root.putArray("checks");
        for (Outcome o : r.outcomes()) {
            checks.addObject()
                    .put("invariant", o.invariant())
                    .put("history", o.history())
                    .put("fired", o.fired())
                    .put("detail", o.detail());
        }
        root.put("clean_history_passed", r.cleanPassed());
        ArrayNode cv = root.putArray("clean_history_violations");
        r.cleanViolations().forEach(cv::add);
        root.put("all_fired", r.ok());
        Files.writeString(
                dir.resolve("self-test.json"),
                JsonLines.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n",
                StandardCharsets.UTF_8);
    }

    private List<Case> cases() throws IOException {
        List<Case> cases = new ArrayList<>();

        cases.add(new Case(
                "INV-L1",
                "two leaders commit in one epoch",
                trial("two-leaders"),
                new History(
                        List.of(commit(11, 2, "node-a", SHA_A, 2), commit(12, 2, "node-b", SHA_B, 3)),
                        List.of(),
                        List.of(),
                        List.of())));

        cases.add(new Case(
                "INV-L3",
                "two nodes say they lead in one sample",
                trial("two-claims"),
                new History(List.of(), List.of(), List.of(), List.of(sample(1, true, false), sample(2, true, true)))));

        Trial lease = trial("commit-after-lost-lease");
        lease.leaseLost("node-a", 1, T0.plusSeconds(5), Duration.ofSeconds(3));
        cases.add(new Case(
                "INV-L3",
                "a commit in the old epoch after the lease was lost",
                lease,
                new History(List.of(commit(11, 1, "node-a", SHA_A, 10)), List.of(), List.of(), List.of())));

        cases.add(new Case(
                "INV-L5",
                "a serial reused with other content",
                trial("serial-reused"),
                new History(
                        List.of(commit(11, 1, "node-a", SHA_A, 2), commit(11, 2, "node-b", SHA_B, 8)),
                        List.of(),
                        List.of(),
                        List.of())));

        // the ledger committed serial 12 with one content; the secondary got other bytes under serial 12
        Path bogus = zoneFile("bogus", 12, List.of());
        cases.add(new Case(
                "INV-L4",
                "a bogus version at the secondary (the serial committed, the content not)",
                trial("bogus-version"),
                new History(
                        List.of(commit(12, 1, "node-a", SHA_C, 2)),
                        List.of(capture(12, bogus, 4, false)),
                        List.of(),
                        List.of())));

        Path future = zoneFile(
                "future",
                13,
                List.of(ZONE + " 10 IN RRSIG SOA 13 2 10 20261215120000 20261201130000 4711 " + ZONE + " "
                        + base64(64, 7)));
        cases.add(new Case(
                "INV-D5",
                "an RRSIG from the future (inception an hour after arrival)",
                trial("rrsig-from-future"),
                new History(
                        List.of(commit(13, 1, "node-a", digest(future), 2)),
                        List.of(capture(13, future, 4, true)),
                        List.of(),
                        List.of())));

        Path before = zoneFile("keys-before", 14, List.of(ZONE + " 10 IN DNSKEY 257 3 13 " + base64(64, 1)));
        Path after = zoneFile("keys-after", 15, List.of(ZONE + " 10 IN DNSKEY 257 3 13 " + base64(64, 2)));
        Trial keys = trial("key-set-changed");
        keys.faultAt = T0.plusSeconds(5);
        cases.add(new Case(
                "INV-K5",
                "the DNSKEY RRset changed across a takeover",
                keys,
                new History(
                        List.of(
                                commit(14, 1, "node-a", digest(before), -20),
                                commit(15, 2, "node-b", digest(after), 12)),
                        List.of(capture(14, before, -19, true), capture(15, after, 13, true)),
                        List.of(),
                        List.of())));

        cases.add(new Case(
                "distribution",
                "a committed version the secondary never got",
                trial("never-delivered"),
                new History(List.of(commit(16, 1, "node-a", SHA_A, 5)), List.of(), List.of(), List.of())));

        // the ledger is in order (17 in epoch 2, 18 in epoch 3); the secondary took 18, then went back to 17
        Path old = zoneFile("old-epoch", 17, List.of());
        Path newer = zoneFile("new-epoch", 18, List.of(ZONE + " 10 IN TXT \"new\""));
        cases.add(new Case(
                "INV-L1",
                "the secondary accepted an older epoch's version after a newer epoch's",
                trial("epoch-backwards"),
                new History(
                        List.of(commit(17, 2, "node-a", digest(old), 2), commit(18, 3, "node-b", digest(newer), 3)),
                        List.of(capture(18, newer, 3, true), capture(17, old, 4, true)),
                        List.of(),
                        List.of())));

        cases.add(new Case(
                "no-servfail",
                "a SERVFAIL through the validating resolver",
                trial("servfail"),
                new History(List.of(), List.of(), List.of(answer(ProberEvent.Kind.SERVFAIL, 3)), List.of())));

        Trial noTakeover = trial("no-takeover");
        noTakeover.faultAt = T0.plusSeconds(5);
        noTakeover.expectTakeover();
        cases.add(new Case(
                "takeover",
                "a takeover the scenario expected never happened",
                noTakeover,
                new History(List.of(commit(10, 1, "node-a", SHA_A, -30)), List.of(), List.of(), List.of())));
        return cases;
    }

    /** A trial named {@code name} over [T0, T0 + 60 s), node-a leading epoch 1 at serial 10 before. */
    static Trial trial(String name) {
        Trial t = new Trial("self-test:" + name, 1);
        t.start = T0;
        t.end = T0.plusSeconds(60);
        t.leaderBefore = "node-a";
        t.serialBefore = 10;
        t.epochBefore = 1;
        return t;
    }

    /** A ledger commit made and recorded {@code at} seconds after T0. */
    static LedgerEntry commit(long serial, long epoch, String node, String sha, int at) {
        return new LedgerEntry(serial, epoch, node, sha, T0.plusSeconds(at), T0.plusSeconds(at));
    }

    /** The prober's answer for www at {@code at} seconds after T0. */
    static ProberEvent answer(ProberEvent.Kind kind, int at) {
        return new ProberEvent(
                T0.plusSeconds(at),
                "www." + ZONE,
                "A",
                kind,
                kind == ProberEvent.Kind.SERVFAIL ? "SERVFAIL" : "NOERROR",
                kind == ProberEvent.Kind.SERVFAIL ? "6 DNSSEC_BOGUS" : "",
                3);
    }

    private static ClusterSample sample(int at, boolean aLeads, boolean bLeads) {
        return new ClusterSample(
                T0.plusSeconds(at),
                true,
                List.of("node-a", "node-b"),
                1,
                10,
                "node-a",
                1,
                Map.of(
                        "node-a", new ClusterSample.NodeView(true, aLeads, true, "ok"),
                        "node-b", new ClusterSample.NodeView(true, bLeads, true, "ok")));
    }

    /**
     * A version at the secondary; {@code recorded}: the observer recorded its content digest (else the
     * checker reads it from the file).
     */
    private CapturedVersion capture(long serial, Path file, int at, boolean recorded) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        return new CapturedVersion(
                T0.plusSeconds(at),
                ZONE,
                serial,
                dir.relativize(file).toString(),
                SHA_A,
                (int) text.lines().count(),
                recorded ? digest(file) : null);
    }

    private String digest(Path file) throws IOException {
        return ZoneDigest.sha256Hex(Checker.parse(file, ZONE));
    }

    private Path zoneFile(String name, long serial, List<String> extra) throws IOException {
        StringBuilder b = new StringBuilder()
                .append(ZONE)
                .append(" 10 IN SOA ns1.")
                .append(ZONE)
                .append(" hostmaster.")
                .append(ZONE)
                .append(' ')
                .append(serial)
                .append(" 10 5 1209600 10\n")
                .append(ZONE)
                .append(" 10 IN NS ns1.")
                .append(ZONE)
                .append('\n')
                .append("ns1.")
                .append(ZONE)
                .append(" 10 IN A 10.77.4.53\n");
        extra.forEach(l -> b.append(l).append('\n'));
        Path f = dir.resolve("published/self-test/" + name + ".zone");
        Files.createDirectories(f.getParent());
        Files.writeString(f, b.toString(), StandardCharsets.US_ASCII);
        return f;
    }

    private static String base64(int bytes, int seed) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (seed * 31 + i);
        }
        return Base64.getEncoder().encodeToString(b);
    }
}
