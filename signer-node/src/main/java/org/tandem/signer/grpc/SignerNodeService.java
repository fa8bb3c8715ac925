package org.tandem.signer.grpc;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.audit.AuditEvent;
import org.tandem.keysync.audit.AuditLog;
import org.tandem.keysync.audit.AuditLogException;
import org.tandem.keysync.audit.AuditOperation;
import org.tandem.keysync.audit.AuditOutcome;
import org.tandem.keysync.grpc.CallerIdentity;
import org.tandem.keysync.key.ZoneName;
import org.tandem.proto.signer.v1.CheckState;
import org.tandem.proto.signer.v1.GetStatusRequest;
import org.tandem.proto.signer.v1.KeySyncState;
import org.tandem.proto.signer.v1.ReloadRequest;
import org.tandem.proto.signer.v1.ReloadResponse;
import org.tandem.proto.signer.v1.Role;
import org.tandem.proto.signer.v1.SelfTestRequest;
import org.tandem.proto.signer.v1.SelfTestResponse;
import org.tandem.proto.signer.v1.SignerNodeGrpc;
import org.tandem.proto.signer.v1.StepDownRequest;
import org.tandem.proto.signer.v1.StepDownResponse;
import org.tandem.proto.signer.v1.ZoneSelfTest;
import org.tandem.proto.signer.v1.ZoneStatus;
import org.tandem.signer.node.NodeControl;
import org.tandem.signer.node.NodeControlException;
import org.tandem.signer.node.NodeRefusedException;
import org.tandem.signer.node.NodeRole;
import org.tandem.signer.node.NodeStatus;
import org.tandem.signer.node.NodeUnavailableException;
import org.tandem.signer.node.SelfTestResult;
import org.tandem.signer.node.StepDownOrder;
import org.tandem.signer.node.StepDownResult;

/**
 * The {@code tandem.signer.v1.SignerNode} gRPC service over a {@link NodeControl}: it translates
 * records to messages and failures to gRPC statuses, and does nothing else.
 *
 * <p>Contracts:
 *
 * <ul>
 *   <li>Served only through {@link SignerNodeServer}, i.e. behind mutual TLS and
 *       {@link SignerNodeAuthorization}: {@code SelfTest} and {@code Reload} are reached only by
 *       operator and coordinator certificates, {@code StepDown} only by coordinator certificates.
 *       Every {@code StepDown} is logged with the caller's CN; the hold-off it asks for is passed
 *       on, and the one the node applies is what the response reports.
 *   <li>Every order ({@code StepDown}, {@code Reload}, {@code SelfTest}) is written to the node's
 *       audit log, one line with the caller's CN and roles, the zone (for a reload of one zone) and
 *       the outcome: OK, REFUSED (bad request, refused by the node) or FAILED. The line follows the
 *       order and precedes the answer; when it cannot be written the answer is {@code INTERNAL}
 *       ({@code AUDIT_FAILED}) saying what was done. {@code GetStatus} changes nothing and is not
 *       audited.
 *   <li>Errors are translated here and only here: {@link NodeRefusedException} →
 *       {@code FAILED_PRECONDITION}, {@link NodeUnavailableException} → {@code UNAVAILABLE}, a bad
 *       request → {@code INVALID_ARGUMENT}, a zone the node does not sign → {@code NOT_FOUND}, anything else the
 *       control throws → {@code INTERNAL}
 *       (logged with its stack trace here, the client gets only the message). Each status carries a
 *       {@code google.rpc.ErrorInfo} with domain {@value #DOMAIN}, a reason ({@code REFUSED},
 *       {@code UNAVAILABLE}, {@code INVALID_REQUEST}, {@code UNKNOWN_ZONE}, {@code INTERNAL}) and
 *       the node's name.
 * </ul>
 *
 * <p>Thread-safe when the control is (its contract says it must be). Does not own the control.
 */
public final class SignerNodeService extends SignerNodeGrpc.SignerNodeImplBase {
    /** The {@link ErrorInfo#getDomain()} of every SignerNode error. */
    public static final String DOMAIN = "signer.tandem.org";

    private static final Logger LOG = LoggerFactory.getLogger(SignerNodeService.class);

    private final NodeControl control;
    private final String node;
    private final AuditLog audit;
    private final Clock clock;

