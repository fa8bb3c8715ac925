package org.tandem.signer.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;

/**
 * The election and the ledger against a real ZooKeeper (Curator TestingServer), several nodes in one
 * JVM, each with its own Curator client and so its own session, like separate processes.
 */
class KeySyncedElectionIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    private static final ZoneName ZONE = SwitchableCheck.ZONE;

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final ElectionNodes nodes = new ElectionNodes(ZK);

    static byte[] sha256(String content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theLeaderIsElectedOnlyAmongKeySyncedNodes() throws Exception {
        SwitchableCheck aCheck = new SwitchableCheck(false);
        ElectionNode a = nodes.node("node-a", aCheck).start();
        ElectionNode b = nodes.node("node-b", new SwitchableCheck(true)).start();

        TestTiming.until(WAIT, "node-b leads", b::leads);
        TestTiming.until(WAIT, "node-a checked three times", () -> aCheck.calls.get() >= 3);

        assertThat(a.listener.gains()).isEmpty();
        ElectionState state = a.election.state();
        assertThat(state.role()).isEqualTo(ElectionRole.OUT);
        assertThat(state.reason()).contains("key-sync check failed", "ZSK 4711", "test-hsm", "missing");
        assertThat(state.lastCheck())
                .hasValueSatisfying(v -> assertThat(v.synced()).isFalse());
        long epoch = b.leadership().epoch();
        assertThat(epoch).isEqualTo(1);
        assertThat(b.election.state().epoch()).hasValue(epoch);

        aCheck.synced();
        TestTiming.until(
                WAIT,
                "node-a becomes a candidate once key-synced",
                () -> a.election.state().role() == ElectionRole.CANDIDATE);
        assertThat(b.leadership().epoch()).isEqualTo(epoch);
        assertThat(a.leads()).isFalse();
    }

    @Test
    void aNodeThatIsNotKeySyncedNeverLeadsEvenWhenItIsTheOnlyOneLeft() throws Exception {
        SwitchableCheck check = new SwitchableCheck(false);
        ElectionNode a = nodes.node("node-a", check).start();

        TestTiming.until(WAIT, "five checks", () -> check.calls.get() >= 5);

        assertThat(a.listener.events).isEmpty();
        assertThat(a.election.state().role()).isEqualTo(ElectionRole.OUT);
        assertThat(a.client.checkExists().forPath(nodes.root() + "/cluster/epoch"))
                .as("nobody ever bumped the epoch")
                .isNull();
        check.synced();
        TestTiming.until(WAIT, "node-a leads once key-synced", a::leads);
    }

    @Test
    void whenTheLeaderStepsDownTheOtherTakesOverWithTheNextEpoch() throws Exception {
        ElectionNode a = nodes.node("node-a", new SwitchableCheck(true)).start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        long epoch = a.leadership().epoch();
        ElectionNode b = nodes.node("node-b", new SwitchableCheck(true)).start();
        TestTiming.until(WAIT, "node-b is a candidate", () -> b.election.state().role() == ElectionRole.CANDIDATE);

        Leadership old = a.leadership();
        a.election.stepDown();

        TestTiming.until(WAIT, "node-b leads", b::leads);
        assertThat(b.leadership().epoch()).isEqualTo(epoch + 1);
        assertThat(old.isValid()).isFalse();
        assertThat(a.listener.losses())
                .extracting(RecordingListener.Event::reason)
                .containsExactly(LossReason.STEPPED_DOWN);
        TestTiming.until(
                WAIT,
                "node-a re-enters as a candidate after the hold-off",
                () -> a.election.state().role() == ElectionRole.CANDIDATE);
        assertThat(a.leads()).isFalse();
    }

    @Test
    void aLeaderWhoseKeyCheckFailsStepsDownAndTheOtherTakesOver() throws Exception {
        SwitchableCheck aCheck = new SwitchableCheck(true);
        ElectionNode a = nodes.node("node-a", aCheck).start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        ElectionNode b = nodes.node("node-b", new SwitchableCheck(true)).start();
        TestTiming.until(WAIT, "node-b is a candidate", () -> b.election.state().role() == ElectionRole.CANDIDATE);
        long epoch = a.leadership().epoch();

        // INV-K6: the HSM lost a key (token re-initialised) while node-a leads
        aCheck.notSynced("zone example.test. KSK 1234 fp 00112233 on HSM dc1-hsm1: hsm-error (CKR_DEVICE_REMOVED)");

        TestTiming.until(WAIT, "node-b leads", b::leads);
        assertThat(b.leadership().epoch()).isEqualTo(epoch + 1);
        assertThat(a.listener.losses())
                .extracting(RecordingListener.Event::reason)
                .containsExactly(LossReason.KEYS_NOT_SYNCED);
        assertThat(a.election.state().reason()).contains("CKR_DEVICE_REMOVED");
    }

    @Test
    void aCommitUnderAnEpochBelowTheLedgersHighestIsRefusedAfterTheEpochZnodeWasRecreated() throws Exception {
        CuratorFramework raw = ZK.newClient();
        String epochPath = nodes.root() + "/cluster/epoch";
        raw.create().creatingParentsIfNeeded().forPath(epochPath);
        for (int i = 0; i < 5; i++) {
            raw.setData().forPath(epochPath);
        }
        ElectionNode a = nodes.node("node-a", new SwitchableCheck(true)).start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        assertThat(a.leadership().epoch()).isEqualTo(6);
        PublishRecord committed = a.ledger.commit(a.leadership(), ZONE, 2026120101, sha256("v1"));
        a.close();
        nodes.forget(a);
        // what an attacker with write access to ZooKeeper does: fencing restarts at 1
        raw.delete().forPath(epochPath);
        raw.create().forPath(epochPath);

        ElectionNode b = nodes.node("node-b", new SwitchableCheck(true)).start();
        TestTiming.until(WAIT, "node-b leads", b::leads);
        assertThat(b.leadership().epoch()).isEqualTo(1);

        assertThatThrownBy(() -> b.ledger.commit(b.leadership(), ZONE, 2026120102, sha256("v2")))
                .isInstanceOfSatisfying(
                        StaleLeadershipException.class,
                        e -> assertThat(e.epoch()).isEqualTo(1))
                .hasMessageContainingAll(
                        "zone " + ZONE,
                        "node-b",
                        "under epoch 1",
                        "higher epoch 6",
                        "node-a",
                        epochPath,
                        "went backwards");
        assertThat(b.ledger.last(ZONE)).contains(committed);
        assertThat(b.ledger.history(ZONE)).containsExactly(committed);
    }

    @Test
    void aZombieCommitAfterANewLeaderWasElectedIsRejectedByTheEpochCheck() throws Exception {
        ElectionNode a = nodes.node("node-a", new SwitchableCheck(true)).start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        Leadership term = a.leadership();
        a.ledger.commit(term, ZONE, 1, sha256("v1"));
        // What a paused JVM holds: the same term, checked valid just before the pause (INV-L4).
        Leadership zombie = ElectionNodes.withAnHourOfLease(term);
        ElectionNode b = nodes.node("node-b", new SwitchableCheck(true)).start();
        TestTiming.until(WAIT, "node-b is a candidate", () -> b.election.state().role() == ElectionRole.CANDIDATE);
        a.election.stepDown();
        TestTiming.until(WAIT, "node-b leads", b::leads);

        assertThatThrownBy(() -> a.ledger.commit(zombie, ZONE, 2, sha256("zombie v2")))
                .isInstanceOfSatisfying(StaleLeadershipException.class, e -> {
                    assertThat(e.epoch()).isEqualTo(term.epoch());
                    assertThat(e.node()).isEqualTo("node-a");
                    assertThat(e.zone()).isEqualTo(ZONE);
                    assertThat(e.getMessage())
                            .contains(
                                    "example.test.",
                                    "node-a",
                                    "epoch " + term.epoch(),
                                    "epoch is now " + (term.epoch() + 1));
                })
                .hasCauseInstanceOf(KeeperException.BadVersionException.class);
        b.ledger.commit(b.leadership(), ZONE, 2, sha256("v2"));
        // once the new leader has published, the zombie's term is below the ledger's: still the ordinary
        // stale term, not the alarm of an epoch znode that went backwards
        assertThatThrownBy(() -> a.ledger.commit(zombie, ZONE, 3, sha256("zombie v3")))
                .isInstanceOf(StaleLeadershipException.class)
                .hasMessageContainingAll(
                        "epoch is now " + (term.epoch() + 1), "node node-b was elected since", "serial 2")
                .hasMessageNotContaining("went backwards");

        assertThat(b.ledger.history(ZONE))
                .extracting(PublishRecord::serial, PublishRecord::node, PublishRecord::epoch)
                .containsExactly(Tuple.tuple(1L, "node-a", term.epoch()), Tuple.tuple(2L, "node-b", term.epoch() + 1));
    }

    @Test
    void aCommitWhoseLatchNodeIsGoneIsRejectedEvenBeforeAnyOtherLeader() throws Exception {
        ElectionNode a = nodes.node("node-a", new SwitchableCheck(true)).start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        Leadership term = a.leadership();
        Leadership zombie = ElectionNodes.withAnHourOfLease(term);

        a.election.close(); // the latch node goes; nobody else is elected, so the epoch stays
        TestTiming.until(WAIT, "latch node deleted", () -> {
            try {
                return a.client.checkExists().forPath(term.latchNode()) == null;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });

        assertThat(a.ledger.currentEpoch()).isEqualTo(term.epoch());
        assertThatThrownBy(() -> a.ledger.commit(zombie, ZONE, 1, sha256("v1")))
                .isInstanceOf(StaleLeadershipException.class)
                .hasMessageContaining("latch node")
                .hasCauseInstanceOf(KeeperException.NoNodeException.class);
        assertThatThrownBy(() -> a.ledger.commit(term, ZONE, 1, sha256("v1")))
                .isInstanceOf(StaleLeadershipException.class)
                .hasMessageContaining("no longer valid here (closed)");
        assertThat(a.ledger.history(ZONE)).isEmpty();
        assertThat(a.ledger.last(ZONE)).isEmpty();
    }

    @Test
    void theSerialNeverGoesBackwardsAcrossALeaderChangeAndNeverRepeatsWithOtherContent() throws Exception {
        ElectionNode a = nodes.node("node-a", new SwitchableCheck(true)).start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        ElectionNode b = nodes.node("node-b", new SwitchableCheck(true)).start();
        TestTiming.until(WAIT, "node-b is a candidate", () -> b.election.state().role() == ElectionRole.CANDIDATE);
        assertThat(a.ledger.nextSerial(ZONE, 2026120100)).isEqualTo(2026120100);
        a.ledger.commit(a.leadership(), ZONE, 2026120100, sha256("v1"));
        a.ledger.commit(a.leadership(), ZONE, 2026120101, sha256("v2"));
        a.election.stepDown();
        TestTiming.until(WAIT, "node-b leads", b::leads);
        Leadership bTerm = b.leadership();

        // node-b's own serial policy proposes something older (its clock, its last zone file): refused
        assertThat(b.ledger.nextSerial(ZONE, 2026120100)).isEqualTo(2026120102);
        assertThatThrownBy(() -> b.ledger.commit(bTerm, ZONE, 2026120100, sha256("b v1")))
                .isInstanceOfSatisfying(SerialRefusedException.class, e -> {
                    assertThat(e.kind()).isEqualTo(SerialRefusedException.Kind.NOT_INCREASING);
                    assertThat(e.last().serial()).isEqualTo(2026120101);
                    assertThat(e.getMessage())
                            .contains("example.test.", "node-b", "2026120100", "2026120101", "node-a");
                });
        assertThatThrownBy(() -> b.ledger.commit(bTerm, ZONE, 2026120101, sha256("other content")))
                .isInstanceOfSatisfying(
                        SerialRefusedException.class,
                        e -> assertThat(e.kind()).isEqualTo(SerialRefusedException.Kind.SAME_SERIAL_OTHER_CONTENT));
        PublishRecord committed = b.ledger.commit(bTerm, ZONE, 2026120102, sha256("b v3"));
        // a retry of the same commit (after a connection loss) is the success it was, not a second record
        assertThat(b.ledger.commit(bTerm, ZONE, 2026120102, sha256("b v3"))).isEqualTo(committed);

        List<PublishRecord> history = b.ledger.history(ZONE);
        assertThat(history).extracting(PublishRecord::serial).containsExactly(2026120100L, 2026120101L, 2026120102L);
        assertThat(history)
                .extracting(PublishRecord::epoch)
                .containsExactly(bTerm.epoch() - 1, bTerm.epoch() - 1, bTerm.epoch());
        assertThat(b.ledger.last(ZONE)).contains(committed);
    }

    @Test
    void suspendedRevokesAtOnceAndTheNodeLeadsAgainOnlyAfterReconnectingAndRechecking() throws Exception {
        SwitchableCheck check = new SwitchableCheck(true);
        ElectionNode a = nodes.node("node-a", check).start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        Leadership term = a.leadership();

        long stoppedAt = System.nanoTime();
        ZK.stop();
        try {
            TestTiming.until(
                    WAIT, "node-a hears of the loss", () -> !a.listener.losses().isEmpty());
            assertThat(term.isValid()).isFalse();
            assertThat(term.revocation()).contains(LossReason.SUSPENDED);
            RecordingListener.Event lost = a.listener.losses().get(0);
            assertThat(lost.reason()).isEqualTo(LossReason.SUSPENDED);
            Duration stopLatency = Duration.ofNanos(lost.atNanos() - stoppedAt);
            System.out.println(
                    "INV-L2 stop latency (ZooKeeper stopped -> lost(SUSPENDED)): " + stopLatency.toMillis() + " ms");
            assertThat(stopLatency).isLessThan(term.lease());
            assertThat(a.election.state().role()).isEqualTo(ElectionRole.OUT);
            assertThatThrownBy(() -> a.ledger.commit(term, ZONE, 1, sha256("v1")))
                    .isInstanceOf(StaleLeadershipException.class)
                    .hasMessageContaining("suspended");
        } finally {
            ZK.restart();
        }
        long lostAt = a.listener.losses().get(0).atNanos();
        TestTiming.until(WAIT, "node-a leads again", a::leads);
        assertThat(check.lastCallNanos - lostAt).as("re-checked after the loss").isPositive();
        assertThat(a.leadership().epoch()).isEqualTo(term.epoch() + 1);
        assertThat(a.listener.gains()).hasSize(2);
    }

    @Test
    void aCommitWhileZooKeeperIsUnreachableFailsAtOnceAndIsNotSentWhenItReturns() throws Exception {
        ElectionNode a = nodes.node("node-a", new SwitchableCheck(true)).start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        Leadership term = a.leadership();
        // the same term with a lease that outlives the outage: the ledger alone must not queue the write
        Leadership longLease = ElectionNodes.withAnHourOfLease(term);
        ZK.stop();
        long started = System.nanoTime();
        try {
            TestTiming.until(
                    WAIT,
                    "node-a's client notices",
                    () -> !a.client.getZookeeperClient().isConnected());
            assertThatThrownBy(() -> a.ledger.commit(longLease, ZONE, 7, sha256("during the outage")))
                    .isInstanceOf(LedgerUnavailableException.class)
                    .hasMessageContaining("not connected to ZooKeeper now; nothing sent");
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .as("refused at once, not after Curator's wait for the connection")
                    .isLessThan(Duration.ofSeconds(2));
        } finally {
            ZK.restart();
        }
        TestTiming.until(
                WAIT,
                "node-a's client is back",
                () -> a.client.getZookeeperClient().isConnected());
        assertThat(a.ledger.history(ZONE))
                .as("nothing of the refused commit arrived")
                .isEmpty();
    }

    @Test
    void aForcedSessionExpiryRevokesAndTheOtherNodeTakesOver() throws Exception {
        SwitchableCheck aCheck = new SwitchableCheck(true);
        ElectionNode a = nodes.node("node-a", aCheck).start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        ElectionNode b = nodes.node("node-b", new SwitchableCheck(true)).start();
        TestTiming.until(WAIT, "node-b is a candidate", () -> b.election.state().role() == ElectionRole.CANDIDATE);
        Leadership term = a.leadership();

        // F7: the session expires without a network fault
        a.client.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();

        TestTiming.until(WAIT, "node-b leads", b::leads);
        assertThat(b.leadership().epoch()).isEqualTo(term.epoch() + 1);
        // A forced expiry does not wait out the session timeout, so the lease cannot cover it: node-a may
        // still believe it leads for a moment (INV-L1 allows it); only the epoch fence protects then. Its
        // client may also still be setting up the new session: then the commit is refused unsent.
        assertThatThrownBy(() -> a.ledger.commit(term, ZONE, 1, sha256("v1")))
                .isInstanceOfAny(StaleLeadershipException.class, LedgerUnavailableException.class);
        TestTiming.until(
                WAIT,
                "node-a revokes",
                () -> !term.isValid() && !a.listener.losses().isEmpty());
        assertThat(a.listener.losses().get(0).reason())
                .isIn(LossReason.SUSPENDED, LossReason.LOST, LossReason.NOT_LEADER);
        assertThatThrownBy(() -> a.ledger.commit(term, ZONE, 1, sha256("v1")))
                .isInstanceOf(StaleLeadershipException.class);
        assertThat(b.ledger.history(ZONE))
                .as("nothing committed under node-a's expired term")
                .noneMatch(r -> r.epoch() == term.epoch());
        long lostAt = a.listener.losses().get(0).atNanos();
        TestTiming.until(
                WAIT,
                "node-a re-enters after a new session and a fresh check",
                () -> a.election.state().role() == ElectionRole.CANDIDATE);
        assertThat(aCheck.lastCallNanos - lostAt)
                .as("checked again after the loss")
                .isPositive();
        assertThat(b.leads()).isTrue();
    }

    @Test
    void aLeaderWhoseLatchNodeVanishesStopsAtTheNextHeartbeat() throws Exception {
        // A.2 item 3: the leader "remains the leader forever, even though its ephemeral node disappears"
        ElectionNode a = nodes.node("node-a", new SwitchableCheck(true), Duration.ofSeconds(6))
                .start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        Leadership term = a.leadership();

        long deletedAt = System.nanoTime();
        a.client.delete().forPath(term.latchNode());

        TestTiming.until(WAIT, "node-a revokes", () -> !term.isValid());
        assertThat(Duration.ofNanos(System.nanoTime() - deletedAt)).isLessThan(term.lease());
        assertThat(term.revocation())
                .hasValueSatisfying(r -> assertThat(r).isIn(LossReason.LATCH_NODE_GONE, LossReason.NOT_LEADER));
        TestTiming.until(
                WAIT,
                "node-a leads again under a new epoch",
                () -> a.election
                        .leadership()
                        .map(l -> l.epoch() == term.epoch() + 1)
                        .orElse(false));
    }

    @Test
    void aLeaderStopsWhenTheEpochMovesUnderIt() throws Exception {
        // CURATOR-620 shape: another node bumped the epoch while this one still believes it leads
        ElectionNode a = nodes.node("node-a", new SwitchableCheck(true), Duration.ofSeconds(6))
                .start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        Leadership term = a.leadership();

        a.client.setData().forPath(term.epochPath(), "node-x".getBytes(StandardCharsets.UTF_8));

        TestTiming.until(WAIT, "node-a revokes", () -> !term.isValid());
        assertThat(term.revocation()).contains(LossReason.EPOCH_MOVED);
        TestTiming.until(
                WAIT,
                "listener told",
                () -> a.listener.losses().stream()
                        .anyMatch(e -> e.leadership() == term && e.reason() == LossReason.EPOCH_MOVED));
        assertThatThrownBy(() -> a.ledger.commit(term, ZONE, 1, sha256("v1")))
                .isInstanceOf(StaleLeadershipException.class);
    }

    @Test
    void theLeaseEndsLeadershipWithoutAnyZooKeeperEventWhenTheJvmWasPaused() throws Exception {
        AtomicLong pause = new AtomicLong();
        ElectionNode a = new ElectionNode(
                ZK.connectString(),
                nodes.root(),
                "node-a",
                new SwitchableCheck(true),
                ElectionNodes.SESSION,
                () -> System.nanoTime() + pause.get());
        nodes.add(a);
        a.start();
        TestTiming.until(
                WAIT,
                "node-a leads and its listener knows",
                () -> a.leads() && !a.listener.gains().isEmpty());
        Leadership term = a.leadership();
        assertThat(term.lease()).isEqualTo(Duration.ofMillis((long)
                (a.client.getZookeeperClient().getLastNegotiatedSessionTimeoutMs() * 0.5)));

        // F3 without the process: the monotonic clock jumps past the session timeout, as after SIGCONT
        pause.set(TestTiming.scaled(ElectionNodes.SESSION).multipliedBy(2).toNanos());

        assertThat(term.isValid()).isFalse();
        assertThat(a.leads()).isFalse();
        assertThat(a.election.state().role()).isEqualTo(ElectionRole.OUT);
        assertThatThrownBy(() -> a.ledger.commit(term, ZONE, 1, sha256("v1")))
                .isInstanceOf(StaleLeadershipException.class)
                .hasMessageContaining("lease-expired");
        TestTiming.until(
                WAIT,
                "listener hears lease-expired",
                () -> a.listener.losses().stream().anyMatch(e -> e.reason() == LossReason.LEASE_EXPIRED));
        assertThat(a.ledger.history(ZONE)).isEmpty();
    }

    @Test
    void theHeartbeatKeepsTheLeaseWhileZooKeeperAnswers() throws Exception {
        ElectionNode a = nodes.node("node-a", new SwitchableCheck(true), Duration.ofSeconds(6))
                .start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        Leadership term = a.leadership();
        Duration lease = term.lease();
        System.out.println("negotiated session " + a.client.getZookeeperClient().getLastNegotiatedSessionTimeoutMs()
                + " ms, lease " + lease.toMillis() + " ms");

        long end = System.nanoTime() + lease.multipliedBy(3).toNanos();
        Duration leastRemaining = lease;
        while (System.nanoTime() - end < 0) {
            assertThat(term.isValid()).as("valid while ZooKeeper answers").isTrue();
            Duration remaining = term.leaseRemaining();
            leastRemaining = remaining.compareTo(leastRemaining) < 0 ? remaining : leastRemaining;
            Thread.sleep(20);
        }
        // confirmations every lease/3: the lease never ran down much further than that
        assertThat(leastRemaining).isGreaterThan(lease.dividedBy(3));
        assertThat(a.listener.losses()).isEmpty();
    }

    @Test
    void aRestartOfTheWholeClusterResumesFromZooKeepersSerialAndEpoch() throws Exception {
        ElectionNode a = nodes.node("node-a", new SwitchableCheck(true)).start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        ElectionNode b = nodes.node("node-b", new SwitchableCheck(true)).start();
        a.ledger.commit(a.leadership(), ZONE, 2026120107, sha256("before the outage"));
        long epochBefore = a.leadership().epoch();
        a.close();
        b.close();
        nodes.forgetAll();
        ZK.restart(); // F19: everything stops; ZooKeeper's data survives

        ElectionNode b2 = nodes.node("node-b", new SwitchableCheck(true)).start();
        ElectionNode a2 = nodes.node("node-a", new SwitchableCheck(true)).start();
        TestTiming.until(WAIT, "someone leads", () -> a2.leads() || b2.leads());
        ElectionNode leader = a2.leads() ? a2 : b2;

        assertThat(leader.leadership().epoch()).isGreaterThan(epochBefore);
        assertThat(leader.ledger.last(ZONE))
                .hasValueSatisfying(r -> assertThat(r.serial()).isEqualTo(2026120107));
        assertThat(leader.ledger.nextSerial(ZONE, 1)).isEqualTo(2026120108);
        assertThat(leader.ledger.nextSerial(ZONE, 2026120107)).isEqualTo(2026120108);
        assertThat(leader.ledger.nextSerial(ZONE, 2026120200)).isEqualTo(2026120200);
        PublishRecord r = leader.ledger.commit(leader.leadership(), ZONE, 2026120108, sha256("after"));
        assertThat(r.epoch()).isEqualTo(leader.ledger.currentEpoch());
    }

    /** What a paused JVM holds: {@code term}, checked valid just now with an hour of lease left. */
}
