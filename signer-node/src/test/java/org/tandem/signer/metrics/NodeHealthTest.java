package org.tandem.signer.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.node.CheckState;
import org.tandem.signer.node.KeySyncState;
import org.tandem.signer.node.NodeRole;
import org.tandem.signer.node.NodeStatus;
import org.tandem.signer.node.ZoneStatus;

class NodeHealthTest {
    private static final ZoneName ZONE = ZoneName.of("example.com");
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    private static NodeStatus status(NodeRole role, List<String> reasons, ZoneStatus zone) {
        return new NodeStatus("dc2-signer", "dc2", role, 3, Duration.ZERO, reasons, List.of(zone), NOW);
    }

    @Test
    void aStandbyThatHasNotPublishedYetIsHealthy() {
        assertThat(NodeHealth.from(status(NodeRole.STANDBY, List.of(), ZoneStatus.initial(ZONE)))
                        .healthy())
                .isTrue();
    }

    @Test
    void aNodeOutOfTheElectionIsNotHealthyAndSaysWhy() {
        NodeHealth h = NodeHealth.from(
                status(NodeRole.NOT_ELIGIBLE, List.of("HSM dc2-hsm1 unavailable"), ZoneStatus.initial(ZONE)));

        assertThat(h.healthy()).isFalse();
        assertThat(h.reasons()).containsExactly("node dc2-signer is not eligible: HSM dc2-hsm1 unavailable");
        assertThat(NodeHealth.from(status(NodeRole.STOPPED, List.of(), ZoneStatus.initial(ZONE)))
                        .reasons())
                .containsExactly("node dc2-signer is stopped");
    }

    @Test
    void aFailedCanaryMakesItUnhealthy() {
        ZoneStatus zone = new ZoneStatus(
                ZONE,
                OptionalLong.empty(),
                Optional.empty(),
                Optional.empty(),
                CheckState.NOT_RUN,
                "",
                CheckState.FAILED,
                "TYPE65280 at x.example.com. cannot be signed",
                KeySyncState.SYNCED,
                List.of(),
                Optional.empty());

        assertThat(NodeHealth.from(status(NodeRole.STANDBY, List.of(), zone)).reasons())
                .containsExactly(
                        "zone example.com.: capability canary failed: TYPE65280 at x.example.com. cannot be signed");
    }

    @Test
    void failingNeedsAReason() {
        assertThatThrownBy(() -> NodeHealth.failing(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThat(NodeHealth.failing(List.of("x")).healthy()).isFalse();
        assertThat(NodeHealth.ok().healthy()).isTrue();
    }
}
