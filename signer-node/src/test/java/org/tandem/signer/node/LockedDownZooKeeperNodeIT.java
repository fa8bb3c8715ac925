package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.EmbeddedZooKeeper;
import org.tandem.keysync.manifest.ZooKeeperClientSettings;
import org.tandem.keysync.testing.KeySyncedTokens;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.keysync.testing.TestPki;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.proto.signer.v1.PublishedZone;
import org.tandem.signer.election.ClusterConnection;
import org.tandem.signer.election.LedgerException;
import org.tandem.signer.election.PublishLedger;
import org.tandem.signer.election.PublishRecord;

/**
 * A signer node on a locked-down ZooKeeper (TLS only, certificate roles, role ACLs) keeps leading and
 * publishing while an attacker holding the coordinator's certificate hammers the epoch and the ledger:
 * every write is refused, the epoch stays where the node put it, and the node's next publication
 * comes under the same epoch with the next serial.
 */
class LockedDownZooKeeperNodeIT {
    private static final ZoneName ZONE = ZoneName.of("example.test");
    private static final Duration WAIT = TestTiming.scaled(Duration.ofSeconds(60));

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private String root;
    private TestPki pki;
    private EmbeddedZooKeeper zk;
    private PublishLedger ledger;
    private SignerNodeDaemon daemon;

    @BeforeEach
    void start() throws Exception {
        Prerequisites.requireSoftHsm();
        root = "/locked-down-" + Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);
        pki = TestPki.create(dir.resolve("pki"), "locked-down CA");
        zk = EmbeddedZooKeeper.start(dir.resolve("zookeeper"), 0, pki.issue("zookeeper", "zookeeper"));
        open.add(zk);
        KeySyncedTokens tokens = KeySyncedTokens.create(
                List.of("node-a"),
                ZONE,
                ZooKeeperClientSettings.tls(zk.connectString(), pki.issue("alice", "operator")),
                root,
                dir.resolve("setup-audit.jsonl"));
        open.add(tokens);
        ClusterConnection reader = ClusterConnection.connect(
                ZooKeeperClientSettings.tls(zk.connectString(), pki.issue("coordinator", "coordinator")),
                root,
                Duration.ofSeconds(20),
                Duration.ofSeconds(10));
        open.add(reader);
        ledger = reader.ledger(Clock.systemUTC());
        NodeTestFiles.minimalZone(dir);
        HsmSpec s = tokens.spec("node-a");
        Path hsmYaml = dir.resolve("node-a-hsm.yaml");
        NodeTestFiles.hsmYaml(hsmYaml, "node-a", s, dir.resolve("node-a-audit.jsonl"), zk.connectString(), root);
        TlsMaterial tls = pki.issue("node-a", "node");
        Path config = NodeYaml.node("node-a", "dc1")
                .hsmConfig(hsmYaml)
                .zone(ZONE.toString(), "zones/example.test.zone")
                .zooKeeperOverTls(zk.connectString(), Duration.ofSeconds(10), root, tls)
                .tls(tls)
                .more("resign: {floor: 1s, debounce: 200ms}\n")
                .write(dir.resolve("node-a.yaml"));
        NodeConfig loaded = NodeConfig.load(config);
        assertThat(loaded.zookeeper().clientSettings().secure()).isTrue();
        daemon = SignerNodeDaemon.start(loaded, Clock.systemUTC());
    }

    @AfterEach
    void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void theNodeKeepsPublishingUnderItsEpochWhileACoordinatorCertificateTriesToResetAndForge() throws Exception {
        PublishRecord first = awaitPublish(r -> r.node().equals("node-a"), "node-a publishes over TLS");
        String epochPath = root + "/cluster/epoch";
        String publishedPath = root + "/zones/example.test/published";
        byte[] forged = PublishedZone.newBuilder()
                .setZone(ZONE.toString())
                .setSerial((int) ((first.serial() + (1L << 31) - 1) & 0xFFFF_FFFFL))
                .setSha256(ByteString.copyFrom(HexFormat.of().parseHex(first.sha256Hex())))
                .setEpoch(first.epoch())
                .setNode("node-a")
                .setCommittedAtMillis(Instant.now().toEpochMilli())
                .build()
                .toByteArray();
        CuratorFramework mallory = ZooKeeperClientSettings.tls(zk.connectString(), pki.issue("mallory", "coordinator"))
                .curatorBuilder()
                .sessionTimeoutMs(10_000)
                .connectionTimeoutMs(5_000)
                .retryPolicy(new RetryNTimes(0, 0))
                .build();
        open.add(mallory);
        mallory.start();
        assertThat(mallory.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();

        AtomicInteger refused = new AtomicInteger();
        AtomicReference<String> accepted = new AtomicReference<>();
        Thread attacker = new Thread(
                () -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        attempt(
                                refused,
                                accepted,
                                "bump the epoch",
                                () -> mallory.setData().forPath(epochPath));
                        attempt(
                                refused,
                                accepted,
                                "delete the epoch",
                                () -> mallory.delete().forPath(epochPath));
                        attempt(
                                refused,
                                accepted,
                                "publish 2^31 ahead",
                                () -> mallory.setData().forPath(publishedPath, forged));
                        try {
                            Thread.sleep(20); // pacing, not polling: a few hundred attempts, without starving the node
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "mallory");
        attacker.start();
        try {
            Files.writeString(dir.resolve("zones/example.test.zone"), "www A 192.0.2.80\n", StandardOpenOption.APPEND);
            PublishRecord next = awaitPublish(r -> r.serial() != first.serial(), "node-a publishes the change");

            assertThat(next.node()).isEqualTo("node-a");
            assertThat(next.epoch()).isEqualTo(first.epoch());
            assertThat(next.serial() - first.serial()).isBetween(1L, 1000L);
        } finally {
            attacker.interrupt();
            attacker.join(10_000);
        }
        assertThat(accepted.get()).as("an attack ZooKeeper accepted").isNull();
        assertThat(refused.get()).isGreaterThanOrEqualTo(3);
        assertThat(ledger.currentEpoch()).isEqualTo(first.epoch());
        assertThat(ledger.history(ZONE))
                .extracting(PublishRecord::serial)
                .isSorted()
                .allMatch(serial -> serial - first.serial() < 1000);
        assertThat(daemon.status().role()).isEqualTo(NodeRole.LEADER);
    }

    @FunctionalInterface
    private interface Write {
        void run() throws Exception;
    }

    private static void attempt(AtomicInteger refused, AtomicReference<String> accepted, String what, Write write) {
        try {
            write.run();
            accepted.compareAndSet(null, what);
        } catch (KeeperException.NoAuthException e) {
            refused.incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // connection loss while the test stops: not an accepted write
        }
    }

    private PublishRecord awaitPublish(Predicate<PublishRecord> what, String name) throws Exception {
        AtomicReference<PublishRecord> found = new AtomicReference<>();
        TestTiming.until(WAIT, name, () -> {
            try {
                Optional<PublishRecord> last = ledger.last(ZONE);
                found.set(last.filter(what).orElse(null));
                return found.get() != null;
            } catch (LedgerException e) {
                return false;
            }
        });
        return found.get();
    }
}
