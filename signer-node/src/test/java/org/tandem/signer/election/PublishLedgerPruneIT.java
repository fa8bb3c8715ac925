package org.tandem.signer.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.ZKConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ZooKeeperLayout;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;

/**
 * The leader's pruning of the publish history against a real ZooKeeper (Curator TestingServer): bounded,
 * fenced by the epoch, harmless while ZooKeeper is away, and the same answers for every DNSKEY reader.
 */
class PublishLedgerPruneIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    private static final ZoneName ZONE = SwitchableCheck.ZONE;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String KSK = "a".repeat(64);
    private static final String ZSK = "b".repeat(64);
    private static final String NEXT_ZSK = "c".repeat(64);
    private static final String LATE_KSK = "d".repeat(64);
    /** A 10-minute window, the newest 5, prune above 10, batches of 4. */
    private static final HistoryRetention SMALL = new HistoryRetention(Duration.ofMinutes(10), 5, 10, 100, 4);

    @RegisterExtension
    final ElectionNodes nodes = new ElectionNodes(ZK);

    /** The DNSKEY RRset of the n-th commit: KSK and ZSK, NEXT_ZSK from 20 on, ZSK gone from 40 on, LATE_KSK from 58. */
    private static List<String> dnskeys(int n) {
        List<String> keys = new ArrayList<>(List.of(KSK));
        if (n < 40) {
            keys.add(ZSK);
        }
        if (n >= 20) {
            keys.add(NEXT_ZSK);
        }
        if (n >= 58) {
            keys.add(LATE_KSK);
        }
        return keys;
    }

    /** Commits versions {@code from} to {@code to} - 1, one a minute on the ledger's clock. */
    private static void commit(PublishLedger ledger, ManualClock clock, Leadership term, int from, int to)
            throws LedgerException {
        for (int n = from; n < to; n++) {
            clock.advance(Duration.ofMinutes(1));
            ledger.commit(term, ZONE, n + 1, KeySyncedElectionIT.sha256("v" + n), dnskeys(n), 300);
        }
    }

    private static Map<String, Instant> firstPublished(List<PublishRecord> history) {
        Map<String, Instant> first = new HashMap<>();
        for (PublishRecord r : history) {
            r.dnskeyFingerprints().forEach(fp -> first.putIfAbsent(fp, r.committedAt()));
        }
        return first;
    }

    private static List<Boolean> verdicts(PublishedDnskeys h, Instant now) {
        return List.of(KSK, ZSK, NEXT_ZSK, LATE_KSK).stream()
                .map(fp -> h.check(Fingerprint.parse(fp), now).passed())
                .toList();
    }

    @Test
    void manyCommitsWithASmallRetentionKeepTheHistoryBoundedAndTheNewestAndEachKeysFirstRecord() throws Exception {
        ElectionNode a = nodes.node("node-a", new SwitchableCheck(true)).start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        ManualClock clock = new ManualClock(Instant.parse("2026-12-07T00:00:00Z"));
        PublishLedger ledger = new PublishLedger(a.client, nodes.root(), clock);
        Leadership term = a.leadership();

        int pruned = 0;
        int largest = 0;
        for (int n = 0; n < 80; n++) {
            commit(ledger, clock, term, n, n + 1);
            PublishLedger.Pruned p = ledger.prune(term, ZONE, SMALL, Duration.ZERO);
            pruned += p.pruned();
            largest = Math.max(largest, ledger.historySize(ZONE));
        }

        List<PublishRecord> kept = ledger.history(ZONE);
        // kept: the window (10 minutes: 11 records), the record before it, the first KSK, NEXT_ZSK and LATE_KSK
        // records; listed again only a batch (4) later
        assertThat(largest).isLessThanOrEqualTo(11 + 1 + 3 + SMALL.batchSize() + 1);
        assertThat(kept.size() + pruned).isEqualTo(80);
        assertThat(kept.get(kept.size() - 1).serial()).isEqualTo(80);
        assertThat(kept).extracting(PublishRecord::serial).startsWith(1L, 21L); // KSK's and NEXT_ZSK's first
        assertThat(ledger.last(ZONE).orElseThrow().serial()).isEqualTo(80);
        // another ledger (another node) reads the same pruned history and the same marker
        PublishLedger other = new PublishLedger(a.client, nodes.root(), clock);
        assertThat(other.history(ZONE)).isEqualTo(kept);
        assertThat(other.dnskeyHistory(ZONE, clock.instant()).fromFirst()).isFalse();
    }

    @Test
    void thePlannersFirstPublishedTimesAndTheDnskeyVerdictsAreTheSameBeforeAndAfterPruning() throws Exception {
        ElectionNode a = nodes.node("node-a", new SwitchableCheck(true)).start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        ManualClock clock = new ManualClock(Instant.parse("2026-12-07T00:00:00Z"));
        PublishLedger ledger = new PublishLedger(a.client, nodes.root(), clock);
        Leadership term = a.leadership();
        commit(ledger, clock, term, 0, 60);

        List<Instant> checkedAt = List.of(
                clock.instant(),
                clock.instant().plusSeconds(200),
                clock.instant().plusSeconds(400));
        List<List<Boolean>> before = new ArrayList<>();
        for (Instant t : checkedAt) {
            before.add(verdicts(ledger.dnskeyHistory(ZONE, t), t));
        }
        Map<String, Instant> firstBefore = firstPublished(ledger.history(ZONE));

        PublishLedger.Pruned p = ledger.prune(term, ZONE, SMALL, Duration.ZERO);

        assertThat(p.pruned()).isGreaterThan(30);
        assertThat(p.remaining()).isEqualTo(ledger.historySize(ZONE)).isLessThan(20);
        List<PublishRecord> kept = ledger.history(ZONE);
        Map<String, Instant> firstAfter = firstPublished(kept);
        for (String stillPublished : List.of(KSK, NEXT_ZSK, LATE_KSK)) {
            assertThat(firstAfter.get(stillPublished)).isEqualTo(firstBefore.get(stillPublished));
        }
        // LATE_KSK joined a minute before the last commit and the TTL is 5 minutes: not at +200 s, at +400 s
        assertThat(before)
                .containsExactly(
                        List.of(true, false, true, false),
                        List.of(true, false, true, false),
                        List.of(true, false, true, true));
        for (int i = 0; i < checkedAt.size(); i++) {
            assertThat(verdicts(ledger.dnskeyHistory(ZONE, checkedAt.get(i)), checkedAt.get(i)))
                    .as("at " + checkedAt.get(i))
                    .isEqualTo(before.get(i));
        }
        // and a key added after the prune waits its TTL as before: NEXT_ZSK's first record stays the oldest
        assertThat(kept.get(0).dnskeyFingerprints()).contains(KSK);
    }

    @Test
    void aDeposedLeadersPruneIsRefusedByTheEpochAndDeletesNothing() throws Exception {
        ElectionNode a = nodes.node("node-a", new SwitchableCheck(true)).start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        ElectionNode b = nodes.node("node-b", new SwitchableCheck(true)).start();
        TestTiming.until(WAIT, "node-b is a candidate", () -> b.election.state().role() == ElectionRole.CANDIDATE);
        ManualClock clock = new ManualClock(Instant.parse("2026-12-07T00:00:00Z"));
        PublishLedger ledger = new PublishLedger(a.client, nodes.root(), clock);
        Leadership term = a.leadership();
        commit(ledger, clock, term, 0, 30);
        Leadership zombie = ElectionNodes.withAnHourOfLease(term);

        a.election.stepDown();
        TestTiming.until(WAIT, "node-b leads", b::leads);

        assertThatThrownBy(() -> ledger.prune(zombie, ZONE, SMALL, Duration.ZERO))
                .isInstanceOf(StaleLeadershipException.class)
                .hasMessageContaining("epoch is now " + (term.epoch() + 1));
        assertThat(ledger.historySize(ZONE)).isEqualTo(30);
        // the new leader may
        PublishLedger.Pruned p =
                new PublishLedger(b.client, nodes.root(), clock).prune(b.leadership(), ZONE, SMALL, Duration.ZERO);
        assertThat(p.pruned()).isPositive();
    }

    @Test
    void pruningWhileZooKeeperIsUnreachableFailsAtOnceAndLosesNothing() throws Exception {
        ElectionNode a = nodes.node("node-a", new SwitchableCheck(true)).start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        ManualClock clock = new ManualClock(Instant.parse("2026-12-07T00:00:00Z"));
        PublishLedger ledger = new PublishLedger(a.client, nodes.root(), clock);
        Leadership term = ElectionNodes.withAnHourOfLease(a.leadership());
        commit(ledger, clock, term, 0, 30);
        List<PublishRecord> before = ledger.history(ZONE);

        ZK.stop();
        try {
            TestTiming.until(
                    WAIT,
                    "node-a disconnected",
                    () -> !a.client.getZookeeperClient().isConnected());
            long started = System.nanoTime();
            assertThatThrownBy(() -> ledger.prune(term, ZONE, SMALL, Duration.ZERO))
                    .isInstanceOf(LedgerUnavailableException.class)
                    .hasMessageContaining("not connected to ZooKeeper now; nothing sent");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
        } finally {
            ZK.restart();
        }
        TestTiming.until(
                WAIT, "node-a reconnected", () -> a.client.getZookeeperClient().isConnected());
        assertThat(ledger.history(ZONE)).isEqualTo(before);
    }

    @Test
    void aHistoryTooLargeToListIsRefusedWithoutDroppingTheConnectionAndALargerBufferPrunesIt() throws Exception {
        ElectionNode a = nodes.node("node-a", new SwitchableCheck(true)).start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        ManualClock clock = new ManualClock(Instant.parse("2026-12-07T00:00:00Z"));
        // an old cluster's history, written as the ledger writes it, far beyond what a small buffer lists
        String prefix = new ZooKeeperLayout(nodes.root()).historyRecordPrefix(ZONE);
        PublishLedger ledger = new PublishLedger(a.client, nodes.root(), clock);
        Leadership term = a.leadership();
        commit(ledger, clock, term, 0, 1);
        List<CuratorOp> ops = new ArrayList<>();
        for (int n = 1; n < 600; n++) {
            clock.advance(Duration.ofMinutes(1));
            PublishRecord r = new PublishRecord(
                    ZONE, n + 1, "0".repeat(64), term.epoch(), "node-a", clock.instant(), dnskeys(n), 300);
            ops.add(a.client
                    .transactionOp()
                    .create()
                    .withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                    .forPath(prefix, r.toProto().toByteArray()));
            if (ops.size() == 100) {
                a.client.transaction().forOperations(ops);
                ops.clear();
            }
        }
        a.client.transaction().forOperations(ops);
        // 8 KiB lists 256 children
        ZKClientConfig small = new ZKClientConfig();
        small.setProperty(ZKConfig.JUTE_MAXBUFFER, "8192");
        CuratorFramework smallClient = CuratorFrameworkFactory.builder()
                .connectString(ZK.connectString())
                .zkClientConfig(small)
                .retryPolicy(new ExponentialBackoffRetry(100, 3))
                .build();
        smallClient.start();
        try {
            assertThat(smallClient.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
            long sessionBefore = smallClient.getZookeeperClient().getZooKeeper().getSessionId();
            PublishLedger smallLedger = new PublishLedger(smallClient, nodes.root(), clock);
            assertThatThrownBy(() -> smallLedger.dnskeyHistory(ZONE, clock.instant()))
                    .isInstanceOf(LedgerUnavailableException.class)
                    .hasMessageContaining("holds 600 records")
                    .hasMessageContaining("-Djute.maxbuffer");
            assertThat(smallClient.getZookeeperClient().isConnected()).isTrue();
            assertThat(smallClient.getZookeeperClient().getZooKeeper().getSessionId())
                    .isEqualTo(sessionBefore);

            // the leader with the default buffer (or restarted with a larger one) prunes it in batches
            HistoryRetention retention = new HistoryRetention(Duration.ofMinutes(60), 50, 100, 200, 100);
            PublishLedger.Pruned p = ledger.prune(term, ZONE, retention, Duration.ZERO);

            assertThat(p.remaining()).isLessThan(100);
            assertThat(smallLedger.history(ZONE)).hasSize(p.remaining());
            assertThat(smallLedger
                            .dnskeyHistory(ZONE, clock.instant())
                            .last()
                            .orElseThrow()
                            .serial())
                    .isEqualTo(600);
        } finally {
            smallClient.close();
        }
    }
}
