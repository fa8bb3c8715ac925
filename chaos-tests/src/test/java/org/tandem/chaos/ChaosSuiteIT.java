package org.tandem.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.tandem.chaos.history.JsonLines;
import org.tandem.chaos.net.Topology;
import org.tandem.chaos.proc.Procs;
import org.tandem.chaos.scenario.Scenarios;
import org.tandem.keysync.testing.Prerequisites;

/**
 * The short suite of the README's test command: every scenario of {@link Scenarios#shortSuite()} once
 * (the slow ones, {@link Scenarios#FULL_RUN_ONLY}, only in a full {@code bin/chaos} run), through the
 * harness's own main in a child JVM as {@code bin/chaos} runs it, and its report judged here.
 */
class ChaosSuiteIT {
    static final Set<String> TAKEOVERS = Set.of(
            "switch-failure",
            "leader-kill",
            "leader-pause",
            "leader-zookeeper-partition",
            "hsm-token-loss",
            "clock-jump",
            "mozilla-expired-zsk");

    @Test
    void everyScenarioPassesAndTheReportSaysSo() throws Exception {
        Prerequisites.require(
                "root".equals(System.getProperty("user.name")), "root (network namespaces; CI runs as root)");
        for (String[] tool : new String[][] {
            {"knotd", "knot"},
            {"unbound", "unbound"},
            {"ldns-verify-zone", "ldnsutils"},
            {"pkcs11-tool", "opensc"},
            {"softhsm2-util", "softhsm2"},
            {"openssl", "openssl"}
        }) {
            Prerequisites.requireTool(tool[0], tool[1]);
        }
        Path report = Path.of("target", "chaos-report").toAbsolutePath();
        deleteTree(report);
        Path log = Path.of("target", "chaos-suite.log").toAbsolutePath();
        List<String> cmd = new ArrayList<>(Procs.javaCommand("512m", List.of()));
        cmd.addAll(List.of(ChaosMain.class.getName(), "--report", report.toString()));
        for (String name : Scenarios.shortSuite()) {
            cmd.addAll(List.of("--scenario", name));
        }
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        boolean finished = p.waitFor(25, TimeUnit.MINUTES);
        if (!finished) {
            p.destroy();
            p.waitFor(60, TimeUnit.SECONDS);
        }
        String tail = tail(log);
        assertThat(finished).as("the suite finished within 25 minutes; " + tail).isTrue();
        assertThat(new String(new ProcessBuilder("ip", "netns", "list")
                        .start()
                        .getInputStream()
                        .readAllBytes()))
                .as("every namespace removed")
                .doesNotContain(Topology.PREFIX);

        JsonNode json = JsonLines.MAPPER.readTree(report.resolve("report.json").toFile());
        List<String> names = new ArrayList<>();
        for (JsonNode s : json.get("scenarios")) {
            String name = s.get("name").asText();
            names.add(name);
            assertThat(s.get("passed").asBoolean())
                    .as(name + " passed: " + s.get("violated"))
                    .isTrue();
            assertThat(s.get("prober").get("servfail").asLong())
                    .as(name + " SERVFAILs")
                    .isZero();
            assertThat(s.get("prober").get("ad").asLong())
                    .as(name + " validated answers")
                    .isPositive();
            for (JsonNode c : s.get("checks")) {
                assertThat(c.get("passed").asBoolean())
                        .as(name + " check " + c.get("name").asText())
                        .isTrue();
            }
            assertThat(s.get("checks").toString()).as(name + " checks").contains("INV-L4", "INV-L3");
            assertThat(s.get("max_concurrent_leaders").asLong())
                    .as(name + " leaders at once")
                    .isLessThanOrEqualTo(1);
            assertThat(s.get("published_versions").asLong())
                    .as(name + " versions at the secondary (the zone churns)")
                    .isPositive();
            if (TAKEOVERS.contains(name)) {
                assertThat(s.get("takeover_seconds").asDouble())
                        .as(name + " takeover")
                        .isPositive()
                        .isLessThan(60);
            }
        }
        assertThat(names).containsExactlyElementsOf(Scenarios.shortSuite());
        assertThat(p.exitValue()).as("exit code; " + tail).isZero();
        assertThat(Files.readString(report.resolve("report.md"))).contains("| switch-failure | yes |");
        try (Stream<Path> versions = Files.list(report.resolve("published/example.test"))) {
            assertThat(versions.filter(f -> f.toString().endsWith(".zone")).count())
                    .as("every takeover brings a new version to the authoritative server")
                    .isGreaterThanOrEqualTo(TAKEOVERS.size());
        }
    }

    private static String tail(Path log) throws Exception {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return "last lines of " + log + ":\n"
                + String.join("\n", lines.subList(Math.max(0, lines.size() - 25), lines.size()));
    }

    private static void deleteTree(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
