package org.tandem.signer.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.testing.Prerequisites;

/**
 * The shipped alert rules and Alertmanager configuration pass Prometheus' own tools: {@code promtool
 * check rules}, the rule unit tests in {@code monitoring/prometheus/tests} ({@code promtool test
 * rules}: every alert fires on sample series) and {@code amtool check-config}. A failure shows the
 * tool's output.
 */
class MonitoringConfigIT {
    private Path monitoring;

    @BeforeEach
    void tools() {
        Prerequisites.requireTool("promtool", "prometheus");
        Prerequisites.requireTool("amtool", "prometheus-alertmanager");
        monitoring = MonitoringTools.monitoringDir();
    }

    @Test
    void alertRulesParse() throws Exception {
        MonitoringTools.Run run = MonitoringTools.run(
                List.of("promtool", "check", "rules", "tandem-rules.yml"), monitoring.resolve("prometheus"));

        assertThat(run.exitCode()).as("promtool check rules:\n%s", run.output()).isZero();
        assertThat(run.output()).contains("SUCCESS");
    }

    @Test
    void everyAlertFiresInTheRuleUnitTests() throws Exception {
        MonitoringTools.Run run = MonitoringTools.run(
                List.of("promtool", "test", "rules", "tests/tandem-rules-test.yml"), monitoring.resolve("prometheus"));

        assertThat(run.exitCode()).as("promtool test rules:\n%s", run.output()).isZero();
        assertThat(run.output()).contains("SUCCESS");
    }

    @Test
    void alertmanagerConfigurationIsValid() throws Exception {
        MonitoringTools.Run run = MonitoringTools.run(
                List.of("amtool", "check-config", "alertmanager.yml"), monitoring.resolve("alertmanager"));

        assertThat(run.exitCode()).as("amtool check-config:\n%s", run.output()).isZero();
        assertThat(run.output()).contains("SUCCESS");
    }

    @Test
    void criticalAlertsPageWarningsGoToTicketsAndAZoneWithItsOwnTeamPagesThatTeam() throws Exception {
        assertThat(receiver("severity=critical", "zone=example.org.")).isEqualTo("tandem-pager");
        assertThat(receiver("severity=warning", "zone=example.org.")).isEqualTo("tandem-tickets");
        assertThat(receiver("severity=critical", "zone=example.com.")).isEqualTo("example-team-pager");
        assertThat(receiver("severity=warning", "zone=example.com.")).isEqualTo("tandem-tickets");
    }

    /** The receiver {@code amtool config routes test} picks for an alert with these labels. */
    private String receiver(String... labels) throws Exception {
        List<String> command =
                new ArrayList<>(List.of("amtool", "config", "routes", "test", "--config.file", "alertmanager.yml"));
        command.addAll(List.of(labels));
        MonitoringTools.Run run = MonitoringTools.run(command, monitoring.resolve("alertmanager"));
        assertThat(run.exitCode())
                .as("amtool config routes test:\n%s", run.output())
                .isZero();
        // amtool prints the receiver names on one line; a note about --alertmanager.url may come first
        return run.output()
                .lines()
                .filter(l -> !l.startsWith("Warning:"))
                .map(String::trim)
                .filter(l -> !l.isEmpty())
                .reduce((a, b) -> b)
                .orElse("");
    }
}
