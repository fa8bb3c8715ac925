package org.tandem.signer.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tandem.keysync.manifest.ZooKeeperLayout;
import org.tandem.keysync.testing.ZooKeeperFixture;

/** INV-D5: ZooKeeper server time (the mtime of the node's own znode) as the clock reference, on a real server. */
class ClockReferenceIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    private CuratorFramework client;
    private String root;
    private final JumpableClock clock = new JumpableClock();

    @BeforeEach
    void connect(TestInfo test) {
        client = ElectionNode.connect(ZK.connectString(), Duration.ofSeconds(20));
        root = "/clock-" + test.getTestMethod().orElseThrow().getName();
    }

    @AfterEach
    void close() {
        client.close();
    }

    private ZooKeeperClockReference reference() {
        return new ZooKeeperClockReference(client, new ZooKeeperLayout(root), "node-a", clock, System::nanoTime);
    }

    @Test
    void theNodesOwnZnodeIsCreatedAndItsMtimeAgreesWithASharedClock() throws Exception {
        ZooKeeperClockReference ref = reference();
        ClockSample first = ref.sample();
        assertThat(ref.path()).isEqualTo(root + "/cluster/clocks/node-a");
        Stat stat = new Stat();
        byte[] data = client.getData().storingStatIn(stat).forPath(ref.path());
        assertThat(new String(data, StandardCharsets.UTF_8)).startsWith("node-a 20");
        assertThat(stat.getMtime()).isEqualTo(first.reference().toEpochMilli());
        // the test JVM and the in-process server share one clock: the skew is the reading's error only
        assertThat(first.skew().abs()).isLessThanOrEqualTo(first.uncertainty().plusMillis(5));
        assertThat(first.uncertainty()).isLessThan(Duration.ofSeconds(2));

        Thread.sleep(20); // distinct mtimes at millisecond resolution; not a wait for a condition
        ClockSample second = ref.sample();
        assertThat(second.reference()).isAfter(first.reference());
        assertThat(client.checkExists().forPath(ref.path()).getVersion()).isEqualTo(stat.getVersion() + 1);
    }

    @Test
    void f8ALocalClockADayAheadShowsAsASkewOfPlusOneDay() throws Exception {
        clock.set(Duration.ofDays(1));
        ClockSample s = reference().sample();
        assertThat(s.skew().minus(Duration.ofDays(1)).abs()).isLessThan(Duration.ofSeconds(2));

        ClockGuard guard = new ClockGuard("node-a", reference(), "ZooKeeper", Duration.ofSeconds(30), clock);
        ClockVerdict v = guard.sample();
        assertThat(v.ok()).isFalse();
        assertThat(v.describe()).matches("clock skew \\+86(39[89]|40[01])\\.\\d s vs ZooKeeper exceeds max-skew 30 s");
        clock.set(Duration.ZERO);
        assertThat(guard.verdict().ok())
                .as("the step back shows without a reading")
                .isTrue();
        assertThat(guard.sample().ok()).isTrue();
    }

    @Test
    void withoutZooKeeperThereIsNoReading() throws Exception {
        client.close();
        assertThatThrownBy(() -> reference().sample())
                .isInstanceOf(ClockReferenceException.class)
                .hasMessageContaining(root + "/cluster/clocks/node-a");
    }
}
