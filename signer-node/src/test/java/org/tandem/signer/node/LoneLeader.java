package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.proof.KeySetVerifier;
import org.tandem.keysync.testing.KeySyncedTokens;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.signer.election.ClockGuard;
import org.tandem.signer.election.ClusterConnection;
import org.tandem.signer.election.ElectionSettings;
import org.tandem.signer.election.KeySyncVerdict;
import org.tandem.signer.election.KeySyncedElection;
import org.tandem.signer.election.Leadership;
import org.tandem.signer.election.PublishLedger;
import org.tandem.signer.gate.GatePolicy;
import org.tandem.signer.gate.ValidationGate;
import org.tandem.signer.publish.ServingPermit;
import org.tandem.signer.publish.ZoneDirectory;
import org.tandem.signer.sign.ZoneSigner;

/**
 * One node, {@code node-a}, leading alone over a real ZooKeeper with a SoftHSM2 token that holds the
 * zone's keys, promoted (the cluster's leader would promote them once every node proves them; here
 * the node runs alone): for tests of the zone cycle's own checks. The election has no key-sync
 * guard; the clock guard is sampled once and must be fine. {@link #close} closes all of it.
 */
final class LoneLeader implements AutoCloseable {
    final KeySyncedTokens tokens;
    final ClusterConnection cluster;
    final PublishLedger ledger;
    final Leadership leadership;
    final ClockGuard guard;
    private final Clock clock;
    private final List<AutoCloseable> open = new ArrayList<>();

    private LoneLeader(ZooKeeperFixture zk, String rootPrefix, ZoneName zone, Path dir, Clock clock) throws Exception {
        Prerequisites.requireSoftHsm();
        this.clock = clock;
        String root = "/" + rootPrefix + "-" + Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);
        try {
            tokens = add(KeySyncedTokens.create(
                    List.of("node-a"), zone, zk.connectString(), root, dir.resolve("audit.jsonl")));
            tokens.promoteAll(zone);
            cluster = add(ClusterConnection.connect(
                    zk.clientSettings(), root, Duration.ofSeconds(20), Duration.ofSeconds(10)));
            ledger = cluster.ledger(clock);
            KeySyncedElection election = add(cluster.election(
                    "node-a",
                    () -> KeySyncVerdict.synced(Instant.now(), List.of(zone)),
                    ElectionSettings.DEFAULTS,
                    clock));
            election.start();
            TestTiming.until(
                    Duration.ofSeconds(30),
                    "node-a leads",
                    () -> election.leadership().isPresent());
            leadership = election.leadership().orElseThrow();
            guard = cluster.clockGuard("node-a", Duration.ofSeconds(30), clock);
            assertThat(guard.sample().ok()).isTrue();
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /** Starts the leader under a fresh ZooKeeper root {@code /<rootPrefix>-<random>}. */
    static LoneLeader start(ZooKeeperFixture zk, String rootPrefix, ZoneName zone, Path dir, Clock clock)
            throws Exception {
        return new LoneLeader(zk, rootPrefix, zone, dir, clock);
    }

    /**
     * A zone cycle on this leader: {@code node-a}'s HSM, the cluster's manifests and ledger, the clock guard, the
     * signer and the gate with their defaults, no transfer server; {@code permit} is asked before each commit.
     */
    ZoneCycle cycle(ZoneConfig zone, ZoneDirectory directory, ServingPermit permit) {
        return new ZoneCycle(
                zone,
                tokens.hsm("node-a"),
                cluster.manifests(),
                new KeySetVerifier(clock, new SecureRandom()),
                new ZoneSigner(),
                new ValidationGate(GatePolicy.defaults()),
                ledger,
                directory,
                Optional.empty(),
                permit,
                clock,
                guard);
    }

    private <T extends AutoCloseable> T add(T resource) {
        open.add(resource);
        return resource;
    }

    @Override
    public void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        open.clear();
    }
}
