package org.tandem.coordinator.grpc;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.coordinator.CoordinatorException;
import org.tandem.coordinator.audit.AuditLog;
import org.tandem.coordinator.ceremony.CeremonyException;
import org.tandem.coordinator.ceremony.KeyCeremonies;
import org.tandem.coordinator.preflight.Cutover;
import org.tandem.coordinator.view.ClusterView;
import org.tandem.proto.coordinator.v1.ClusterKekStatus;
import org.tandem.proto.coordinator.v1.ClusterKeys;
import org.tandem.proto.coordinator.v1.ClusterStatus;
import org.tandem.proto.coordinator.v1.CoordinatorGrpc;
import org.tandem.proto.coordinator.v1.EnrolKekOrder;
import org.tandem.proto.coordinator.v1.FailoverRequest;
import org.tandem.proto.coordinator.v1.FailoverResult;
import org.tandem.proto.coordinator.v1.GenerateKeyOrder;
import org.tandem.proto.coordinator.v1.GenerateKeyResult;
import org.tandem.proto.coordinator.v1.GetClusterKeysRequest;
import org.tandem.proto.coordinator.v1.GetClusterStatusRequest;
import org.tandem.proto.coordinator.v1.GetKekStatusRequest;
import org.tandem.proto.coordinator.v1.InitKekOrder;
import org.tandem.proto.coordinator.v1.KekOrderResult;
import org.tandem.proto.coordinator.v1.PreflightCheck;
import org.tandem.proto.coordinator.v1.PreflightRequest;
import org.tandem.proto.coordinator.v1.PreflightResult;
import org.tandem.proto.coordinator.v1.Refusal;
import org.tandem.proto.coordinator.v1.StepDownRequest;
import org.tandem.proto.coordinator.v1.StepDownResult;
import org.tandem.proto.coordinator.v1.SyncKeysOrder;
import org.tandem.proto.coordinator.v1.SyncKeysResult;

/**
 * The {@code tandem.coordinator.v1.Coordinator} service. Authorization is {@link
 * CoordinatorAuthorization}'s; every Preflight, Failover, StepDown and key ceremony is audited
 * (orders twice: the order, and for a cut-over the preflight that decided, before anything is done,
 * then the outcome). An order that cannot be audited is not carried out (UNAVAILABLE). A refused
 * preflight is a result, not an error; a refused step-down of the leader is FAILED_PRECONDITION with
 * the preflights towards the standbys as details. A node the coordinator cannot reach during a key
 * ceremony is UNAVAILABLE with an {@code ErrorInfo} (domain {@value #DOMAIN}, reason {@code
 * NODE_UNREACHABLE}, metadata {@code node}).
 */
