package org.tandem.chaos.scenario;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.tandem.chaos.history.JsonLines;

/**
 * {@code report.json} ({@code {"scenarios": [...]}} plus a summary) and {@code report.md}, written
 * atomically after every scenario so that an interrupted run still leaves a report of what ran.
 */
final class Report {
    private Report() {}

    static void write(Path dir, List<Trial> trials, Instant started, String setupError) throws IOException {
        write(dir, trials, started, setupError, null);
    }

    static void write(Path dir, List<Trial> trials, Instant started, String setupError, Nemesis nemesis)
            throws IOException {
        ObjectNode root = JsonLines.MAPPER.createObjectNode();
        if (nemesis != null) {
            ObjectNode n = root.putObject("nemesis");
            n.put("kind", "random");
            n.put("seed", nemesis.seed());
            n.put("duration_seconds", nemesis.duration().toSeconds());
            n.put(
                    "replay",
                    "bin/chaos --nemesis random --duration "
                            + nemesis.duration().toSeconds() + "s --seed " + nemesis.seed() + " --report DIR");
            ArrayNode sched = n.putArray("schedule");
            for (Nemesis.Step st : List.copyOf(nemesis.schedule())) {
                sched.addObject()
                        .put("round", st.round())
                        .put("scenario", st.scenario())
                        .put("seed", st.seed())
                        .put("started", st.started().toString());
            }
        }
        ArrayNode list = root.putArray("scenarios");
        for (Trial t : trials) {
            ObjectNode s = list.addObject();
            s.put("name", t.name);
            s.put("round", t.round);
            s.put("seed", t.seed);
            s.put("passed", t.passed());
            s.put("fault", t.fault);
            s.put("started", String.valueOf(t.start));
            s.put("ended", String.valueOf(t.end));
            s.put("duration_seconds", Math.round(t.duration().toMillis() / 100.0) / 10.0);
            s.put("leader_before", t.leaderBefore);
            s.put("takeover_expected", t.expectTakeover);
            if (t.takeoverSeconds != null) {
                s.put("takeover_seconds", t.takeoverSeconds);
            } else {
                s.putNull("takeover_seconds");
            }
            if (t.ledgerTakeoverSeconds != null) {
                s.put("takeover_commit_seconds", t.ledgerTakeoverSeconds);
            }
            s.put("max_concurrent_leaders", t.maxConcurrentLeaders);
            s.put("widest_sample_gap_ms", t.widestSampleGapMillis);
            s.put("published_versions", t.publishedVersions);
            s.put("source_changes", t.sourceChanges);
            ArrayNode c = s.putArray("checks");
            for (String id : t.checks) {
                c.addObject().put("name", id).put("passed", t.passed(id));
            }
            ObjectNode p = s.putObject("prober");
            p.put("ad", t.prober[0]);
            p.put("servfail", t.prober[1]);
            p.put("timeout", t.prober[2]);
            p.put("other", t.prober[3]);
            ArrayNode v = s.putArray("violated");
            for (Trial.Violation x : t.violations) {
                v.addObject().put("invariant", x.invariant()).put("detail", x.detail());
            }
            ArrayNode n = s.putArray("notes");
            t.notes.forEach(n::add);
        }
        ObjectNode sum = root.putObject("summary");
        sum.put("started", started.toString());
        sum.put("scenarios", trials.size());
        sum.put("passed", trials.stream().filter(Trial::passed).count());
        sum.put("all_passed", setupError == null && trials.stream().allMatch(Trial::passed));
        if (setupError != null) {
            sum.put("incomplete", setupError);
        }
        List<Double> times = trials.stream()
                .filter(t -> t.takeoverSeconds != null)
                .map(t -> t.takeoverSeconds)
                .sorted()
                .toList();
        if (!times.isEmpty()) {
            ObjectNode tk = sum.putObject("takeover_seconds");
            tk.put("count", times.size());
            tk.put("median", median(times));
            tk.put("worst", times.get(times.size() - 1));
            tk.put("best", times.get(0));
        }
        atomic(
                dir.resolve("report.json"),
                JsonLines.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
        atomic(dir.resolve("report.md"), markdown(trials, started, setupError, times));
    }

    static double median(List<Double> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String markdown(List<Trial> trials, Instant started, String setupError, List<Double> times) {
        StringBuilder b = new StringBuilder("# Tandem chaos run\n\nStarted " + started + "; " + trials.size()
                + " scenario run(s), " + trials.stream().filter(Trial::passed).count() + " passed.\n\n");
        if (setupError != null) {
            b.append("**Not complete**: ").append(setupError).append("\n\n");
        }
        if (!times.isEmpty()) {
            b.append(String.format(
                    Locale.ROOT,
                    "Takeover (fault → first version of the new leader at the authoritative server): "
                            + "median %.2f s, worst %.2f s, best %.2f s over %d takeovers.%n%n",
                    median(times),
                    times.get(times.size() - 1),
                    times.get(0),
                    times.size()));
        }
        b.append("| scenario | passed | takeover s | prober ad / servfail / timeout / other | max leaders | "
                        + "violated |\n")
                .append("|---|---|---:|---|---:|---|\n");
        for (Trial t : trials) {
            b.append("| ")
                    .append(t.name)
                    .append(t.round > 1 ? " #" + t.round : "")
                    .append(" | ")
                    .append(t.passed() ? "yes" : "**NO**")
                    .append(" | ")
                    .append(t.takeoverSeconds == null ? "–" : String.format(Locale.ROOT, "%.2f", t.takeoverSeconds))
                    .append(" | ")
                    .append(t.prober[0])
                    .append(" / ")
                    .append(t.prober[1])
                    .append(" / ")
                    .append(t.prober[2])
                    .append(" / ")
                    .append(t.prober[3])
                    .append(" | ")
                    .append(t.maxConcurrentLeaders)
                    .append(" | ")
                    .append(
                            t.violations.isEmpty()
                                    ? "–"
                                    : String.join(
                                            ", ",
                                            t.violations.stream()
                                                    .map(Trial.Violation::invariant)
                                                    .distinct()
                                                    .toList()))
                    .append(" |\n");
        }
        b.append('\n');
        for (Trial t : trials) {
            b.append("## ")
                    .append(t.name)
                    .append(t.round > 1 ? " #" + t.round : "")
                    .append("\n\n")
                    .append("Fault: ")
                    .append(t.fault)
                    .append(" (leader before: ")
                    .append(t.leaderBefore)
                    .append(", serial ")
                    .append(t.serialBefore)
                    .append(", epoch ")
                    .append(t.epochBefore)
                    .append(")\n\n");
            for (String n : t.notes) {
                b.append("- ").append(n).append('\n');
            }
            for (Trial.Violation v : t.violations) {
                b.append("- **VIOLATED ")
                        .append(v.invariant())
                        .append("**: ")
                        .append(v.detail())
                        .append('\n');
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static void atomic(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