    /**
     * @param control the daemon
     * @param node the node's name, for error details when the control cannot be asked
     * @param audit the node's audit log ({@code hsm.yaml}'s {@code audit-log}); not owned
     * @param clock the time of audit lines
     */
    public SignerNodeService(NodeControl control, String node, AuditLog audit, Clock clock) {
        this.control = Objects.requireNonNull(control, "control");
        this.node = Objects.requireNonNull(node, "node");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void getStatus(GetStatusRequest request, StreamObserver<org.tandem.proto.signer.v1.NodeStatus> responses) {
        org.tandem.proto.signer.v1.NodeStatus status;
        try {
            status = toProto(Objects.requireNonNull(control.status(), "NodeControl.status() returned null"));
        } catch (RuntimeException e) {
            responses.onError(internal("GetStatus", e));
            return;
        }
        responses.onNext(status);
        responses.onCompleted();
    }

    @Override
    public void selfTest(SelfTestRequest request, StreamObserver<SelfTestResponse> responses) {
        SelfTestResult result;
        try {
            result = Objects.requireNonNull(control.selfTest(), "NodeControl.selfTest() returned null");
        } catch (NodeControlException e) {
            responses.onError(audited(AuditOperation.SELF_TEST, "SelfTest", "", e, translate(e)));
            return;
        } catch (RuntimeException e) {
            responses.onError(audited(AuditOperation.SELF_TEST, "SelfTest", "", e, internal("SelfTest", e)));
            return;
        }
        LOG.info(
                "self-test node={} caller={} passed={} took_ms={}",
                node,
                CallerIdentity.current(),
                result.passed(),
                result.took().toMillis());
        Optional<StatusException> unaudited = audit(
                AuditOperation.SELF_TEST,
                "SelfTest",
                "",
                result.passed() ? AuditOutcome.OK : AuditOutcome.FAILED,
                "self-test " + (result.passed() ? "passed" : "failed")
                        + " zones="
                        + result.zones().stream()
                                .map(z -> z.zone()
                                        + (z.canaryPassed() && z.keyProblems().isEmpty() ? ":ok" : ":failed"))
                                .toList()
                        + " took_ms=" + result.took().toMillis());
        if (unaudited.isPresent()) {
            responses.onError(unaudited.get());
            return;
        }
        responses.onNext(toProto(result));
        responses.onCompleted();
    }

    @Override
    public void stepDown(StepDownRequest request, StreamObserver<StepDownResponse> responses) {
        String caller = CallerIdentity.current();
        StepDownOrder order;
        try {
            Optional<Duration> holdOff = request.getHoldOffSeconds() == 0
                    ? Optional.empty()
                    : Optional.of(Duration.ofSeconds(Integer.toUnsignedLong(request.getHoldOffSeconds())));
            order = new StepDownOrder(caller, request.getReason(), holdOff);
        } catch (IllegalArgumentException e) {
            responses.onError(audited(
                    AuditOperation.STEP_DOWN,
                    "StepDown",
                    "",
                    e,
                    failure(Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST", "StepDown: " + e.getMessage())));
            return;
        }
        LOG.info("step-down ordered node={} caller={} reason={}", node, caller, order.reason());
        String ordered = "step-down reason=\"" + order.reason() + "\" hold_off="
                + order.holdOff().map(Duration::toString).orElse("default");
        StepDownResult result;
        try {
            result = Objects.requireNonNull(control.stepDown(order), "NodeControl.stepDown() returned null");
        } catch (NodeControlException e) {
            responses.onError(audited(AuditOperation.STEP_DOWN, ordered, "", e, translate(e)));
            return;
        } catch (RuntimeException e) {
            responses.onError(audited(AuditOperation.STEP_DOWN, ordered, "", e, internal("StepDown", e)));
            return;
        }
        LOG.info(
                "step-down done node={} caller={} was_leader={} epoch={} hold_off_until={}",
                node,
                caller,
                result.wasLeader(),
                result.epoch(),
                result.holdOffUntil());
        Optional<StatusException> unaudited = audit(
                AuditOperation.STEP_DOWN,
                "",
                "",
                AuditOutcome.OK,
                ordered
                        + ": done was_leader=" + result.wasLeader() + " epoch=" + result.epoch() + " hold_off_until="
                        + result.holdOffUntil());
        if (unaudited.isPresent()) {
            responses.onError(unaudited.get());
            return;
        }
        responses.onNext(StepDownResponse.newBuilder()
                .setWasLeader(result.wasLeader())
                .setEpoch(result.epoch())
                .setHoldOffUntilEpochMillis(result.holdOffUntil().toEpochMilli())
                .build());
        responses.onCompleted();
    }

    @Override
    public void reload(ReloadRequest request, StreamObserver<ReloadResponse> responses) {
        List<ZoneName> known;
        try {
            known = control.status().zones().stream()
                    .map(org.tandem.signer.node.ZoneStatus::zone)
                    .toList();
        } catch (RuntimeException e) {
            responses.onError(internal("Reload", e));
            return;
        }
        List<ZoneName> zones = new ArrayList<>();
        for (String text : request.getZonesList()) {
            ZoneName zone;
            try {
                zone = ZoneName.of(text);
            } catch (IllegalArgumentException e) {
                responses.onError(audited(
                        AuditOperation.RELOAD,
                        "Reload",
                        "",
                        e,
                        failure(Status.Code.INVALID_ARGUMENT, "INVALID_REQUEST", "Reload: " + e.getMessage())));
                return;
            }
            if (!known.contains(zone)) {
                String why = "node " + node + " does not sign zone " + zone + " (it signs " + known + ")";
                responses.onError(audited(
                        AuditOperation.RELOAD,
                        "Reload",
                        zone.toString(),
                        new IllegalArgumentException(why),
                        failure(Status.Code.NOT_FOUND, "UNKNOWN_ZONE", why)));
                return;
            }
            if (!zones.contains(zone)) {
                zones.add(zone);
            }
        }
        List<ZoneName> chosen =
                zones.isEmpty() ? known : known.stream().filter(zones::contains).toList();
        String zone = chosen.size() == 1 ? chosen.get(0).toString() : "";
        String ordered = "reload zones=" + chosen;
        try {
            control.reload(chosen);
        } catch (NodeControlException e) {
            responses.onError(audited(AuditOperation.RELOAD, ordered, zone, e, translate(e)));
            return;
        } catch (RuntimeException e) {
            responses.onError(audited(AuditOperation.RELOAD, ordered, zone, e, internal("Reload", e)));
            return;
        }
        LOG.info("reload node={} caller={} zones={}", node, CallerIdentity.current(), chosen);
        Optional<StatusException> unaudited =
                audit(AuditOperation.RELOAD, "", zone, AuditOutcome.OK, ordered + ": done");
        if (unaudited.isPresent()) {
            responses.onError(unaudited.get());
            return;
        }
        responses.onNext(ReloadResponse.newBuilder()
                .addAllZones(chosen.stream().map(ZoneName::toString).toList())
                .build());
        responses.onCompleted();
    }

    static org.tandem.proto.signer.v1.NodeStatus toProto(NodeStatus s) {
        org.tandem.proto.signer.v1.NodeStatus.Builder b = org.tandem.proto.signer.v1.NodeStatus.newBuilder()
                .setNode(s.node())
                .setSite(s.site())
                .setRole(role(s.role()))
                .setEpoch(s.epoch())
                .setLeaseRemainingMillis(s.leaseRemaining().toMillis())
                .addAllReasons(s.reasons())
                .setStatusEpochMillis(s.takenAt().toEpochMilli());
        for (org.tandem.signer.node.ZoneStatus z : s.zones()) {
            ZoneStatus.Builder zb = ZoneStatus.newBuilder()
                    .setZone(z.zone().toString())
                    .setLastPublishEpochMillis(
                            z.lastPublish().map(Instant::toEpochMilli).orElse(0L))
                    .setEarliestRrsigExpiryEpochSeconds(
                            z.earliestRrsigExpiry().map(Instant::getEpochSecond).orElse(0L))
                    .setGate(check(z.gate()))
                    .setGateFailure(z.gateFailure())
                    .setCanary(check(z.canary()))
                    .setCanaryFailure(z.canaryFailure())
                    .setKeySync(keySync(z.keySync()))
                    .addAllKeySyncReasons(z.keySyncReasons())
                    .setNextResignEpochMillis(
                            z.nextResign().map(Instant::toEpochMilli).orElse(0L))
                    .addAllReplicationPending(z.replicationPending())
                    .addAllTakeoverChecks(z.takeoverChecks());
            z.serial().ifPresent(serial -> zb.setSerial((int) serial));
            b.addZones(zb);
        }
        return b.build();
    }

    static SelfTestResponse toProto(SelfTestResult r) {
        SelfTestResponse.Builder b = SelfTestResponse.newBuilder()
                .setPassed(r.passed())
                .setStartedEpochMillis(r.startedAt().toEpochMilli())
                .setDurationMillis(r.took().toMillis());
        for (org.tandem.signer.node.ZoneSelfTest z : r.zones()) {
            b.addZones(ZoneSelfTest.newBuilder()
                    .setZone(z.zone().toString())
                    .setCanaryPassed(z.canaryPassed())
                    .setCanaryDetail(z.canaryDetail())
                    .setKeysProven(z.keysProven())
                    .addAllKeyProblems(z.keyProblems()));
        }
        return b.build();
    }

    private static Role role(NodeRole role) {
        return switch (role) {
            case LEADER -> Role.LEADER;
            case STANDBY -> Role.STANDBY;
            case NOT_ELIGIBLE -> Role.NOT_ELIGIBLE;
            case STOPPED -> Role.STOPPED;
        };
    }

    private static CheckState check(org.tandem.signer.node.CheckState state) {
        return switch (state) {
            case NOT_RUN -> CheckState.NOT_RUN;
            case PASSED -> CheckState.PASSED;
            case FAILED -> CheckState.FAILED;
        };
    }

    private static KeySyncState keySync(org.tandem.signer.node.KeySyncState state) {
        return switch (state) {
            case UNKNOWN -> KeySyncState.KEY_SYNC_UNKNOWN;
            case SYNCED -> KeySyncState.KEY_SYNCED;
            case NOT_SYNCED -> KeySyncState.NOT_KEY_SYNCED;
        };
    }

    /**
     * Audits an order that failed or was refused, then returns {@code status} for the caller (or an
     * {@code INTERNAL} status naming both when the line cannot be written).
     */
    private StatusException audited(
            AuditOperation op, String ordered, String zone, Exception cause, StatusException status) {
        AuditOutcome outcome = cause instanceof NodeRefusedException || cause instanceof IllegalArgumentException
                ? AuditOutcome.REFUSED
                : AuditOutcome.FAILED;
        String detail = ordered + ": " + status.getStatus().getCode() + ": " + cause.getMessage();
        return audit(op, "", zone, outcome, detail).orElse(status);
    }

    /**
     * Appends one line for an order this node received, naming the caller's CN and roles. The line
     * is written after the order ran and before the answer leaves: a step-down must not wait for a
     * disk (the coordinator audits the order before it sends it).
     *
     * @return empty when written; else the {@code INTERNAL} status ({@code AUDIT_FAILED}) to answer
     *     with, which says what was done
     */
    private Optional<StatusException> audit(
            AuditOperation op, String prefix, String zone, AuditOutcome outcome, String detail) {
        String caller = CallerIdentity.current();
        String roles = CallerIdentity.roles().stream()
                .map(r -> "OU=" + r.organizationalUnit())
                .sorted()
                .toList()
                .toString();
        String text = prefix.isEmpty() ? detail : prefix + ": " + detail;
        try {
            audit.append(new AuditEvent(
                    clock.instant(),
                    op,
                    zone,
                    "",
                    "",
                    null,
                    "",
                    outcome,
                    text,
                    "tandem@" + node + " signer-node " + op.name() + " caller=" + caller + " roles=" + roles));
            return Optional.empty();
        } catch (AuditLogException | IllegalArgumentException e) {
            LOG.error(
                    "node={} audit log unwritable, order op={} caller={} outcome={} not audited: {}",
                    node,
                    op,
                    caller,
                    outcome,
                    e.getMessage());
            return Optional.of(failure(
                    Status.Code.INTERNAL,
                    "AUDIT_FAILED",
                    "node " + node + " cannot write its " + "audit log (see the node's log); the order " + op + " was "
                            + outcome + ": " + text));
        }
    }

    private StatusException translate(NodeControlException e) {
        if (e instanceof NodeUnavailableException) {
            return failure(Status.Code.UNAVAILABLE, "UNAVAILABLE", e.getMessage());
        }
        return failure(Status.Code.FAILED_PRECONDITION, "REFUSED", e.getMessage());
    }

    private StatusException internal(String method, RuntimeException e) {
        // The boundary: the stack trace stays in the node's log, the client gets the message.
        LOG.error("SignerNode {} failed node={}", method, node, e);
        return failure(Status.Code.INTERNAL, "INTERNAL", "node " + node + ": " + method + " failed: " + e);
    }

    private StatusException failure(Status.Code code, String reason, String description) {
        ErrorInfo info = ErrorInfo.newBuilder()
                .setDomain(DOMAIN)
                .setReason(reason)
                .putMetadata("node", node)
                .build();
        return StatusProto.toStatusException(com.google.rpc.Status.newBuilder()
                .setCode(code.value())
                .setMessage(description)
                .addDetails(Any.pack(info))
                .build());
    }
}
