package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.signer.election.PublishRecord;
import org.tandem.signer.gate.GatePolicy;
import org.tandem.signer.gate.GateVerdict;
import org.tandem.signer.gate.ValidationGate;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.ZoneTransferException;
import org.xbill.DNS.ZoneTransferIn;

/**
 * F14 (signatures run towards expiry) with signer-node JVMs on their own SoftHSM2 tokens holding the
 * same key set and a real ZooKeeper: the leader's signing loop stalls (the test-only {@link
 * SigningStall} hook) while its election, lease and transfer endpoint keep running, so what it
 * serves ages. Its expiry watchdog, on its own thread, reads the zone back, sees CRITICAL, and steps
 * the leader down because a key-synced standby is in the election; the standby takes over and
 * re-signs. Without a standby the leader stays and escalates instead.
 *
 * <p>Time is compressed the only way the node allows: a node publishes nothing with less than a
 * day of validity (the gate's margin) and a policy's validity is at least an hour, so the policy
 * gives 2 days of validity with no jitter and a refresh 5 s after signing, and the watchdog's
 * thresholds sit 12 s (warn) and 18 s (critical) into that validity. "Approaching expiry" is thus
 * measured against the thresholds: a served copy that ages past them is what an expiring zone looks
 * like to the watchdog, seconds instead of days.
 */
