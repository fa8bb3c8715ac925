package org.tandem.coordinator.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tandem.proto.coordinator.v1.ClusterStatus;
import org.tandem.proto.coordinator.v1.FailoverResult;
import org.tandem.proto.coordinator.v1.NodeRole;
import org.tandem.proto.coordinator.v1.NodeView;
import org.tandem.proto.coordinator.v1.NodeZoneView;
import org.tandem.proto.coordinator.v1.PreflightCheck;
import org.tandem.proto.coordinator.v1.PreflightResult;
import org.tandem.proto.coordinator.v1.Refusal;

/** The coordinator's preflight verdicts, cut-over counts and view of the nodes, read from the Prometheus text. */
class CoordinatorMetricsTest {
    private static final Instant AT = Instant.parse("2026-12-06T12:00:00Z");
    private final CoordinatorMetrics metrics = new CoordinatorMetrics("coord-1", List.of("node-a", "node-b"));

    private static PreflightCheck check(String zone, boolean passed) {
        return PreflightCheck.newBuilder()
                .setName("keys-present")
                .setZone(zone)
                .setPassed(passed)
                .build();
    }

    @Test
    void preflightVerdictsPerZoneAndTargetNodeAndNothingForAnUnconfiguredName() {
        metrics.preflight(
                PreflightResult.newBuilder()
                        .setTo("node-b")
                        .setPassed(false)
                        .addChecks(check("example.com.", true))
                        .addChecks(check("example.net.", false))
                        .addRefusals(Refusal.newBuilder()
                                .setZone("example.net.")
                                .setCheck("keys-present")
                                .build())
                        .build(),
                AT);
        metrics.preflight(
                PreflightResult.newBuilder()
                        .setTo("intruder\"name")
                        .setPassed(false)
                        .addChecks(check("example.com.", false))
                        .build(),
                AT);

        String text = metrics.scrape();

        assertThat(text)
                .contains("tandem_coordinator_preflight_ok{coordinator=\"coord-1\",node=\"node-b\","
                        + "zone=\"example.com.\"} 1")
                .contains("tandem_coordinator_preflight_ok{coordinator=\"coord-1\",node=\"node-b\","
                        + "zone=\"example.net.\"} 0")
                .contains("tandem_coordinator_preflight_timestamp_seconds{coordinator=\"coord-1\",node=\"node-b\"} "
                        + (double) AT.getEpochSecond())
                .doesNotContain("intruder");
    }

    @Test
    void aRefusalWithoutAZoneRefusesEveryZone() {
        metrics.preflight(
                PreflightResult.newBuilder()
                        .setTo("node-a")
                        .setPassed(false)
                        .addChecks(check("example.com.", true))
                        .addChecks(check("", false))
                        .addRefusals(
                                Refusal.newBuilder().setCheck("epoch-current").build())
                        .build(),
                AT);

        assertThat(metrics.scrape())
                .contains(
                        "tandem_coordinator_preflight_ok{coordinator=\"coord-1\",node=\"node-a\",zone=\"example.com.\"}"
                                + " 0");
    }

    @Test
    void countsFailoversByHowTheyEnded() {
        for (int i = 0; i < 4; i++) {
            metrics.failoverRequested();
        }
        metrics.failoverEnded(FailoverResult.newBuilder().setPerformed(false).build());
        metrics.failoverEnded(FailoverResult.newBuilder()
                .setPerformed(true)
                .setNewLeader("node-b")
                .build());
        metrics.failoverEnded(FailoverResult.newBuilder()
                .setPerformed(true)
                .setNewLeader("node-a")
                .build());
        metrics.failoverEnded(FailoverResult.newBuilder().setPerformed(true).build());

        assertThat(metrics.scrape())
                .contains("tandem_coordinator_failovers_requested_total{coordinator=\"coord-1\"} 4.0")
                .contains("tandem_coordinator_failovers_refused_total{coordinator=\"coord-1\"} 1.0")
                .contains("tandem_coordinator_failovers_completed_total{coordinator=\"coord-1\"} 2.0")
                .contains("tandem_coordinator_failovers_failed_total{coordinator=\"coord-1\"} 1.0");
    }

    @Test
    void reachabilityAndKeySyncPerNodeFromTheLastLook() {
        assertThat(metrics.scrape())
                .contains("tandem_coordinator_node_reachable{coordinator=\"coord-1\",node=\"node-a\"} NaN");

        metrics.observed(
                ClusterStatus.newBuilder()
                        .addNodes(NodeView.newBuilder()
                                .setName("node-a")
                                .setRole(NodeRole.LEADER)
                                .addZones(NodeZoneView.newBuilder()
                                        .setZone("example.com.")
                                        .setKeySync("synced")))
                        .addNodes(NodeView.newBuilder().setName("node-b").setRole(NodeRole.UNREACHABLE))
                        .addProblems("ZooKeeper 127.0.0.1:2281 unreachable")
                        .build(),
                AT);
        String text = metrics.scrape();

        assertThat(text)
                .contains("tandem_coordinator_node_reachable{coordinator=\"coord-1\",node=\"node-a\"} 1.0")
                .contains("tandem_coordinator_node_reachable{coordinator=\"coord-1\",node=\"node-b\"} 0.0")
                .contains("tandem_coordinator_node_key_synced{coordinator=\"coord-1\",node=\"node-a\","
                        + "zone=\"example.com.\"} 1")
                .doesNotContain("tandem_coordinator_node_key_synced{coordinator=\"coord-1\",node=\"node-b\"");
        assertThat(metrics.problems()).containsExactly("ZooKeeper 127.0.0.1:2281 unreachable");
    }
}