final class CoordinatorService extends CoordinatorGrpc.CoordinatorImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorService.class);
    private static final int MAX_REASON = 200;
    /** The ErrorInfo domain of the coordinator's errors. */
    static final String DOMAIN = "coordinator.tandem.org";
    /** Longest description of a refused step-down (the trailers must stay below the client's 8 KiB). */
    private static final int MAX_DESCRIPTION = 1200;
    /** Most bytes of preflight details in a refused step-down. */
    private static final int MAX_DETAILS = 3500;

    private final ClusterView view;
    private final Cutover cutover;
    private final KeyCeremonies ceremonies;
    private final AuditLog audit;
    private final Duration defaultWait;

    CoordinatorService(
            ClusterView view, Cutover cutover, KeyCeremonies ceremonies, AuditLog audit, Duration defaultWait) {
        this.view = Objects.requireNonNull(view, "view");
        this.cutover = Objects.requireNonNull(cutover, "cutover");
        this.ceremonies = Objects.requireNonNull(ceremonies, "ceremonies");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.defaultWait = Objects.requireNonNull(defaultWait, "defaultWait");
    }

    @Override
    public void getClusterStatus(GetClusterStatusRequest request, StreamObserver<ClusterStatus> out) {
        out.onNext(view.clusterStatus());
        out.onCompleted();
    }

    @Override
    public void getClusterKeys(GetClusterKeysRequest request, StreamObserver<ClusterKeys> out) {
        try {
            out.onNext(view.clusterKeys(
                    request.getZone(),
                    request.getNonce().isEmpty()
                            ? Optional.empty()
                            : Optional.of(request.getNonce().toByteArray())));
            out.onCompleted();
        } catch (CoordinatorException e) {
            out.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
        } catch (IllegalArgumentException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
        }
    }

    @Override
    public void preflight(PreflightRequest request, StreamObserver<PreflightResult> out) {
        if (request.getTo().isBlank()) {
            out.onError(Status.INVALID_ARGUMENT
                    .withDescription("'to' names the standby to cut over to")
                    .asRuntimeException());
            return;
        }
        Caller caller = Caller.CURRENT.get();
        PreflightResult result = cutover.preflight(request.getTo());
        try {
            audit.record(
                    caller.commonName(),
                    "Preflight",
                    request.getTo(),
                    "",
                    result,
                    result.getPassed() ? "passed" : "refused: " + result.getRefusalsCount() + " problem(s)");
        } catch (CoordinatorException e) {
            out.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        out.onNext(result);
        out.onCompleted();
    }

    @Override
    public void failover(FailoverRequest request, StreamObserver<FailoverResult> out) {
        if (request.getTo().isBlank()) {
            out.onError(Status.INVALID_ARGUMENT
                    .withDescription("'to' names the standby to cut over to")
                    .asRuntimeException());
            return;
        }
        if (request.getReason().length() > MAX_REASON || request.getTimeoutMillis() < 0) {
            out.onError(Status.INVALID_ARGUMENT
                    .withDescription("reason is at most " + MAX_REASON + " characters and timeout_millis not negative")
                    .asRuntimeException());
            return;
        }
        Caller caller = Caller.CURRENT.get();
        Duration wait = request.getTimeoutMillis() == 0 ? defaultWait : Duration.ofMillis(request.getTimeoutMillis());
        LOG.info("order Failover to={} caller={} reason={}", request.getTo(), caller.describe(), request.getReason());
        PreflightResult pre = cutover.preflight(request.getTo());
        try {
            audit.record(
                    caller.commonName(),
                    "Failover",
                    request.getTo(),
                    request.getReason(),
                    pre,
                    pre.getPassed()
                            ? "preflight passed; cutting over from "
                                    + (pre.getFrom().isEmpty() ? "no leader" : pre.getFrom())
                            : "refused by the preflight: " + pre.getRefusalsCount() + " problem(s)");
        } catch (CoordinatorException e) {
            out.onError(Status.UNAVAILABLE
                    .withDescription("not cutting over: " + e.getMessage())
                    .asRuntimeException());
            return;
        }
        FailoverResult result;
        try {
            result = cutover.perform(pre, request.getReason(), wait, caller.commonName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.onError(Status.CANCELLED.withDescription("coordinator stopping").asRuntimeException());
            return;
        }
        if (pre.getPassed()) {
            try {
                audit.record(
                        caller.commonName(),
                        "Failover",
                        request.getTo(),
                        request.getReason(),
                        null,
                        (result.getPerformed() ? "performed: " : "not performed: ") + result.getOutcome());
            } catch (CoordinatorException e) {
                LOG.error("audit of the Failover outcome failed: {}", e.getMessage());
            }
        }
        out.onNext(result);
        out.onCompleted();
    }

    @Override
    public void stepDown(StepDownRequest request, StreamObserver<StepDownResult> out) {
        if (request.getReason().length() > MAX_REASON) {
            out.onError(Status.INVALID_ARGUMENT
                    .withDescription("reason is at most " + MAX_REASON + " characters")
                    .asRuntimeException());
            return;
        }
        Caller caller = Caller.CURRENT.get();
        String reason = request.getReason();
        LOG.info("order StepDown node={} caller={} reason={}", request.getNode(), caller.describe(), reason);
        try {
            audit.record(caller.commonName(), "StepDown", request.getNode(), reason, null, "ordered");
        } catch (CoordinatorException e) {
            out.onError(Status.UNAVAILABLE
                    .withDescription("not ordering: " + e.getMessage())
                    .asRuntimeException());
            return;
        }
        Cutover.StepDownCheck check;
        try {
            check = cutover.checkStepDown(request.getNode());
        } catch (CoordinatorException e) {
            auditAfter(caller, "StepDown", request.getNode(), reason, null, "failed: " + e.getMessage());
            out.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (IllegalArgumentException e) {
            auditAfter(caller, "StepDown", request.getNode(), reason, null, "refused: " + e.getMessage());
            out.onError(Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        if (!check.allowed()) {
            for (PreflightResult p : check.preflights()) {
                auditAfter(
                        caller,
                        "StepDown",
                        check.node(),
                        reason,
                        p,
                        "refused: the leader " + check.node()
                                + " steps down only when a standby passes the preflight; towards " + p.getTo() + ": "
                                + p.getRefusalsCount() + " problem(s)");
            }
            out.onError(stepDownRefused(check));
            return;
        }
        if (check.leads()) {
            PreflightResult p = check.passed().orElseThrow();
            try {
                audit.record(
                        caller.commonName(),
                        "StepDown",
                        check.node(),
                        reason,
                        p,
                        "preflight towards " + p.getTo() + " passed; stepping down the leader " + check.node());
            } catch (CoordinatorException e) {
                out.onError(Status.UNAVAILABLE
                        .withDescription("not ordering: " + e.getMessage())
                        .asRuntimeException());
                return;
            }
        }
        try {
            StepDownResult r = cutover.stepDown(check.node(), reason, caller.commonName());
            auditAfter(
                    caller,
                    "StepDown",
                    r.getNode(),
                    reason,
                    null,
                    "done: was_leader=" + r.getWasLeader() + " epoch=" + r.getEpoch());
            out.onNext(r);
            out.onCompleted();
        } catch (CoordinatorException e) {
            auditAfter(caller, "StepDown", check.node(), reason, null, "failed: " + e.getMessage());
            out.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
        } catch (IllegalArgumentException e) {
            out.onError(Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException());
        }
    }

    /** FAILED_PRECONDITION naming the refusals, with the preflights (failed checks only) as details. */
    private static StatusRuntimeException stepDownRefused(Cutover.StepDownCheck check) {
        StringBuilder d = new StringBuilder("the leader " + check.node() + " may not step down: no standby passes the"
                + " preflight (a step-down of the leader is a cut-over to whoever wins next); nothing was changed");
        if (check.preflights().isEmpty()) {
            d.append("; no other node is configured");
        }
        for (PreflightResult p : check.preflights()) {
            for (Refusal r : p.getRefusalsList()) {
                d.append("; towards ").append(p.getTo()).append(": ").append(r.getProblem());
            }
        }
        String description = d.length() > MAX_DESCRIPTION ? d.substring(0, MAX_DESCRIPTION - 1) + "…" : d.toString();
        com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.FAILED_PRECONDITION.value())
                .setMessage(description);
        int size = 0;
        for (PreflightResult p : check.preflights()) {
            PreflightResult.Builder slim = p.toBuilder().clearChecks();
            for (PreflightCheck c : p.getChecksList()) {
                if (!c.getPassed()) {
                    slim.addChecks(c);
                }
            }
            PreflightResult detail = slim.build();
            if (size + detail.getSerializedSize() > MAX_DETAILS) {
                break;
            }
            size += detail.getSerializedSize();
            status.addDetails(Any.pack(detail));
        }
        return StatusProto.toStatusRuntimeException(status.build());
    }

    // ---- key ceremonies

    @Override
    public void initKek(InitKekOrder request, StreamObserver<KekOrderResult> out) {
        String target = request.getHsm().isEmpty() ? request.getNode() : request.getNode() + "/" + request.getHsm();
        order(
                "InitKek",
                target,
                out,
                by -> ceremonies.initKek(request.getNode(), request.getHsm(), by),
                r -> "done: cluster KEK generated inside " + r.getFrom() + "/" + r.getFromHsm() + ", check value "
                        + r.getFromCheckValue());
    }

    @Override
    public void enrolKek(EnrolKekOrder request, StreamObserver<KekOrderResult> out) {
        String target = request.getFrom() + (request.getFromHsm().isEmpty() ? "" : "/" + request.getFromHsm()) + " -> "
                + request.getTo() + (request.getToHsm().isEmpty() ? "" : "/" + request.getToHsm());
        order(
                "EnrolKek",
                target,
                out,
                by -> ceremonies.enrolKek(request, by),
                r -> (r.getMatch() ? "done: " : "failed: check values differ: ") + r.getTo() + "/" + r.getToHsm()
                        + " has check value " + r.getToCheckValue() + ", the holder " + r.getFrom() + "/"
                        + r.getFromHsm() + " " + r.getFromCheckValue());
    }

    @Override
    public void getKekStatus(GetKekStatusRequest request, StreamObserver<ClusterKekStatus> out) {
        out.onNext(ceremonies.kekStatus());
        out.onCompleted();
    }

    @Override
    public void generateKey(GenerateKeyOrder request, StreamObserver<GenerateKeyResult> out) {
        String target = request.getZone() + " " + request.getRole() + " alg " + request.getAlgorithm() + " on "
                + request.getOn() + (request.getHsm().isEmpty() ? "" : "/" + request.getHsm());
        order(
                "GenerateKey",
                target,
                out,
                by -> ceremonies.generateKey(request, by),
                r -> "done: " + r.getKey().getRole() + " " + r.getKey().getKeyTag() + " fp " + r.getFingerprint()
                        + " generated inside " + r.getNode() + "/" + r.getHsm() + ", in the manifest as generated");
    }

    @Override
    public void syncKeys(SyncKeysOrder request, StreamObserver<SyncKeysResult> out) {
        order(
                "SyncKeys",
                request.getZone(),
                out,
                by -> ceremonies.syncKeys(request.getZone(), by),
                r -> (r.getKeySynced() ? "done: key-synced; " : "done, NOT key-synced: ") + r.getActionsCount()
                        + " key(s) copied, " + r.getUnresolvedCount() + " problem(s) left"
                        + (r.getUnresolvedCount() == 0
                                ? ""
                                : ": " + r.getUnresolved(0).getVerdict() + " "
                                        + r.getUnresolved(0).getFingerprint()
                                        + " on " + r.getUnresolved(0).getNode() + "/"
                                        + r.getUnresolved(0).getHsm()
                                        + (r.getUnresolvedCount() > 1 ? ", …" : "")));
    }

    @FunctionalInterface
    private interface Order<T> {
        T carryOut(String orderedBy) throws CoordinatorException;
    }

    /**
     * One key ceremony: audited before (an order that cannot be audited is not carried out) and after
     * with its outcome; the caller's CN goes to the nodes as {@code ordered_by}.
     */
    private <T> void order(
            String name, String target, StreamObserver<T> out, Order<T> order, Function<T, String> outcome) {
        Caller caller = Caller.CURRENT.get();
        LOG.info("order {} target={} caller={}", name, target, caller.describe());
        try {
            audit.record(caller.commonName(), name, target, "", null, "ordered");
        } catch (CoordinatorException e) {
            out.onError(Status.UNAVAILABLE
                    .withDescription("not ordering: " + e.getMessage())
                    .asRuntimeException());
            return;
        }
        T result;
        try {
            result = order.carryOut(caller.commonName());
        } catch (CeremonyException e) {
            auditAfter(caller, name, target, "", null, "failed: " + e.getMessage());
            out.onError(status(e));
            return;
        } catch (CoordinatorException e) {
            auditAfter(caller, name, target, "", null, "failed: " + e.getMessage());
            out.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (KeyCeremonies.UnknownNodeException e) {
            auditAfter(caller, name, target, "", null, "refused: " + e.getMessage());
            out.onError(Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException());
            return;
        } catch (IllegalArgumentException e) {
            auditAfter(caller, name, target, "", null, "refused: " + e.getMessage());
            out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        auditAfter(caller, name, target, "", null, outcome.apply(result));
        out.onNext(result);
        out.onCompleted();
    }

    private static StatusRuntimeException status(CeremonyException e) {
        com.google.rpc.Status.Builder s =
                com.google.rpc.Status.newBuilder().setCode(e.code().value()).setMessage(e.getMessage());
        if (!e.unreachableNode().isEmpty()) {
            s.addDetails(Any.pack(ErrorInfo.newBuilder()
                    .setDomain(DOMAIN)
                    .setReason("NODE_UNREACHABLE")
                    .putMetadata("node", e.unreachableNode())
                    .build()));
        }
        return StatusProto.toStatusRuntimeException(s.build());
    }

    /** The audit line after an order was acted on; a failure to write it is logged (the act is done). */
    private void auditAfter(
            Caller caller, String order, String target, String reason, PreflightResult preflight, String outcome) {
        try {
            audit.record(caller.commonName(), order, target, reason, preflight, outcome);
        } catch (CoordinatorException e) {
            LOG.error("audit of the {} outcome failed: {} (outcome: {})", order, e.getMessage(), outcome);
        }
    }
}