class ExpiryWatchdogF14IT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    private static final Duration VALIDITY = Duration.ofDays(2);
    private static final Duration WARN_AGE = Duration.ofSeconds(12);
    private static final Duration CRITICAL_AGE = Duration.ofSeconds(18);
    private static final String POLICY = "validity: 2d\njitter: 0s\nrefresh: " + (VALIDITY.toSeconds() - 5) + "s\n";
    private static final String WATCHDOG =
            "watchdog: {interval: 2s, warn: " + VALIDITY.minus(WARN_AGE).toSeconds() + "s, critical: "
                    + VALIDITY.minus(CRITICAL_AGE).toSeconds() + "s}\n";
    private static final String SERIES = "{node=\"%s\",zone=\"example.test.\"}";

    @TempDir
    Path dir;

    private NodeCluster cluster;
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    private final ValidationGate gate = new ValidationGate(
            GatePolicy.defaults().withMinimumValidity(Duration.ZERO).withThreads(1));

    /** One AXFR of the served zone: who served it, its serial, the gate's verdict, its earliest RRSIG expiry. */
    private record Sample(
            Instant at, String node, long serial, GateVerdict verdict, Instant earliest, boolean anyExpired) {}

    @BeforeEach
    void cluster() throws Exception {
        Prerequisites.requireSoftHsm();
        Prerequisites.requireTool("ldns-verify-zone", "ldnsutils");
        cluster = new NodeCluster(dir, ZK.connectString(), List.of("node-a", "node-b"));
        cluster.tokens.promoteAll(NodeCluster.ZONE); // a cluster whose KSK and ZSK are published already
        Files.writeString(dir.resolve("policy.yaml"), POLICY);
    }

    @AfterEach
    void stop() throws Exception {
        sampler.shutdownNow();
        sampler.awaitTermination(10, TimeUnit.SECONDS);
        cluster.close();
    }

    private NodeProcess start(String node, int transferPort, boolean stallable, String extra) throws Exception {
        List<String> jvm = stallable ? List.of("-D" + SigningStall.PROPERTY + "=" + stallFile()) : List.of();
        return cluster.start(
                node,
                "zones/example.test.zone",
                extra + WATCHDOG,
                new NodeCluster.NodeOptions(
                        "    policy: policy.yaml\n",
                        "  transfer: {listen: \"127.0.0.1:" + transferPort + "\", allow: [127.0.0.0/8]}\n",
                        jvm));
    }

    private Path stallFile() {
        return dir.resolve("stall-signing");
    }

    @Test
    void aLeaderWhoseSigningStallsIsSteppedDownByItsWatchdogAndTheStandbyResignsBeforeTheZoneExpires()
            throws Exception {
        int portA = NodeCluster.freePort();
        int portB = NodeCluster.freePort();
        NodeProcess a = start("node-a", portA, true, cluster.peersOf("node-a"));
        PublishRecord first = cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        start("node-b", portB, false, cluster.peersOf("node-b"));
        cluster.awaitMetrics(
                "node-a",
                "tandem_watchdog_severity" + SERIES.formatted("node-a") + " 0.0",
                "tandem_watchdog_source_ok{node=\"node-a\",source=\"self\",zone=\"example.test.\"} 1.0");
        // node-b is a standby: its watchdog has run, and judges neither an endpoint nor a file of its own
        cluster.awaitMetrics(
                "node-b",
                "tandem_leader{node=\"node-b\"} 0.0",
                "tandem_watchdog_severity" + SERIES.formatted("node-b") + " 0.0",
                "tandem_watchdog_source_ok{node=\"node-b\",source=\"published-file\",zone=\"example.test.\"} NaN");
        sampler.scheduleWithFixedDelay(() -> sample(portA, portB), 0, 300, TimeUnit.MILLISECONDS);

        Files.writeString(stallFile(), "stall\n");
        cluster.awaitLog(a, "node=node-a event=signing-loop-stalled-by-test-hook");
        PublishRecord stalled = cluster.ledger.last(NodeCluster.ZONE).orElseThrow();
        cluster.awaitLog(
                a,
                "zone=example.test. event=watchdog-step-down epoch=" + stalled.epoch() + " serial=" + stalled.serial()
                        + " .*standbys=\\[node-b\\]");
        PublishRecord taken = cluster.awaitPublish(
                r -> r.node().equals("node-b") && r.serial() > stalled.serial(), "node-b takes over and re-signs");
        int beforeTakeover = samples.size();
        cluster.awaitMetrics(
                "node-a",
                "tandem_watchdog_stepdowns_total" + SERIES.formatted("node-a") + " 1.0",
                "tandem_watchdog_escalations_total" + SERIES.formatted("node-a") + " 0.0");
        TestTiming.until(
                NodeCluster.WAIT,
                "node-b's copy is sampled",
                () -> samples.stream()
                        .skip(beforeTakeover)
                        .anyMatch(s -> s.node().equals("node-b") && s.serial() >= taken.serial()));
        sampler.shutdownNow();
        assertThat(sampler.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

        // the leader changed, with a higher epoch, and the new serial carries fresh RRSIGs
        assertThat(taken.epoch()).isGreaterThan(stalled.epoch());
        assertThat(first.node()).isEqualTo("node-a");
        List<Record> fresh = cluster.records(taken);
        Instant freshEarliest = earliest(fresh);
        assertThat(freshEarliest)
                .as("fresh signatures")
                .isAfter(taken.committedAt().plus(VALIDITY).minus(CRITICAL_AGE));
        assertThat(freshEarliest).isAfter(earliest(cluster.records(stalled)));
        NodeCluster.validates(cluster.versionFile(taken));

        // what was served throughout: every sample validates, none had an expired RRSIG, and its age
        // went past the warn threshold (the stall) but never far past the critical one (the watchdog)
        List<Sample> all = new ArrayList<>(samples);
        assertThat(all).extracting(Sample::node).contains("node-a", "node-b");
        assertThat(all).allSatisfy(s -> {
            assertThat(s.verdict().passed()).as(s.verdict().summary()).isTrue();
            assertThat(s.anyExpired()).as("an expired RRSIG at " + s.at()).isFalse();
        });
        Duration oldest = all.stream()
                .map(s -> VALIDITY.minus(Duration.between(s.at(), s.earliest())))
                .max(Duration::compareTo)
                .orElseThrow();
        assertThat(oldest).as("the stalled leader's copy aged past warn").isGreaterThan(WARN_AGE);
        assertThat(oldest).as("no served copy aged far past critical").isLessThan(CRITICAL_AGE.plusSeconds(20));
    }

    @Test
    void withoutAnEligibleStandbyTheLeaderStaysAndEscalates() throws Exception {
        int port = NodeCluster.freePort();
        NodeProcess a = start("node-a", port, true, ""); // node-b never starts: nobody else in the election
        PublishRecord first = cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        cluster.awaitMetrics("node-a", "tandem_watchdog_severity" + SERIES.formatted("node-a") + " 0.0");

        Files.writeString(stallFile(), "stall\n");
        cluster.awaitLog(a, "node=node-a event=signing-loop-stalled-by-test-hook");
        PublishRecord stalled = cluster.ledger.last(NodeCluster.ZONE).orElseThrow();
        cluster.awaitMetrics("node-a", "tandem_watchdog_severity" + SERIES.formatted("node-a") + " 1.0");
        cluster.awaitLog(
                a,
                "ERROR .* zone=example.test. event=watchdog-escalation serial=" + stalled.serial()
                        + " earliest_expiry=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ rrsig_owner=\\S+ "
                        + "rrsig_type=[A-Z]+ critical_sources=\\[self, published-file\\] reason=\"did not step down: "
                        + "no eligible standby");
        cluster.awaitMetrics(
                "node-a",
                "tandem_watchdog_escalations_total" + SERIES.formatted("node-a") + " 1.0",
                "tandem_watchdog_stepdowns_total" + SERIES.formatted("node-a") + " 0.0",
                "tandem_watchdog_severity" + SERIES.formatted("node-a") + " 2.0",
                "tandem_leader{node=\"node-a\"} 1.0");
        String health = cluster.awaitHealth(
                "node-a", 503, "watchdog CRITICAL: zone example.test. source self serial " + stalled.serial());
        assertThat(health).contains("below critical");
        // one ERROR line per episode, and the leader kept its term
        assertThat(a.log().split("event=watchdog-escalation", -1)).hasSize(2);
        assertThat(cluster.ledger.currentEpoch()).isEqualTo(first.epoch());
        assertThat(cluster.ledger.last(NodeCluster.ZONE)).contains(stalled);
    }

    private void sample(int portA, int portB) {
        for (Map.Entry<String, Integer> node :
                Map.of("node-a", portA, "node-b", portB).entrySet()) {
            Optional<List<Record>> zone = transfer(node.getValue());
            if (zone.isEmpty()) {
                continue; // this node does not serve now (not the leader)
            }
            Instant at = Instant.now();
            List<Record> records = zone.get();
            try {
                GateVerdict v = gate.verify(NodeCluster.ZONE.name(), records, at);
                long serial = records.stream()
                        .filter(r -> r instanceof SOARecord)
                        .map(r -> ((SOARecord) r).getSerial())
                        .findFirst()
                        .orElseThrow();
                boolean expired = records.stream()
                        .anyMatch(r ->
                                r instanceof RRSIGRecord s && !s.getExpire().isAfter(at));
                samples.add(new Sample(at, node.getKey(), serial, v, earliest(records), expired));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static Optional<List<Record>> transfer(int port) {
        ZoneTransferIn xfr =
                ZoneTransferIn.newAXFR(NodeCluster.ZONE.name(), new InetSocketAddress("127.0.0.1", port), null);
        xfr.setTimeout(Duration.ofSeconds(2));
        try {
            xfr.run();
            return Optional.of(new ArrayList<>(new LinkedHashSet<>(xfr.getAXFR())));
        } catch (IOException | ZoneTransferException e) {
            return Optional.empty();
        }
    }

    private static Instant earliest(List<Record> records) {
        return records.stream()
                .filter(r -> r instanceof RRSIGRecord)
                .map(r -> ((RRSIGRecord) r).getExpire())
                .min(Instant::compareTo)
                .orElseThrow();
    }
}
