package org.tandem.signer.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.rpc.ErrorInfo;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.protobuf.StatusProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.audit.AuditChain;
import org.tandem.keysync.audit.AuditLog;
import org.tandem.keysync.audit.AuditVerification;
import org.tandem.keysync.audit.CheckpointPolicy;
import org.tandem.keysync.audit.CheckpointTrust;
import org.tandem.keysync.audit.HsmAuditSigner;
import org.tandem.keysync.grpc.MtlsChannels;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.keysync.testing.TestPki;
import org.tandem.proto.signer.v1.CheckState;
import org.tandem.proto.signer.v1.GetStatusRequest;
import org.tandem.proto.signer.v1.KeySyncState;
import org.tandem.proto.signer.v1.NodeStatus;
import org.tandem.proto.signer.v1.ReloadRequest;
import org.tandem.proto.signer.v1.Role;
import org.tandem.proto.signer.v1.SelfTestRequest;
import org.tandem.proto.signer.v1.SelfTestResponse;
import org.tandem.proto.signer.v1.SignerNodeGrpc;
import org.tandem.proto.signer.v1.StepDownRequest;
import org.tandem.proto.signer.v1.StepDownResponse;
import org.tandem.proto.signer.v1.ZoneStatus;
import org.tandem.signer.node.NodeRefusedException;
import org.tandem.signer.node.NodeRole;
import org.tandem.signer.node.NodeUnavailableException;
import org.tandem.signer.node.SelfTestResult;
import org.tandem.signer.node.StepDownResult;
import org.tandem.signer.node.ZoneSelfTest;

/**
 * The SignerNode service on a real Netty server with mutual TLS on the loopback, certificates from
 * keysync's {@link TestPki}; roles in the certificates' OU; the node's audit log checkpointed by an
 * audit key in a real SoftHSM2 token.
 */
class SignerNodeServiceIT {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00.250Z");
    private static final ZoneName COM = ZoneName.of("example.com");
    private static final ZoneName NET = ZoneName.of("example.net");

    @TempDir
    Path dir;

    private final List<ManagedChannel> channels = new ArrayList<>();
    private final ScriptedNodeControl control = new ScriptedNodeControl();
    private TestPki cluster;
    private SignerNodeServer server;
    private Pkcs11Hsm hsm;
    private HsmAuditSigner auditKey;
    private AuditLog audit;
    private Path auditFile;

    @BeforeEach
    void start() throws Exception {
        cluster = TestPki.create(dir.resolve("cluster"), "tandem-cluster-ca");
        hsm = Pkcs11Hsm.open(SoftHsmTokens.shared().allocate("dc1-hsm1"));
        auditFile = dir.resolve("audit-dc1-signer.jsonl");
        auditKey = HsmAuditSigner.open(hsm, "dc1-signer");
        audit = AuditLog.open(auditFile, Clock.systemUTC(), auditKey, new CheckpointPolicy(3, Duration.ofMinutes(5)));
        server = SignerNodeServer.start(
                "127.0.0.1", 0, cluster.issue("dc1-signer", "node"), control, "dc1-signer", audit, Clock.systemUTC());
        control.status.set(new org.tandem.signer.node.NodeStatus(
                "dc1-signer",
                "dc1",
                NodeRole.LEADER,
                7,
                Duration.ofMillis(4_500),
                List.of(),
                List.of(
                        new org.tandem.signer.node.ZoneStatus(
                                COM,
                                OptionalLong.of(4_294_967_295L),
                                Optional.of(NOW.minusSeconds(60)),
                                Optional.of(Instant.ofEpochSecond(1_798_000_000L)),
                                org.tandem.signer.node.CheckState.PASSED,
                                "",
                                org.tandem.signer.node.CheckState.PASSED,
                                "",
                                org.tandem.signer.node.KeySyncState.SYNCED,
                                List.of(),
                                Optional.of(NOW.plusSeconds(3600))),
                        new org.tandem.signer.node.ZoneStatus(
                                NET,
                                OptionalLong.empty(),
                                Optional.empty(),
                                Optional.empty(),
                                org.tandem.signer.node.CheckState.FAILED,
                                "www.example.net. A: RRSIG key tag 12345 does not verify",
                                org.tandem.signer.node.CheckState.NOT_RUN,
                                "",
                                org.tandem.signer.node.KeySyncState.NOT_SYNCED,
                                List.of("zone example.net. ZSK 12345 missing on HSM dc1-hsm1"),
                                Optional.empty())),
                NOW));
    }

