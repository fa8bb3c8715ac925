package org.tandem.signer.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.grpc.MtlsChannels;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.testing.KeySyncedTokens;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.keysync.testing.TestPki;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.proto.keysync.v1.ExportWrappedKeyRequest;
import org.tandem.proto.keysync.v1.KeySyncGrpc;
import org.tandem.proto.keysync.v1.WrappedKey;
import org.tandem.proto.signer.v1.SignerNodeGrpc;
import org.tandem.proto.signer.v1.StepDownRequest;
import org.tandem.proto.signer.v1.StepDownResponse;
import org.tandem.signer.node.NodeConfig;
import org.tandem.signer.node.NodeRole;
import org.tandem.signer.node.NodeTestFiles;
import org.tandem.signer.node.NodeYaml;
import org.tandem.signer.node.SignerNodeDaemon;

/**
 * The signer-node daemon's gRPC port as a coordinator meets it, in this JVM: a real SoftHSM2 token
 * with keys generated and proven by keysync, a real ZooKeeper, real mutual TLS. The step-down keeps
 * the node out for the hold-off the coordinator asked for and reports it; the KeySync service the
 * daemon serves reads the cluster's manifest.
 */
class SignerNodeDaemonGrpcIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    private static final ZoneName ZONE = ZoneName.of("example.test");
    private static final Duration WAIT = TestTiming.scaled(Duration.ofSeconds(60));

    @TempDir
    Path dir;

    private final List<ManagedChannel> channels = new ArrayList<>();
    private KeySyncedTokens tokens;
    private TestPki pki;
    private SignerNodeDaemon daemon;

    @BeforeEach
    void start() throws Exception {
        Prerequisites.requireSoftHsm();
        String root = "/daemon-grpc-it-" + Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);
        tokens = KeySyncedTokens.create(
                List.of("node-a"), ZONE, ZK.connectString(), root, dir.resolve("setup-audit.jsonl"));
        pki = TestPki.create(dir.resolve("pki"), "daemon-grpc-it CA");
        NodeTestFiles.minimalZone(dir);
        HsmSpec s = tokens.spec("node-a");
        Path hsmYaml = dir.resolve("node-a-hsm.yaml");
        NodeTestFiles.hsmYaml(hsmYaml, "node-a", s, dir.resolve("node-a-audit.jsonl"), ZK.connectString(), root);
        TlsMaterial tls = pki.issue("node-a", "node");
        Path config = NodeYaml.node("node-a", "dc1")
                .hsmConfig(hsmYaml)
                .zone(ZONE.toString(), "zones/example.test.zone")
                .plaintextZooKeeper(ZK.connectString(), Duration.ofSeconds(10), root)
                .tls(tls)
                .write(dir.resolve("node-a.yaml"));
        daemon = SignerNodeDaemon.start(NodeConfig.load(config), Clock.systemUTC());
    }

    @AfterEach
    void stop() throws Exception {
        try {
            for (ManagedChannel channel : channels) {
                channel.shutdownNow();
            }
        } finally {
            if (daemon != null) {
                daemon.close();
            }
            if (tokens != null) {
                tokens.close();
            }
        }
    }

    @Test
    void coordinatorsStepDownKeepsTheLeaderOutForTheAskedHoldOffAndReportsItsEnd() throws Exception {
        TestTiming.until(WAIT, "node-a leads", () -> daemon.status().role() == NodeRole.LEADER);
        SignerNodeGrpc.SignerNodeBlockingStub coordinator = SignerNodeGrpc.newBlockingStub(
                        channel(pki.issue("coordinator-1", "coordinator")))
                .withDeadlineAfter(20, TimeUnit.SECONDS);
        long asked = 4;

        long before = System.currentTimeMillis();
        StepDownResponse response = coordinator.stepDown(StepDownRequest.newBuilder()
                .setReason("cut-over test")
                .setHoldOffSeconds((int) asked)
                .build());
        long after = System.currentTimeMillis();

        assertThat(response.getWasLeader()).isTrue();
        assertThat(response.getEpoch()).isPositive();
        assertThat(response.getHoldOffUntilEpochMillis()).isBetween(before + asked * 1000, after + asked * 1000);
        TestTiming.until(
                WAIT, "node-a is out of the election", () -> daemon.status().role() != NodeRole.LEADER);
        TestTiming.until(
                WAIT,
                "node-a leads again after the hold-off",
                () -> daemon.status().role() == NodeRole.LEADER);
        assertThat(System.currentTimeMillis()).isGreaterThanOrEqualTo(response.getHoldOffUntilEpochMillis());
    }

    @Test
    void operatorCannotStepTheDaemonDownAndItsKeySyncExportsOnlyWhatTheManifestLists() throws Exception {
        TlsMaterial operator = pki.issue("alice", "operator");
        assertThatThrownBy(() -> SignerNodeGrpc.newBlockingStub(channel(operator))
                        .withDeadlineAfter(20, TimeUnit.SECONDS)
                        .stepDown(StepDownRequest.newBuilder()
                                .setHoldOffSeconds(60)
                                .build()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));

        KeySyncGrpc.KeySyncBlockingStub peer = KeySyncGrpc.newBlockingStub(channel(pki.issue("node-b", "node")))
                .withDeadlineAfter(20, TimeUnit.SECONDS);
        ZoneKeySet manifest = tokens.keySync().manifest(ZONE);
        assertThat(manifest.live()).hasSize(2);
        for (ZoneKeySet.Entry e : manifest.live()) {
            WrappedKey w = peer.exportWrappedKey(ExportWrappedKeyRequest.newBuilder()
                    .setZone(ZONE.toString())
                    .setFingerprint(ByteString.copyFrom(e.key().fingerprint().bytes()))
                    .build());
            assertThat(w.getKey().getFingerprint().toByteArray())
                    .isEqualTo(e.key().fingerprint().bytes());
        }
        byte[] unknown = new byte[32];
        new SecureRandom().nextBytes(unknown);
        assertThatThrownBy(() -> peer.exportWrappedKey(ExportWrappedKeyRequest.newBuilder()
                        .setZone(ZONE.toString())
                        .setFingerprint(ByteString.copyFrom(unknown))
                        .build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).contains("is not in the zone's manifest");
                });
        assertThat(daemon.status().role()).isNotEqualTo(NodeRole.STOPPED);
    }

    private ManagedChannel channel(TlsMaterial client) throws Exception {
        ManagedChannel channel = MtlsChannels.open("127.0.0.1:" + daemon.grpcPort(), client);
        channels.add(channel);
        return channel;
    }
}
