package org.tandem.signer.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.node.NodeRole;
import org.tandem.signer.node.NodeStatus;
import org.tandem.signer.node.ZoneStatus;

/** Replicate before publish and the automatic takeover's checks in {@code /health} and the metrics. */
class ReplicationHealthAndMetricsTest {
    private static final ZoneName ZONE = ZoneName.of("example.com");
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final String PENDING =
            "ZSK 4711 fp 3f2a9c01…: missing on node-b (unreachable or refusing" + " (Inventory: UNAVAILABLE))";

    private static NodeStatus status(NodeRole role, ZoneStatus zone, List<NodeStatus.PeerStatus> peers) {
        return new NodeStatus(
                "node-a",
                "dc1",
                role,
                3,
                role == NodeRole.LEADER ? Duration.ofSeconds(2) : Duration.ZERO,
                List.of(),
                List.of(zone),
                NOW,
                Optional.empty(),
                peers);
    }

    @Test
    void aLeaderThatCannotReplicateAKeyIsUnhealthyNamingKeyAndNodeAndStaysLeader() {
        NodeStatus s = status(NodeRole.LEADER, ZoneStatus.initial(ZONE).with(List.of(PENDING), List.of()), List.of());
        NodeHealth h = NodeHealth.from(s);
        assertThat(h.healthy()).isFalse();
        assertThat(h.reasons()).containsExactly("zone example.com.: key not published, not on every node: " + PENDING);
        assertThat(s.role()).isEqualTo(NodeRole.LEADER);
    }

    @Test
    void aStandbyLackingOnlyAGeneratedKeyIsHealthy() {
        ZoneStatus z =
                ZoneStatus.initial(ZONE).with(List.of("ZSK 4711 fp 3f2a9c01… on HSM dc2-hsm1: missing"), List.of());
        assertThat(NodeHealth.from(status(NodeRole.STANDBY, z, List.of())).healthy())
                .isTrue();
    }

    @Test
    void aRefusedTakeoverStaysInTheHealthOfTheNodeThatRefused() {
        ZoneStatus z = ZoneStatus.initial(ZONE)
                .with(List.of(), List.of("keys-identical: passed: 2 keys", "canary: refused: record type TYPE200 …"));
        assertThat(NodeHealth.from(status(NodeRole.STANDBY, z, List.of())).reasons())
                .containsExactly("zone example.com.: takeover refused: canary: refused: record type TYPE200 …");
        assertThat(NodeHealth.from(status(
                                NodeRole.LEADER,
                                ZoneStatus.initial(ZONE).with(List.of(), List.of("canary: passed: 9 types")),
                                List.of()))
                        .healthy())
                .isTrue();
    }

    @Test
    void theMetricsCountPendingKeysPerZoneAndPerPeer() {
        NodeStatus[] now = {
            status(
                    NodeRole.LEADER,
                    ZoneStatus.initial(ZONE).with(List.of(PENDING), List.of()),
                    List.of(new NodeStatus.PeerStatus(
                            "node-b", "127.0.0.1:7444", OptionalInt.of(1), List.of("unreachable"))))
        };
        NodeMetrics m = new NodeMetrics("node-a", List.of(ZONE), List.of("node-b"), () -> now[0]);
        assertThat(m.scrape())
                .contains("tandem_zone_key_replication_pending{node=\"node-a\",zone=\"example.com.\"} 1.0")
                .contains("tandem_peer_keys_pending{node=\"node-a\",peer=\"node-b\"} 1.0");
        now[0] = status(
                NodeRole.STANDBY,
                ZoneStatus.initial(ZONE),
                List.of(new NodeStatus.PeerStatus("node-b", "127.0.0.1:7444", OptionalInt.empty(), List.of())));
        assertThat(m.scrape())
                .contains("tandem_zone_key_replication_pending{node=\"node-a\",zone=\"example.com.\"} 0.0")
                .contains("tandem_peer_keys_pending{node=\"node-a\",peer=\"node-b\"} NaN");
    }
}