    @AfterEach
    void stop() throws InterruptedException {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow();
        }
        for (ManagedChannel channel : channels) {
            assertThat(channel.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        }
        server.close();
        hsm.close();
    }

    @Test
    void clusterMemberGetsTheStatusWithEveryField() throws Exception {
        NodeStatus status = stub(cluster.issue("dc2-signer", "node")).getStatus(GetStatusRequest.getDefaultInstance());

        assertThat(status.getNode()).isEqualTo("dc1-signer");
        assertThat(status.getSite()).isEqualTo("dc1");
        assertThat(status.getRole()).isEqualTo(Role.LEADER);
        assertThat(status.getEpoch()).isEqualTo(7);
        assertThat(status.getLeaseRemainingMillis()).isEqualTo(4_500);
        assertThat(status.getReasonsList()).isEmpty();
        assertThat(status.getStatusEpochMillis()).isEqualTo(NOW.toEpochMilli());
        assertThat(status.getZonesList())
                .extracting(ZoneStatus::getZone)
                .containsExactly("example.com.", "example.net.");
        ZoneStatus com = status.getZones(0);
        assertThat(com.hasSerial()).isTrue();
        assertThat(Integer.toUnsignedLong(com.getSerial())).isEqualTo(4_294_967_295L);
        assertThat(com.getLastPublishEpochMillis())
                .isEqualTo(NOW.minusSeconds(60).toEpochMilli());
        assertThat(com.getEarliestRrsigExpiryEpochSeconds()).isEqualTo(1_798_000_000L);
        assertThat(com.getGate()).isEqualTo(CheckState.PASSED);
        assertThat(com.getCanary()).isEqualTo(CheckState.PASSED);
        assertThat(com.getKeySync()).isEqualTo(KeySyncState.KEY_SYNCED);
        assertThat(com.getNextResignEpochMillis())
                .isEqualTo(NOW.plusSeconds(3600).toEpochMilli());
        ZoneStatus net = status.getZones(1);
        assertThat(net.hasSerial()).isFalse();
        assertThat(net.getLastPublishEpochMillis()).isZero();
        assertThat(net.getEarliestRrsigExpiryEpochSeconds()).isZero();
        assertThat(net.getGate()).isEqualTo(CheckState.FAILED);
        assertThat(net.getGateFailure()).contains("key tag 12345");
        assertThat(net.getCanary()).isEqualTo(CheckState.NOT_RUN);
        assertThat(net.getKeySync()).isEqualTo(KeySyncState.NOT_KEY_SYNCED);
        assertThat(net.getKeySyncReasonsList()).containsExactly("zone example.net. ZSK 12345 missing on HSM dc1-hsm1");
        assertThat(net.getNextResignEpochMillis()).isZero();
    }

    @Test
    void certificateWithoutRoleStillReadsStatus() throws Exception {
        assertThat(stub(cluster.issue("monitor"))
                        .getStatus(GetStatusRequest.getDefaultInstance())
                        .getRole())
                .isEqualTo(Role.LEADER);
    }

    @Test
    void refusesClientWithoutCertificate() throws Exception {
        ManagedChannel channel = track(Grpc.newChannelBuilder(
                        "127.0.0.1:" + server.port(),
                        TlsChannelCredentials.newBuilder()
                                .trustManager(cluster.caCertificate().toFile())
                                .build())
                .build());

        assertStatus(
                () -> blocking(channel).getStatus(GetStatusRequest.getDefaultInstance()),
                Status.Code.UNAVAILABLE,
                Status.Code.UNAUTHENTICATED);
        assertThat(control.calls()).isZero();
    }

    @Test
    void refusesClientWithCertificateFromAnImpostorCaOfTheSameName() throws Exception {
        // Same CA subject as the cluster's, so the client's key manager offers the certificate when
        // the server asks for that issuer; only the server's signature check can refuse it.
        TestPki impostor = TestPki.create(dir.resolve("impostor"), "tandem-cluster-ca");
        TlsMaterial rogue = impostor.issue("mallory", "operator");
        TlsMaterial trustsCluster =
                new TlsMaterial(rogue.certificateChain(), rogue.privateKey(), cluster.caCertificate());

        assertStatus(
                () -> stub(trustsCluster).stepDown(StepDownRequest.getDefaultInstance()),
                Status.Code.UNAVAILABLE,
                Status.Code.UNAUTHENTICATED);
        assertStatus(
                () -> stub(trustsCluster).getStatus(GetStatusRequest.getDefaultInstance()),
                Status.Code.UNAVAILABLE,
                Status.Code.UNAUTHENTICATED);
        assertThat(control.calls()).isZero();
    }

