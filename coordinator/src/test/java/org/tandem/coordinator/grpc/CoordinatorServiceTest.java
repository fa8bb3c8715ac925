package org.tandem.coordinator.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.coordinator.audit.AuditLog;
import org.tandem.coordinator.config.TlsFiles;
import org.tandem.coordinator.preflight.Cutover;
import org.tandem.coordinator.preflight.Preflight;
import org.tandem.coordinator.testing.FakeCluster;
import org.tandem.coordinator.testing.FakeKey;
import org.tandem.coordinator.testing.FakeNode;
import org.tandem.coordinator.view.LedgerEntry;
import org.tandem.keysync.audit.AuditChain;
import org.tandem.keysync.audit.AuditCheckpoint;
import org.tandem.keysync.audit.AuditVerification;
import org.tandem.keysync.audit.CheckpointPolicy;
import org.tandem.keysync.audit.CheckpointTrust;
import org.tandem.keysync.grpc.CallerRole;
import org.tandem.keysync.grpc.MtlsChannels;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.testing.TestPki;
import org.tandem.proto.coordinator.v1.ClusterKeys;
import org.tandem.proto.coordinator.v1.CoordinatorGrpc;
import org.tandem.proto.coordinator.v1.EnrolKekOrder;
import org.tandem.proto.coordinator.v1.GenerateKeyOrder;
import org.tandem.proto.coordinator.v1.GetClusterKeysRequest;
import org.tandem.proto.coordinator.v1.GetKekStatusRequest;
import org.tandem.proto.coordinator.v1.InitKekOrder;
import org.tandem.proto.coordinator.v1.KekOrderResult;
import org.tandem.proto.coordinator.v1.KeyPresence;
import org.tandem.proto.coordinator.v1.PreflightResult;
import org.tandem.proto.coordinator.v1.StepDownRequest;
import org.tandem.proto.coordinator.v1.StepDownResult;
import org.tandem.proto.coordinator.v1.SyncKeysOrder;
import org.tandem.proto.keysync.v1.BeginKekEnrolmentRequest;
import org.tandem.proto.keysync.v1.InventoryRequest;
import org.tandem.proto.keysync.v1.KeyRole;
import org.tandem.proto.keysync.v1.KeyState;
import org.tandem.proto.signer.v1.CheckState;
import org.tandem.proto.signer.v1.NodeStatus;
import org.tandem.proto.signer.v1.Role;
import org.tandem.proto.signer.v1.SelfTestRequest;
import org.tandem.proto.signer.v1.SelfTestResponse;
import org.tandem.proto.signer.v1.StepDownResponse;
import org.tandem.proto.signer.v1.ZoneSelfTest;
import org.tandem.proto.signer.v1.ZoneStatus;

/**
 * The Coordinator service on real mutual TLS (TestPki certificates carrying the caller's role) over
 * fake nodes: who may order a key ceremony, the audit lines of an order, an unreachable node, the
 * caller's nonce, and the step-down of the leader guarded by the preflight.
 */
class CoordinatorServiceTest {
    private static final String ZONE = "example.test.";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final FakeCluster cluster = new FakeCluster();
    private final List<AutoCloseable> open = new ArrayList<>();
    private TestPki pki;
    private Path auditFile;
    private TlsMaterial coordinatorTls;
    private CoordinatorServer server;
    private FakeNode a;
    private FakeNode b;

    @BeforeEach
    void nodes() throws Exception {
        a = cluster.node("node-a", "hsm-a");
        b = cluster.node("node-b", "hsm-b");
        pki = TestPki.create(dir.resolve("pki"), "coordinator test CA");
    }

