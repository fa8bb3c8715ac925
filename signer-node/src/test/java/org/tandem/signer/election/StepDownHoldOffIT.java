package org.tandem.signer.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;

/**
 * A step-down ordered with a hold-off keeps the node out of the election for that hold-off, not the
 * settings' default ({@link ElectionNode#FAST}: 300 ms): real ZooKeeper, two nodes in one JVM.
 */
class StepDownHoldOffIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final ElectionNodes nodes = new ElectionNodes(ZK);

    private ElectionNode node(String name) {
        return nodes.node(name, new SwitchableCheck(true));
    }

    @Test
    void theLeaderStaysOutForTheHoldOffItWasOrderedAndALaterOrderWhileOutExtendsIt() throws Exception {
        ElectionNode a = node("node-a").start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        ElectionNode b = node("node-b").start();
        TestTiming.until(WAIT, "node-b is a candidate", () -> b.election.state().role() == ElectionRole.CANDIDATE);
        Duration asked = Duration.ofSeconds(2);

        long ordered = System.nanoTime();
        a.election.stepDown(asked);

        TestTiming.until(WAIT, "node-b leads", b::leads);
        assertThat(a.listener.losses())
                .extracting(RecordingListener.Event::reason)
                .containsExactly(LossReason.STEPPED_DOWN);
        // while out, a second order with a longer hold-off extends it from now
        Duration longer = Duration.ofSeconds(3);
        long extended = System.nanoTime();
        a.election.stepDown(longer);
        TestTiming.until(
                WAIT,
                "node-a re-enters as a candidate after the hold-off",
                () -> a.election.state().role() == ElectionRole.CANDIDATE);
        long out = System.nanoTime();

        assertThat(Duration.ofNanos(out - ordered)).isGreaterThanOrEqualTo(asked);
        assertThat(Duration.ofNanos(out - extended)).isGreaterThanOrEqualTo(longer);
        assertThat(a.leads()).isFalse();
    }

    @Test
    void aNegativeHoldOffIsRefused() throws Exception {
        ElectionNode a = node("node-a").start();
        TestTiming.until(WAIT, "node-a leads", a::leads);

        assertThatThrownBy(() -> a.election.stepDown(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hold-off");
        assertThat(a.leads()).isTrue();
    }
}
