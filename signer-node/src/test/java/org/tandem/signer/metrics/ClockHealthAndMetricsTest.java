package org.tandem.signer.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.node.ClockStatus;
import org.tandem.signer.node.NodeRole;
import org.tandem.signer.node.NodeStatus;
import org.tandem.signer.node.ZoneStatus;

/** INV-D5: the clock's skew in {@code /health} and in the metrics. */
class ClockHealthAndMetricsTest {
    private static final ZoneName ZONE = ZoneName.of("example.com");
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final String SKEWED = "clock skew +86400.2 s vs ZooKeeper exceeds max-skew 30 s";

    private static NodeStatus status(NodeRole role, List<String> reasons, ClockStatus clock) {
        return new NodeStatus(
                "dc2-signer",
                "dc2",
                role,
                3,
                Duration.ZERO,
                reasons,
                List.of(ZoneStatus.initial(ZONE)),
                NOW,
                Optional.of(clock));
    }

    private static ClockStatus skewed() {
        return new ClockStatus(Optional.of(Duration.ofDays(1).plusMillis(200)), Duration.ofSeconds(30), false, SKEWED);
    }

    private static ClockStatus fine() {
        return new ClockStatus(
                Optional.of(Duration.ofMillis(-12)),
                Duration.ofSeconds(30),
                true,
                "clock skew -0.0 s vs ZooKeeper (±0.002 s) within max-skew 30 s");
    }

    @Test
    void aSkewedClockMakesTheNodeUnhealthyAndNamesTheSkew() {
        NodeHealth h = NodeHealth.from(status(
                NodeRole.NOT_ELIGIBLE,
                List.of("clock skew +86400.1 s vs ZooKeeper" + " exceeds max-skew 30 s"),
                skewed()));
        assertThat(h.healthy()).isFalse();
        assertThat(h.reasons()).contains("node dc2-signer: " + SKEWED + "; refusing to sign");
    }

    @Test
    void aClockWithinTheThresholdAddsNothing() {
        assertThat(NodeHealth.from(status(NodeRole.STANDBY, List.of(), fine())).healthy())
                .isTrue();
        // a status without a clock check (the 8-argument constructor) says nothing about the clock
        assertThat(NodeHealth.from(new NodeStatus(
                                "n",
                                "s",
                                NodeRole.STANDBY,
                                0,
                                Duration.ZERO,
                                List.of(),
                                List.of(ZoneStatus.initial(ZONE)),
                                NOW))
                        .healthy())
                .isTrue();
    }

    @Test
    void theMetricsShowTheSkewTheThresholdAndTheRefusals() {
        NodeStatus[] now = {status(NodeRole.NOT_ELIGIBLE, List.of(SKEWED), skewed())};
        NodeMetrics m = new NodeMetrics("dc2-signer", List.of(ZONE), () -> now[0]);
        m.clockRefused(ZONE);
        m.clockRefused(ZONE);
        String text = m.scrape();
        assertThat(text)
                .contains("tandem_clock_skew_seconds{node=\"dc2-signer\"} 86400.2")
                .contains("tandem_clock_max_skew_seconds{node=\"dc2-signer\"} 30.0")
                .contains("tandem_clock_ok{node=\"dc2-signer\"} 0.0")
                .contains("tandem_clock_refusals_total{node=\"dc2-signer\",zone=\"example.com.\"} 2.0");
        now[0] = status(NodeRole.STANDBY, List.of(), fine());
        assertThat(m.scrape())
                .contains("tandem_clock_skew_seconds{node=\"dc2-signer\"} -0.012")
                .contains("tandem_clock_ok{node=\"dc2-signer\"} 1.0");
    }
}
