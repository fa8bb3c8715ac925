package org.tandem.signer.election;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tandem.keysync.manifest.ZooKeeperLayout;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;

/**
 * INV-D5 / F8 in the election, on a real ZooKeeper: a node whose wall clock jumps a day ahead stops
 * leading at once and stays out while the skew lasts; the other node takes over; back within the
 * threshold, the node is eligible again.
 */
class ClockSkewElectionIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    private static final Duration SESSION = Duration.ofSeconds(20);
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final List<AutoCloseable> open = new ArrayList<>();
    private String root;

    @BeforeEach
    void freshRoot(TestInfo test) {
        root = "/clock-election-" + test.getTestMethod().orElseThrow().getName();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    /** A node with its own session, whose wall clock (for the guard) the test can jump. */
    private KeySyncedElection node(String name, JumpableClock wall, RecordingListener listener) {
        CuratorFramework client = ElectionNode.connect(ZK.connectString(), SESSION);
        open.add(client);
        ClockGuard guard = new ClockGuard(
                name,
                new ZooKeeperClockReference(client, new ZooKeeperLayout(root), name, wall, System::nanoTime),
                "ZooKeeper",
                Duration.ofSeconds(30),
                wall,
                System::nanoTime);
        KeySyncedElection e = new KeySyncedElection(
                ElectionSetup.of(client, root, name, new SwitchableCheck(true), ElectionNode.FAST, Clock.systemUTC())
                        .withClockGuard(guard));
        e.addListener(listener);
        open.add(e);
        e.start();
        return e;
    }

    @Test
    void f8ALeaderWhoseClockJumpsADayAheadStopsLeadingAtOnceAndTheOtherTakesOver() throws Exception {
        JumpableClock aWall = new JumpableClock();
        RecordingListener aEvents = new RecordingListener();
        KeySyncedElection a = node("node-a", aWall, aEvents);
        TestTiming.until(WAIT, "node-a leads", () -> a.leadership().isPresent());
        Leadership term = a.leadership().orElseThrow();
        KeySyncedElection b = node("node-b", new JumpableClock(), new RecordingListener());
        TestTiming.until(WAIT, "node-b is a candidate", () -> b.state().role() == ElectionRole.CANDIDATE);

        long jumped = System.nanoTime();
        aWall.set(Duration.ofDays(1));
        TestTiming.until(Duration.ofSeconds(5), "node-a's leadership revoked", () -> !term.isValid());
        double seconds = (System.nanoTime() - jumped) / 1e9;

        // the lease watchdog (lease / 10) or the next re-check (200 ms here), whichever comes first
        assertThat(seconds).as("revoked within seconds of the jump").isLessThan(3.0);
        assertThat(term.revocation()).contains(LossReason.CLOCK_SKEW);
        TestTiming.until(WAIT, "node-b leads", () -> b.leadership().isPresent());
        assertThat(b.leadership().orElseThrow().epoch()).isGreaterThan(term.epoch());
        assertThat(aEvents.losses()).extracting(RecordingListener.Event::reason).containsExactly(LossReason.CLOCK_SKEW);

        // it stays out while the skew lasts, and says why
        TestTiming.until(
                WAIT,
                "node-a is out, naming the skew",
                () -> a.state().role() == ElectionRole.OUT
                        && a.state()
                                .reason()
                                .matches("clock skew \\+86(39[89]|40[01])\\.\\d s vs ZooKeeper exceeds max-skew 30 s"));
        long until = System.nanoTime() + Duration.ofSeconds(2).toNanos(); // ten re-checks at 200 ms
        while (System.nanoTime() < until) {
            assertThat(a.state().role()).isEqualTo(ElectionRole.OUT);
            Thread.sleep(50);
        }

        aWall.set(Duration.ZERO);
        TestTiming.until(WAIT, "node-a is eligible again", () -> a.state().role() == ElectionRole.CANDIDATE);
        assertThat(aEvents.gains()).hasSize(1);
    }

    @Test
    void aNodeWhoseClockIsWrongFromTheStartNeverEntersTheElection() throws Exception {
        JumpableClock wall = new JumpableClock();
        wall.set(Duration.ofMinutes(-5));
        RecordingListener events = new RecordingListener();
        KeySyncedElection a = node("node-a", wall, events);
        TestTiming.until(WAIT, "node-a names the skew", () -> a.state().reason().startsWith("clock skew -30"));
        long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (System.nanoTime() < until) {
            assertThat(a.state().role()).isEqualTo(ElectionRole.OUT);
            Thread.sleep(50);
        }
        assertThat(events.events).isEmpty();
        assertThat(a.state().reason()).contains("exceeds max-skew 30 s");
        wall.set(Duration.ofSeconds(10)); // within the threshold
        TestTiming.until(WAIT, "node-a leads", () -> a.leadership().isPresent());
    }
}