    @Test
    void nodeCertificateCannotStepDownOrSelfTest() throws Exception {
        SignerNodeGrpc.SignerNodeBlockingStub node = stub(cluster.issue("dc2-signer", "node"));

        StatusRuntimeException e = assertStatus(
                () -> node.stepDown(
                        StepDownRequest.newBuilder().setReason("take over").build()),
                Status.Code.PERMISSION_DENIED);
        assertThat(e.getStatus().getDescription())
                .contains("caller dc2-signer", "[NODE]", "tandem.signer.v1.SignerNode/StepDown", "OU=coordinator");
        assertStatus(() -> node.selfTest(SelfTestRequest.getDefaultInstance()), Status.Code.PERMISSION_DENIED);
        assertStatus(() -> node.reload(ReloadRequest.getDefaultInstance()), Status.Code.PERMISSION_DENIED);
        assertStatus(
                () -> stub(cluster.issue("monitor")).stepDown(StepDownRequest.getDefaultInstance()),
                Status.Code.PERMISSION_DENIED);
        assertThat(control.orders).isEmpty();
        assertThat(control.selfTestCalls).hasValue(0);
        assertThat(control.reloads).isEmpty();
    }

    @Test
    void operatorReloadsNamedZonesOrAllAndUnknownZonesAreNotFound() throws Exception {
        SignerNodeGrpc.SignerNodeBlockingStub operator = stub(cluster.issue("alice", "operator"));

        assertThat(operator.reload(ReloadRequest.newBuilder()
                                .addZones("EXAMPLE.net")
                                .build())
                        .getZonesList())
                .containsExactly("example.net.");
        assertThat(operator.reload(ReloadRequest.getDefaultInstance()).getZonesList())
                .containsExactly("example.com.", "example.net.");
        StatusRuntimeException unknown = assertStatus(
                () -> operator.reload(
                        ReloadRequest.newBuilder().addZones("example.org.").build()),
                Status.Code.NOT_FOUND);
        assertThat(unknown.getStatus().getDescription())
                .isEqualTo("node dc1-signer does not sign zone example.org. (it signs [example.com., example.net.])");
        assertStatus(
                () -> operator.reload(
                        ReloadRequest.newBuilder().addZones("bad..name").build()),
                Status.Code.INVALID_ARGUMENT);

        assertThat(control.reloads).containsExactly(List.of(NET), List.of(COM, NET));
    }

    @Test
    void operatorCertificateCannotStepDownTheNode() throws Exception {
        StatusRuntimeException e = assertStatus(
                () -> stub(cluster.issue("alice", "operator"))
                        .stepDown(StepDownRequest.newBuilder()
                                .setReason("maintenance of dc1")
                                .setHoldOffSeconds(300)
                                .build()),
                Status.Code.PERMISSION_DENIED);

        assertThat(e.getStatus().getDescription())
                .contains(
                        "caller alice",
                        "[OPERATOR]",
                        "tandem.signer.v1.SignerNode/StepDown",
                        "needs a certificate with OU=coordinator");
        assertThat(control.orders).isEmpty();
    }

    @Test
    void coordinatorStepsDownWithReasonAndTheAskedHoldOffWhichTheResponseReports() throws Exception {
        control.stepDown.set(new StepDownResult(true, 7, NOW.plusSeconds(300)));

        StepDownResponse response = stub(cluster.issue("coordinator-1", "coordinator"))
                .stepDown(StepDownRequest.newBuilder()
                        .setReason("cut-over to dc2")
                        .setHoldOffSeconds(300)
                        .build());

        assertThat(response.getWasLeader()).isTrue();
        assertThat(response.getEpoch()).isEqualTo(7);
        assertThat(response.getHoldOffUntilEpochMillis())
                .isEqualTo(NOW.plusSeconds(300).toEpochMilli());
        assertThat(control.orders).singleElement().satisfies(order -> {
            assertThat(order.caller()).isEqualTo("coordinator-1");
            assertThat(order.reason()).isEqualTo("cut-over to dc2");
            assertThat(order.holdOff()).contains(Duration.ofSeconds(300));
        });
    }

