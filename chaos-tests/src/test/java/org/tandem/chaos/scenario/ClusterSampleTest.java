package org.tandem.chaos.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tandem.chaos.history.ClusterSample;
import org.tandem.chaos.history.ClusterSample.NodeView;

class ClusterSampleTest {
    static final List<String> NODES = List.of("node-a", "node-b");
    static final NodeView LEADS = new NodeView(true, true, true, "ok");
    static final NodeView WAITS = new NodeView(true, false, true, "ok");
    static final NodeView SICK = new NodeView(true, false, false, "node node-b is not eligible: keys-not-synced");

    private static ClusterSample sample(List<String> latch, NodeView a, NodeView b) {
        return new ClusterSample(Instant.EPOCH, true, latch, 3, 5, "node-a", 3, Map.of("node-a", a, "node-b", b));
    }

    @Test
    void convergedMeansOneLeaderFirstInTheLatchAndEveryNodeHealthyInIt() {
        assertThat(sample(List.of("node-a", "node-b"), LEADS, WAITS).converged(NODES))
                .isTrue();
        assertThat(sample(List.of("node-a"), LEADS, SICK).converged(NODES))
                .as("a node out of the latch")
                .isFalse();
        assertThat(sample(List.of("node-a", "node-b"), LEADS, LEADS).converged(NODES))
                .as("two leaders")
                .isFalse();
        assertThat(sample(List.of("node-b", "node-a"), LEADS, WAITS).converged(NODES))
                .as("leader not first")
                .isFalse();
        assertThat(new ClusterSample(
                                Instant.EPOCH,
                                false,
                                List.of(),
                                -1,
                                -1,
                                "",
                                -1,
                                Map.of("node-a", LEADS, "node-b", WAITS))
                        .converged(NODES))
                .as("ZooKeeper down")
                .isFalse();
    }
}
