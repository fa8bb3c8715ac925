package org.tandem.signer.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.audit.AuditLog;
import org.tandem.keysync.grpc.KeySyncService;
import org.tandem.keysync.grpc.MtlsChannels;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.key.KeyProtos;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.VersionedManifest;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.manifest.ZooKeeperManifestStore;
import org.tandem.keysync.proof.KeySetVerifier;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.keysync.testing.TestPki;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.proto.keysync.v1.ExportWrappedKeyRequest;
import org.tandem.proto.keysync.v1.GenerateKeyRequest;
import org.tandem.proto.keysync.v1.GenerateKeyResponse;
import org.tandem.proto.keysync.v1.InventoryRequest;
import org.tandem.proto.keysync.v1.KeyRole;
import org.tandem.proto.keysync.v1.KeySyncGrpc;
import org.tandem.proto.signer.v1.GetStatusRequest;
import org.tandem.proto.signer.v1.SignerNodeGrpc;
import org.tandem.signer.node.NodeRole;
import org.tandem.signer.node.NodeStatus;

/**
 * The node's KeySync service on the SignerNode server's port, as the daemon serves it: keysync's
 * role rules hold there too (a certificate without a role reaches no KeySync method, a peer node
 * takes inventory but generates nothing, the coordinator generates), each refusal audited in the
 * node's audit log. Real SoftHSM2 token, real ZooKeeper, real mutual TLS.
 */
class SignerNodeServerKeySyncIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ZONE = "example.test.";

    @TempDir
    Path dir;

    private final Clock clock = Clock.systemUTC();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final ScriptedNodeControl control = new ScriptedNodeControl();
    private TestPki cluster;
    private Pkcs11Hsm hsm;
    private ZooKeeperManifestStore store;
    private Path auditFile;
    private SignerNodeServer server;

    @BeforeEach
    void start() throws Exception {
        cluster = TestPki.create(dir.resolve("cluster"), "tandem-cluster-ca");
        hsm = Pkcs11Hsm.open(SoftHsmTokens.shared().allocate("dc1-hsm1"));
        hsm.generateKek();
        store = ZooKeeperManifestStore.connect(ZK.clientSettings(), "/it-" + System.nanoTime(), Duration.ofSeconds(10));
        auditFile = dir.resolve("audit.jsonl");
        AuditLog audit = AuditLog.open(auditFile, clock);
        KeySyncService keySync = new KeySyncService(
                "dc1-signer",
                List.of(hsm),
                clock,
                audit,
                "tandem@dc1-signer keysync-server",
                store,
                new KeySetVerifier(clock, new SecureRandom()));
        server = SignerNodeServer.start(
                "127.0.0.1", 0, cluster.issue("dc1-signer", "node"), control, "dc1-signer", audit, clock, keySync);
        control.status.set(new NodeStatus(
                "dc1-signer", "dc1", NodeRole.STANDBY, 0, Duration.ZERO, List.of(), List.of(), Instant.now()));
    }

    @AfterEach
    void stop() throws InterruptedException {
        try {
            for (ManagedChannel channel : channels) {
                channel.shutdownNow();
            }
            for (ManagedChannel channel : channels) {
                assertThat(channel.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            server.close();
            hsm.close();
            store.close();
        }
    }

    @Test
    void certificateWithoutARoleReadsStatusButReachesNoKeySyncMethodAndIsAudited() throws Exception {
        TlsMaterial monitor = cluster.issue("monitor");

        assertThat(SignerNodeGrpc.newBlockingStub(channel(monitor))
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getStatus(GetStatusRequest.getDefaultInstance())
                        .getNode())
                .isEqualTo("dc1-signer");
        KeySyncGrpc.KeySyncBlockingStub keySync = keySync(monitor);
        assertDenied(
                () -> keySync.inventory(InventoryRequest.newBuilder()
                        .setZone(ZONE)
                        .setNonce(ByteString.copyFrom(new byte[32]))
                        .build()),
                "caller monitor",
                "roles []",
                "tandem.keysync.v1.KeySync/Inventory");
        assertDenied(
                () -> keySync.exportWrappedKey(ExportWrappedKeyRequest.newBuilder()
                        .setZone(ZONE)
                        .setFingerprint(ByteString.copyFrom(new byte[32]))
                        .build()),
                "caller monitor",
                "tandem.keysync.v1.KeySync/ExportWrappedKey");

        assertThat(audit())
                .extracting(l -> l.get("op").asText() + " " + l.get("outcome").asText())
                .containsExactly("VERIFY REFUSED", "WRAP REFUSED");
        assertThat(audit()).allSatisfy(l -> assertThat(l.get("actor").asText()).contains("caller=monitor"));
    }

    @Test
    void peerNodeTakesInventoryButOnlyTheCoordinatorGeneratesAKeyWhichTheManifestListsAsGenerated() throws Exception {
        KeySyncGrpc.KeySyncBlockingStub peer = keySync(cluster.issue("dc2-signer", "node"));
        GenerateKeyRequest order = GenerateKeyRequest.newBuilder()
                .setZone(ZONE)
                .setRole(KeyRole.ZSK)
                .setOrderedBy("alice")
                .build();

        assertThat(peer.inventory(InventoryRequest.newBuilder()
                                .setZone(ZONE)
                                .setNonce(ByteString.copyFrom(new byte[32]))
                                .build())
                        .getHsmsList())
                .singleElement()
                .satisfies(h -> assertThat(h.getKeysList()).isEmpty());
        assertDenied(
                () -> peer.generateKey(order),
                "caller dc2-signer",
                "roles [NODE]",
                "KeySync/GenerateKey",
                "OU=coordinator");
        assertThat(hsm.list(ZoneName.of(ZONE))).isEmpty();

        GenerateKeyResponse generated =
                keySync(cluster.issue("coordinator-1", "coordinator")).generateKey(order);

        VersionedManifest m = store.read(ZONE).orElseThrow();
        assertThat(ZoneKeySet.fromProto(m.manifest(), m.version()).entries())
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.key()).isEqualTo(KeyProtos.fromProto(generated.getKey()));
                    assertThat(e.state()).isEqualTo(KeyState.GENERATED);
                });
        assertThat(hsm.list(ZoneName.of(ZONE))).hasSize(1);
        assertThat(audit())
                .extracting(l -> l.get("op").asText() + " " + l.get("outcome").asText())
                .containsExactly("VERIFY OK", "GENERATE REFUSED", "GENERATE OK");
        assertThat(audit().get(2).get("actor").asText()).contains("caller=coordinator-1", "ordered_by=alice");
    }

    private KeySyncGrpc.KeySyncBlockingStub keySync(TlsMaterial client) throws Exception {
        return KeySyncGrpc.newBlockingStub(channel(client)).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private ManagedChannel channel(TlsMaterial client) throws Exception {
        ManagedChannel channel = MtlsChannels.open("127.0.0.1:" + server.port(), client);
        channels.add(channel);
        return channel;
    }

    private List<JsonNode> audit() throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(auditFile, StandardCharsets.UTF_8)) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    private static void assertDenied(ThrowableAssert.ThrowingCallable call, String... described) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as("%s", e.getStatus()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(e.getStatus().getDescription()).contains(described);
        });
    }
}