    @Test
    void aHoldOffLongerThanADayIsInvalidAndNoOrderIsGiven() throws Exception {
        StatusRuntimeException e = assertStatus(
                () -> stub(cluster.issue("coordinator-1", "coordinator"))
                        .stepDown(StepDownRequest.newBuilder()
                                .setHoldOffSeconds(86_401)
                                .build()),
                Status.Code.INVALID_ARGUMENT);

        assertThat(e.getStatus().getDescription()).contains("86401 s", "86400 s");
        assertThat(control.orders).isEmpty();
    }

    @Test
    void coordinatorStepsDownWithTheDefaultHoldOffAndRunsTheSelfTest() throws Exception {
        control.stepDown.set(new StepDownResult(false, 0, NOW.plusSeconds(60)));
        control.selfTest.set(new SelfTestResult(
                List.of(
                        new ZoneSelfTest(COM, true, "3 types, 2 keys, 6 signatures", true, List.of()),
                        new ZoneSelfTest(
                                NET,
                                false,
                                "type 65280 at x.example.net. cannot be signed",
                                false,
                                List.of("zone example.net. ZSK 12345 missing on HSM dc1-hsm1"))),
                NOW,
                Duration.ofMillis(1_250)));
        SignerNodeGrpc.SignerNodeBlockingStub coordinator = stub(cluster.issue("coordinator-1", "coordinator"));

        assertThat(coordinator.stepDown(StepDownRequest.getDefaultInstance()).getWasLeader())
                .isFalse();
        assertThat(control.orders)
                .singleElement()
                .satisfies(order -> assertThat(order.holdOff()).isEmpty());

        SelfTestResponse result = coordinator.selfTest(SelfTestRequest.getDefaultInstance());
        assertThat(result.getPassed()).isFalse();
        assertThat(result.getStartedEpochMillis()).isEqualTo(NOW.toEpochMilli());
        assertThat(result.getDurationMillis()).isEqualTo(1_250);
        assertThat(result.getZones(0).getCanaryPassed()).isTrue();
        assertThat(result.getZones(0).getKeysProven()).isTrue();
        assertThat(result.getZones(1).getCanaryDetail()).contains("type 65280");
        assertThat(result.getZones(1).getKeyProblemsList())
                .containsExactly("zone example.net. ZSK 12345 missing on HSM dc1-hsm1");
    }

