package org.tandem.coordinator.grpc;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.coordinator.CoordinatorException;
import org.tandem.coordinator.audit.AuditLog;
import org.tandem.coordinator.preflight.Cutover;
import org.tandem.coordinator.view.ClusterView;
import org.tandem.proto.coordinator.v1.ClusterKeys;
import org.tandem.proto.coordinator.v1.ClusterStatus;
import org.tandem.proto.coordinator.v1.CoordinatorGrpc;
import org.tandem.proto.coordinator.v1.FailoverRequest;
import org.tandem.proto.coordinator.v1.FailoverResult;
import org.tandem.proto.coordinator.v1.GetClusterKeysRequest;
import org.tandem.proto.coordinator.v1.GetClusterStatusRequest;
import org.tandem.proto.coordinator.v1.PreflightRequest;
import org.tandem.proto.coordinator.v1.PreflightResult;
import org.tandem.proto.coordinator.v1.StepDownRequest;
import org.tandem.proto.coordinator.v1.StepDownResult;

/**
 * The {@code tandem.coordinator.v1.Coordinator} service. Authorization is {@link
 * CoordinatorAuthorization}'s; every Preflight, Failover and StepDown is audited (Failover twice:
 * the preflight and the decision before anything is done, then the outcome). An order that cannot
 * be audited is not carried out (UNAVAILABLE). A refused preflight is a result, not an error.
 */
final class CoordinatorService extends CoordinatorGrpc.CoordinatorImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorService.class);
    private static final int MAX_REASON = 200;

    private final ClusterView view;
    private final Cutover cutover;
    private final AuditLog audit;
    private final Duration defaultWait;

    CoordinatorService(ClusterView view, Cutover cutover, AuditLog audit, Duration defaultWait) {
        this.view = Objects.requireNonNull(view, "view");
        this.cutover = Objects.requireNonNull(cutover, "cutover");
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
            out.onNext(view.clusterKeys(request.getZone()));
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
            out.onError(Status.INVALID_ARGUMENT.withDescription("'to' names the standby to cut over to").asRuntimeException());
            return;
        }
        Caller caller = Caller.CURRENT.get();
        PreflightResult result = cutover.preflight(request.getTo());
        try {
            audit.record(caller.commonName(), "Preflight", request.getTo(), "", result,
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
            out.onError(Status.INVALID_ARGUMENT.withDescription("'to' names the standby to cut over to").asRuntimeException());
            return;
        }
        if (request.getReason().length() > MAX_REASON || request.getTimeoutMillis() < 0) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("reason is at most " + MAX_REASON
                    + " characters and timeout_millis not negative").asRuntimeException());
            return;
        }
        Caller caller = Caller.CURRENT.get();
        Duration wait = request.getTimeoutMillis() == 0 ? defaultWait : Duration.ofMillis(request.getTimeoutMillis());
        LOG.info("order Failover to={} caller={} reason={}", request.getTo(), caller.describe(), request.getReason());
        PreflightResult pre = cutover.preflight(request.getTo());
        try {
            audit.record(caller.commonName(), "Failover", request.getTo(), request.getReason(), pre,
                    pre.getPassed() ? "preflight passed; cutting over from " + (pre.getFrom().isEmpty() ? "no leader"
                            : pre.getFrom()) : "refused by the preflight: " + pre.getRefusalsCount() + " problem(s)");
        } catch (CoordinatorException e) {
            out.onError(Status.UNAVAILABLE.withDescription("not cutting over: " + e.getMessage()).asRuntimeException());
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
                audit.record(caller.commonName(), "Failover", request.getTo(), request.getReason(), null,
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
            out.onError(Status.INVALID_ARGUMENT.withDescription("reason is at most " + MAX_REASON + " characters")
                    .asRuntimeException());
            return;
        }
        Caller caller = Caller.CURRENT.get();
        LOG.info("order StepDown node={} caller={} reason={}", request.getNode(), caller.describe(), request.getReason());
        try {
            audit.record(caller.commonName(), "StepDown", request.getNode(), request.getReason(), null, "ordered");
        } catch (CoordinatorException e) {
            out.onError(Status.UNAVAILABLE.withDescription("not ordering: " + e.getMessage()).asRuntimeException());
            return;
        }
        try {
            StepDownResult r = cutover.stepDown(request.getNode(), request.getReason(), caller.commonName());
            audit.record(caller.commonName(), "StepDown", r.getNode(), request.getReason(), null,
                    "done: was_leader=" + r.getWasLeader() + " epoch=" + r.getEpoch());
            out.onNext(r);
            out.onCompleted();
        } catch (CoordinatorException e) {
            try {
                audit.record(caller.commonName(), "StepDown", request.getNode(), request.getReason(), null,
                        "failed: " + e.getMessage());
            } catch (CoordinatorException ignored) {
                LOG.error("audit of a failed StepDown failed: {}", ignored.getMessage());
            }
            out.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
        } catch (IllegalArgumentException e) {
            out.onError(Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException());
        }
    }
}