    private void start() throws Exception {
        TlsMaterial c = pki.issue("coordinator", "coordinator");
        coordinatorTls = c;
        auditFile = dir.resolve("audit.jsonl");
        AuditLog audit = AuditLog.open(
                auditFile,
                cluster.clock,
                "coordinator",
                c.privateKey(),
                c.certificateChain(),
                CheckpointPolicy.DEFAULT);
        open.add(audit);
        server = CoordinatorServer.start(
                "127.0.0.1",
                0,
                new TlsFiles(c.trustedCertificates(), c.certificateChain(), c.privateKey()),
                cluster.view(),
                new Cutover(cluster.view(), new Preflight(Duration.ofDays(1)), cluster.clock, cluster.view()::nonce),
                audit,
                Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        for (AutoCloseable c : open) {
            c.close();
        }
        cluster.close();
    }

    private CoordinatorGrpc.CoordinatorBlockingStub as(String cn, String ou) throws Exception {
        // every caller here talks to the coordinator, whatever its own role (its own channels would
        // accept only the servers its role talks to)
        ManagedChannel ch =
                MtlsChannels.open("127.0.0.1:" + server.port(), pki.issue(cn, ou), Set.of(CallerRole.COORDINATOR));
        open.add(0, ch::shutdownNow);
        return CoordinatorGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static Status.Code code(Runnable call) {
        try {
            call.run();
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    /** The {@code detail} of every order line (the JSON the coordinator writes), checkpoints left out. */
    private List<String> audit() throws Exception {
        List<String> details = new ArrayList<>();
        for (String line : Files.readAllLines(auditFile)) {
            JsonNode node = JSON.readTree(line);
            if (!node.get("op").asText().equals("CHECKPOINT")) {
                details.add(node.get("detail").asText());
            }
        }
        return details;
    }

    // ---- the audit trail

    @Test
    void ordersAreChainedAndCheckpointedWithTheCoordinatorsTlsKeyAndATamperedLineIsDetected() throws Exception {
        start();
        a.keks.put("hsm-a", new byte[] {0x12, 0x34, 0x56});
        as("alice", "operator")
                .enrolKek(EnrolKekOrder.newBuilder()
                        .setFrom("node-a")
                        .setTo("node-b")
                        .build());
        CoordinatorGrpc.CoordinatorBlockingStub node = as("node-x", "node");
        assertThat(code(() ->
                        node.syncKeys(SyncKeysOrder.newBuilder().setZone(ZONE).build())))
                .isEqualTo(Status.Code.PERMISSION_DENIED);
        open.remove(open.size() - 1).close(); // the audit log: writes its closing checkpoint
        PublicKey coordinatorKey =
                AuditCheckpoint.publicKeyFromPem(Files.readString(coordinatorTls.certificateChain()));
        PublicKey otherKey = AuditCheckpoint.publicKeyFromPem(
                Files.readString(pki.issue("coordinator-2", "coordinator").certificateChain()));

        AuditVerification intact = AuditChain.verify(auditFile, new CheckpointTrust(List.of(coordinatorKey), true));
        assertThat(intact.defects()).isEmpty();
        assertThat(intact.signedCheckpoints()).isPositive();
        assertThat(intact.lastSignedCheckpoint()).isEqualTo(intact.lines());
        assertThat(Files.readAllLines(auditFile))
                .anySatisfy(
                        l -> assertThat(l).contains("\"op\":\"KEK_ENROL\"", "\"actor\":\"alice coordinator EnrolKek\""))
                .anySatisfy(l -> assertThat(l).contains("\"op\":\"SYNC\"", "\"outcome\":\"REFUSED\""));
        assertThat(AuditChain.verify(auditFile, new CheckpointTrust(List.of(otherKey), true))
                        .intact())
                .as("another certificate of the same CA does not verify the coordinator's checkpoints")
                .isFalse();

        List<String> lines = new ArrayList<>(Files.readAllLines(auditFile));
        lines.set(0, lines.get(0).replace("alice", "mallory"));
        Files.write(auditFile, lines);
        AuditVerification edited = AuditChain.verify(auditFile);
        assertThat(edited.intact()).isFalse();
        assertThat(edited.defects().get(0).line()).isEqualTo(1);
        assertThat(edited.defects().get(0).reason()).contains("hash mismatch");
    }

    // ---- who may order

    @Test
    void aNodeCertificateReadsTheKekStatusButOrdersNoKeyCeremony() throws Exception {
        start();
        a.keks.put("hsm-a", new byte[] {1, 2, 3});
        var node = as("node-x", "node");
        assertThat(node.getKekStatus(GetKekStatusRequest.getDefaultInstance()).getNodesCount())
                .isEqualTo(2);
        List<Runnable> orders = List.of(
                () -> node.initKek(InitKekOrder.newBuilder().setNode("node-b").build()),
                () -> node.enrolKek(EnrolKekOrder.newBuilder()
                        .setFrom("node-a")
                        .setTo("node-b")
                        .build()),
                () -> node.generateKey(GenerateKeyOrder.newBuilder()
                        .setZone(ZONE)
                        .setRole(KeyRole.ZSK)
                        .setOn("node-a")
                        .build()),
                () -> node.syncKeys(SyncKeysOrder.newBuilder().setZone(ZONE).build()));
        for (Runnable order : orders) {
            assertThat(code(order)).isEqualTo(Status.Code.PERMISSION_DENIED);
        }
        assertThatThrownBy(() ->
                        node.syncKeys(SyncKeysOrder.newBuilder().setZone(ZONE).build()))
                .hasMessageContaining("node-x")
                .hasMessageContaining("OU=operator");
        assertThat(b.requests(BeginKekEnrolmentRequest.class)).isEmpty();
        assertThat(audit()).hasSize(5).allSatisfy(l -> assertThat(l).contains("\"caller\":\"node-x\"", "denied"));
    }

    @Test
    void theCoordinatorsOwnRoleMayNotOrderAKeyCeremony() throws Exception {
        start();
        var coordinator = as("other-coordinator", "coordinator");
        assertThat(code(() -> coordinator.syncKeys(
                        SyncKeysOrder.newBuilder().setZone(ZONE).build())))
                .isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(code(() -> coordinator.initKek(
                        InitKekOrder.newBuilder().setNode("node-a").build())))
                .isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    @Test
    void anOperatorsEnrolmentIsAuditedBeforeAndAfterAndTheNodesSeeTheOperator() throws Exception {
        start();
        a.keks.put("hsm-a", new byte[] {0x12, 0x34, 0x56});
        KekOrderResult r = as("alice", "operator")
                .enrolKek(EnrolKekOrder.newBuilder()
                        .setFrom("node-a")
                        .setTo("node-b")
                        .build());
        assertThat(r.getMatch()).isTrue();
        assertThat(b.requests(BeginKekEnrolmentRequest.class).get(0).getOrderedBy())
                .isEqualTo("alice");
        List<String> lines = audit();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0))
                .contains(
                        "\"caller\":\"alice\"",
                        "\"order\":\"EnrolKek\"",
                        "node-a -> node-b",
                        "\"outcome\":\"ordered\"");
        assertThat(lines.get(1))
                .contains("\"order\":\"EnrolKek\"", "done: node-b/hsm-b has check value 123456", "node-a/hsm-a 123456");
    }

    @Test
    void aMismatchedEnrolmentIsAuditedAsFailed() throws Exception {
        start();
        a.keks.put("hsm-a", new byte[] {0x12, 0x34, 0x56});
        b.completedCheckValue = new byte[] {0, 0, 1};
        KekOrderResult r = as("alice", "operator")
                .enrolKek(EnrolKekOrder.newBuilder()
                        .setFrom("node-a")
                        .setTo("node-b")
                        .build());
        assertThat(r.getMatch()).isFalse();
        assertThat(audit().get(1)).contains("failed: check values differ", "000001", "123456");
    }

    @Test
    void aNodeUnreachableDuringAnOrderIsUnavailableNamingTheNode() throws Exception {
        cluster.unreachable("node-c");
        start();
        a.keks.put("hsm-a", new byte[] {0x12, 0x34, 0x56});
        var alice = as("alice", "operator");
        assertThatThrownBy(() -> alice.enrolKek(EnrolKekOrder.newBuilder()
                        .setFrom("node-a")
                        .setTo("node-c")
                        .build()))
                .isInstanceOf(StatusRuntimeException.class)
                .satisfies(e -> {
                    StatusRuntimeException s = (StatusRuntimeException) e;
                    assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(s.getStatus().getDescription()).contains("BeginKekEnrolment on node-c");
                    ErrorInfo info = StatusProto.fromThrowable(s).getDetails(0).unpack(ErrorInfo.class);
                    assertThat(info.getReason()).isEqualTo("NODE_UNREACHABLE");
                    assertThat(info.getMetadataMap()).containsEntry("node", "node-c");
                });
        assertThat(audit().get(1)).contains("failed: BeginKekEnrolment on node-c");
        assertThat(code(() -> alice.enrolKek(EnrolKekOrder.newBuilder()
                        .setFrom("node-a")
                        .setTo("node-z")
                        .build())))
                .isEqualTo(Status.Code.NOT_FOUND);
    }

    // ---- GetClusterKeys

    @Test
    void theClusterKeysAreProvenOverTheCallersNonceWithAFixPerVerdict() throws Exception {
        FakeKey ksk = FakeKey.generate(ZONE, KeyRole.KSK);
        a.hold("hsm-a", ksk);
        cluster.records.manifest(ZONE, ksk.manifestEntry(KeyState.GENERATED, "hsm-a"));
        start();
        var node = as("node-x", "node");
        byte[] nonce = new byte[20];
        nonce[0] = 42;
        ClusterKeys k = node.getClusterKeys(GetClusterKeysRequest.newBuilder()
                .setZone("example.test")
                .setNonce(ByteString.copyFrom(nonce))
                .build());
        assertThat(a.requests(InventoryRequest.class).get(0).getNonce().toByteArray())
                .isEqualTo(nonce);
        KeyPresence missing = k.getZones(0).getKeys(0).getPresence(1);
        assertThat(missing.getNode() + " " + missing.getVerdict()).isEqualTo("node-b missing");
        assertThat(missing.getDetail()).contains("pending replication");
        assertThat(missing.getFix())
                .isEqualTo("copy it from a node that holds it proven: signerctl keys sync"
                        + " --config signerctl.yaml --zone " + ZONE);
        assertThat(k.getZones(0).getKeys(0).getPresence(0).getVerdict()).isEqualTo("ok");
        assertThat(k.getZones(0).getKeys(0).getPresence(0).getFix()).isEmpty();
        assertThat(code(() -> node.getClusterKeys(GetClusterKeysRequest.newBuilder()
                        .setZone(ZONE)
                        .setNonce(ByteString.copyFrom(new byte[8]))
                        .build())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(code(() -> node.getClusterKeys(GetClusterKeysRequest.newBuilder()
                        .setZone(ZONE)
                        .setNonce(ByteString.copyFrom(new byte[65]))
                        .build())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    // ---- step-down

    private static NodeStatus status(String node, Role role, long epoch) {
        return NodeStatus.newBuilder()
                .setNode(node)
                .setRole(role)
                .setEpoch(epoch)
                .addZones(ZoneStatus.newBuilder()
                        .setZone(ZONE)
                        .setSerial(5)
                        .setGate(CheckState.PASSED)
                        .setCanary(CheckState.PASSED)
                        .setEarliestRrsigExpiryEpochSeconds(
                                FakeCluster.NOW.plus(Duration.ofDays(10)).getEpochSecond()))
                .build();
    }

    /** Node-a leads, node-b is a standby with the same keys, everything published for days. */
    private void aLeadsAndBStandsBy(Consumer<FakeNode> spoilStandby) throws Exception {
        FakeKey ksk = FakeKey.generate(ZONE, KeyRole.KSK);
        FakeKey zsk = FakeKey.generate(ZONE, KeyRole.ZSK);
        a.hold("hsm-a", ksk).hold("hsm-a", zsk);
        b.hold("hsm-b", ksk).hold("hsm-b", zsk);
        cluster.records.epoch = 1;
        cluster.records.manifest(
                ZONE, ksk.manifestEntry(KeyState.ACTIVE, "hsm-a"), zsk.manifestEntry(KeyState.ACTIVE, "hsm-a"));
        List<String> fps = new ArrayList<>(List.of(ksk.fingerprint, zsk.fingerprint));
        fps.sort(null);
        cluster.records.history.put(
                ZONE,
                List.of(
                        new LedgerEntry(4, 1, "node-a", FakeCluster.NOW.minus(Duration.ofDays(3)), fps, 3600),
                        new LedgerEntry(5, 1, "node-a", FakeCluster.NOW.minus(Duration.ofHours(1)), fps, 3600)));
        a.status = status("node-a", Role.LEADER, 1);
        a.stepDown =
                StepDownResponse.newBuilder().setWasLeader(true).setEpoch(1).build();
        b.status = status("node-b", Role.STANDBY, 1);
        b.selfTest = SelfTestResponse.newBuilder()
                .setPassed(true)
                .addZones(ZoneSelfTest.newBuilder()
                        .setZone(ZONE)
                        .setCanaryPassed(true)
                        .setCanaryDetail("4 types, 2 keys")
                        .setKeysProven(true))
                .build();
        spoilStandby.accept(b);
        start();
    }

    @Test
    void theLeaderStepsDownOnlyAfterAStandbyPassedThePreflight() throws Exception {
        aLeadsAndBStandsBy(standby -> {});
        StepDownResult r = as("alice", "operator")
                .stepDown(StepDownRequest.newBuilder().setReason("patching").build());
        assertThat(r.getNode()).isEqualTo("node-a");
        assertThat(r.getWasLeader()).isTrue();
        assertThat(a.requests(org.tandem.proto.signer.v1.StepDownRequest.class)).hasSize(1);
        assertThat(b.requests(SelfTestRequest.class))
                .as("the preflight towards node-b ran")
                .hasSize(1);
        assertThat(String.join("\n", audit()))
                .contains(
                        "preflight towards node-b passed; stepping down the leader node-a",
                        "\"passed\":true",
                        "done: was_leader=true");
    }

    @Test
    void theLeadersStepDownIsRefusedWhenNoStandbyPassesThePreflight() throws Exception {
        FakeKey[] missing = new FakeKey[1];
        aLeadsAndBStandsBy(standby -> {
            missing[0] = standby.hsms.get("hsm-b").values().stream()
                    .filter(h -> h.key().role == KeyRole.ZSK)
                    .findFirst()
                    .orElseThrow()
                    .key();
            standby.hsms.get("hsm-b").remove(missing[0].fingerprint);
        });
        var alice = as("alice", "operator");
        assertThatThrownBy(() -> alice.stepDown(
                        StepDownRequest.newBuilder().setNode("node-a").build()))
                .isInstanceOf(StatusRuntimeException.class)
                .satisfies(e -> {
                    StatusRuntimeException s = (StatusRuntimeException) e;
                    assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(s.getStatus().getDescription())
                            .contains("node-a may not step down", "towards node-b", missing[0].fingerprint, "missing");
                    List<Any> details = StatusProto.fromThrowable(s).getDetailsList();
                    PreflightResult p = details.get(0).unpack(PreflightResult.class);
                    assertThat(p.getTo()).isEqualTo("node-b");
                    assertThat(p.getPassed()).isFalse();
                    assertThat(p.getRefusalsList()).anySatisfy(x -> {
                        assertThat(x.getCheck()).isEqualTo("keys-identical");
                        assertThat(x.getFingerprint()).isEqualTo(missing[0].fingerprint);
                        assertThat(x.getFix()).contains("keys sync");
                    });
                });
        assertThat(a.requests(org.tandem.proto.signer.v1.StepDownRequest.class))
                .as("nothing was ordered")
                .isEmpty();
        assertThat(String.join("\n", audit()))
                .contains(
                        "\"order\":\"StepDown\"",
                        "refused: the leader node-a steps down" + " only when a standby passes the preflight",
                        missing[0].fingerprint);
    }

    @Test
    void aStandbyStepsDownWithoutAPreflight() throws Exception {
        aLeadsAndBStandsBy(standby -> standby.hsms.get("hsm-b").clear());
        StepDownResult r = as("alice", "operator")
                .stepDown(StepDownRequest.newBuilder().setNode("node-b").build());
        assertThat(r.getNode()).isEqualTo("node-b");
        assertThat(b.requests(org.tandem.proto.signer.v1.StepDownRequest.class)).hasSize(1);
        assertThat(b.requests(SelfTestRequest.class)).isEmpty();
        assertThat(a.requests(org.tandem.proto.signer.v1.StepDownRequest.class)).isEmpty();
    }
}