    @Test
    void ordersReceivedOverGrpcAreAuditedOnTheNodeWithCallerRoleZoneAndOutcomeAndCheckpointedByItsHsmKey()
            throws Exception {
        control.stepDown.set(new StepDownResult(true, 7, NOW.plusSeconds(300)));
        control.selfTest.set(new SelfTestResult(
                List.of(new ZoneSelfTest(COM, true, "3 types, 2 keys, 6 signatures", true, List.of())),
                NOW,
                Duration.ofMillis(10)));
        SignerNodeGrpc.SignerNodeBlockingStub coordinator = stub(cluster.issue("coordinator-1", "coordinator"));
        SignerNodeGrpc.SignerNodeBlockingStub operator = stub(cluster.issue("alice", "operator"));

        coordinator.stepDown(
                StepDownRequest.newBuilder().setReason("planned cut-over").build());
        operator.reload(ReloadRequest.newBuilder().addZones("example.net").build());
        operator.selfTest(SelfTestRequest.getDefaultInstance());
        assertStatus(() -> operator.stepDown(StepDownRequest.getDefaultInstance()), Status.Code.PERMISSION_DENIED);
        assertStatus(
                () -> operator.reload(
                        ReloadRequest.newBuilder().addZones("example.org").build()),
                Status.Code.NOT_FOUND);
        control.failure.set(new NodeRefusedException("dc1-signer", "shutting down"));
        assertStatus(() -> coordinator.stepDown(StepDownRequest.getDefaultInstance()), Status.Code.FAILED_PRECONDITION);
        audit.checkpoint("close");

        List<String> orders = Files.readAllLines(auditFile).stream()
                .filter(l -> !l.contains("\"op\":\"CHECKPOINT\""))
                .toList();
        assertThat(orders).hasSize(6);
        assertThat(orders.get(0))
                .contains(
                        "\"op\":\"STEP_DOWN\"",
                        "\"outcome\":\"OK\"",
                        "planned cut-over",
                        "was_leader=true epoch=7",
                        "caller=coordinator-1 roles=[OU=coordinator]");
        assertThat(orders.get(1))
                .contains(
                        "\"op\":\"RELOAD\"",
                        "\"zone\":\"example.net.\"",
                        "\"outcome\":\"OK\"",
                        "caller=alice roles=[OU=operator]");
        assertThat(orders.get(2))
                .contains("\"op\":\"SELF_TEST\"", "\"outcome\":\"OK\"", "example.com.:ok", "caller=alice");
        assertThat(orders.get(3))
                .contains(
                        "\"op\":\"STEP_DOWN\"",
                        "\"outcome\":\"REFUSED\"",
                        "PERMISSION_DENIED",
                        "caller=alice roles=[OU=operator]");
        assertThat(orders.get(4))
                .contains("\"op\":\"RELOAD\"", "\"outcome\":\"REFUSED\"", "example.org.", "does not sign");
        assertThat(orders.get(5))
                .contains("\"op\":\"STEP_DOWN\"", "\"outcome\":\"REFUSED\"", "shutting down", "caller=coordinator-1");
        AuditVerification v = AuditChain.verify(auditFile, new CheckpointTrust(List.of(auditKey.publicKey()), true));
        assertThat(v.defects()).isEmpty();
        assertThat(v.signedCheckpoints()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void translatesUnavailableAndRefusedWithErrorInfo() throws Exception {
        SignerNodeGrpc.SignerNodeBlockingStub operator = stub(cluster.issue("alice", "operator"));
        SignerNodeGrpc.SignerNodeBlockingStub coordinator = stub(cluster.issue("coordinator-1", "coordinator"));

        control.failure.set(new NodeUnavailableException("dc1-signer", "ZooKeeper 127.0.0.1:2181 is SUSPENDED", null));
        StatusRuntimeException unavailable =
                assertStatus(() -> coordinator.stepDown(StepDownRequest.getDefaultInstance()), Status.Code.UNAVAILABLE);
        assertThat(unavailable.getStatus().getDescription())
                .isEqualTo("node dc1-signer: ZooKeeper 127.0.0.1:2181 is SUSPENDED");
        assertThat(errorInfo(unavailable).getDomain()).isEqualTo(SignerNodeService.DOMAIN);
        assertThat(errorInfo(unavailable).getReason()).isEqualTo("UNAVAILABLE");
        assertThat(errorInfo(unavailable).getMetadataMap()).containsEntry("node", "dc1-signer");

        control.failure.set(new NodeRefusedException("dc1-signer", "shutting down"));
        StatusRuntimeException refused = assertStatus(
                () -> operator.selfTest(SelfTestRequest.getDefaultInstance()), Status.Code.FAILED_PRECONDITION);
        assertThat(errorInfo(refused).getReason()).isEqualTo("REFUSED");

        StatusRuntimeException invalid = assertStatus(
                () -> coordinator.stepDown(
                        StepDownRequest.newBuilder().setReason("x".repeat(201)).build()),
                Status.Code.INVALID_ARGUMENT);
        assertThat(invalid.getStatus().getDescription()).contains("longer than 200 characters");
        assertThat(errorInfo(invalid).getReason()).isEqualTo("INVALID_REQUEST");
    }

    @Test
    void aControlThatFailsUnexpectedlyIsInternalWithoutAStackTrace() throws Exception {
        control.status.set(null);

        StatusRuntimeException e = assertStatus(
                () -> stub(cluster.issue("dc2-signer", "node")).getStatus(GetStatusRequest.getDefaultInstance()),
                Status.Code.INTERNAL);

        assertThat(e.getStatus().getDescription())
                .isEqualTo("node dc1-signer: GetStatus failed: java.lang.NullPointerException:"
                        + " NodeControl.status() returned null")
                .doesNotContain("\tat ");
        assertThat(errorInfo(e).getReason()).isEqualTo("INTERNAL");
    }

    private static ErrorInfo errorInfo(StatusRuntimeException e) throws Exception {
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        assertThat(status).isNotNull();
        return status.getDetails(0).unpack(ErrorInfo.class);
    }

    private SignerNodeGrpc.SignerNodeBlockingStub stub(TlsMaterial client) throws Exception {
        return blocking(track(MtlsChannels.open("127.0.0.1:" + server.port(), client)));
    }

    private static SignerNodeGrpc.SignerNodeBlockingStub blocking(ManagedChannel channel) {
        return SignerNodeGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static StatusRuntimeException assertStatus(ThrowingCallable call, Status.Code... expected) {
        StatusRuntimeException[] caught = new StatusRuntimeException[1];
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as("status %s", e.getStatus()).isIn((Object[]) expected);
            caught[0] = e;
        });
        return caught[0];
    }

    private ManagedChannel track(ManagedChannel channel) {
        channels.add(channel);
        return channel;
    }
}
