package org.tandem.signer.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.audit.AuditEvent;
import org.tandem.keysync.audit.AuditLog;
import org.tandem.keysync.audit.AuditLogException;
import org.tandem.keysync.audit.AuditOperation;
import org.tandem.keysync.audit.AuditOutcome;
import org.tandem.keysync.grpc.CallerIdentity;
import org.tandem.keysync.grpc.CallerRole;
import org.tandem.keysync.grpc.KeySyncAuthorization;
import org.tandem.proto.keysync.v1.KeySyncGrpc;
import org.tandem.proto.signer.v1.SignerNodeGrpc;

/**
 * The authorization rule of the signer node's gRPC server: {@code GetStatus} for every caller with a
 * cluster certificate; {@code SelfTest} and {@code Reload} only for callers whose certificate grants
 * {@link CallerRole#OPERATOR} or {@link CallerRole#COORDINATOR}; {@code StepDown} only for
 * {@link CallerRole#COORDINATOR} (cut-overs are ordered through the coordinator, which checks the
 * other node first); any other SignerNode method is refused. Methods of the node's KeySync service
 * pass on to {@link KeySyncAuthorization}, which the KeySync service carries with it (its own role
 * rules, and an audited refusal in the node's audit log); a method of any other service is refused.
 * A refused call is closed with {@code PERMISSION_DENIED} naming the caller, its roles, the method
 * and what the method needs, and never reaches the service; a refused order ({@code SelfTest},
 * {@code StepDown}, {@code Reload}) is also written to the node's audit log as a {@code REFUSED}
 * line (when that line cannot be written, the call is closed with {@code INTERNAL}, refused all the
 * same).
 *
 * <p>Contracts: runs after keysync's {@link CallerIdentity} (install it through
 * {@code MtlsServers.start(..., interceptor, ...)}), so the caller's CN and roles are known and its
 * certificate verified. Stateless apart from the audit log; thread-safe.
 */
final class SignerNodeAuthorization implements ServerInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(SignerNodeAuthorization.class);
    private static final Set<CallerRole> ANYONE = EnumSet.noneOf(CallerRole.class);
    private static final Set<CallerRole> CONTROL = EnumSet.of(CallerRole.OPERATOR, CallerRole.COORDINATOR);
    private static final Set<CallerRole> COORDINATOR = EnumSet.of(CallerRole.COORDINATOR);

    /** Method → roles of which the caller needs one; an empty set lets every cluster member in. */
    private static final Map<String, Set<CallerRole>> RULES = Map.of(
            SignerNodeGrpc.getGetStatusMethod().getFullMethodName(), ANYONE,
            SignerNodeGrpc.getSelfTestMethod().getFullMethodName(), CONTROL,
            SignerNodeGrpc.getStepDownMethod().getFullMethodName(), COORDINATOR,
            SignerNodeGrpc.getReloadMethod().getFullMethodName(), CONTROL);

    /** The audit operation of each order; a denied order is audited under it. */
    private static final Map<String, AuditOperation> ORDERS = Map.of(
            SignerNodeGrpc.getSelfTestMethod().getFullMethodName(), AuditOperation.SELF_TEST,
            SignerNodeGrpc.getStepDownMethod().getFullMethodName(), AuditOperation.STEP_DOWN,
            SignerNodeGrpc.getReloadMethod().getFullMethodName(), AuditOperation.RELOAD);

    private final String node;
    private final AuditLog audit;
    private final Clock clock;

    /**
     * @param node the node's name, for audit lines
     * @param audit the node's audit log, where denied orders are written; not owned
     * @param clock the time of audit lines
     */
    SignerNodeAuthorization(String node, AuditLog audit, Clock clock) {
        this.node = Objects.requireNonNull(node, "node");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
            ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        String caller = CallerIdentity.current();
        Set<CallerRole> roles = CallerIdentity.roles();
        if (KeySyncGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
            // The KeySync service is bound with KeySyncAuthorization: its rules, its audited refusals.
            return next.startCall(call, headers);
        }
        Set<CallerRole> needed = RULES.get(method);
        if (needed == null) {
            return deny(call, caller, roles, method, "no such method on this node's gRPC server");
        }
        if (!needed.isEmpty() && roles.stream().noneMatch(needed::contains)) {
            return deny(
                    call,
                    caller,
                    roles,
                    method,
                    "needs a certificate with "
                            + String.join(
                                    " or ",
                                    needed.stream()
                                            .map(r -> "OU=" + r.organizationalUnit())
                                            .toList()));
        }
        return next.startCall(call, headers);
    }

    private <ReqT, RespT> ServerCall.Listener<ReqT> deny(
            ServerCall<ReqT, RespT> call, String caller, Set<CallerRole> roles, String method, String why) {
        String description = "caller " + caller + " (roles " + roles + ") may not call " + method + ": " + why;
        LOG.warn("gRPC call denied method={} caller={} roles={} reason={}", method, caller, roles, why);
        Status status = Status.PERMISSION_DENIED.withDescription(description);
        AuditOperation op = ORDERS.get(method);
        if (op != null) {
            String ous = roles.stream()
                    .map(r -> "OU=" + r.organizationalUnit())
                    .sorted()
                    .toList()
                    .toString();
            try {
                audit.append(new AuditEvent(
                        clock.instant(),
                        op,
                        "",
                        "",
                        "",
                        null,
                        "",
                        AuditOutcome.REFUSED,
                        "PERMISSION_DENIED: " + description,
                        "tandem@" + node + " signer-node " + op.name() + " caller=" + caller + " roles=" + ous));
            } catch (AuditLogException | IllegalArgumentException e) {
                LOG.error(
                        "node={} audit log unwritable, denial of method={} caller={} not audited: {}",
                        node,
                        method,
                        caller,
                        e.getMessage());
                status = Status.INTERNAL.withDescription("node " + node + " cannot write its audit log (see the node's "
                        + "log); the call was refused all the same: " + description);
            }
        }
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {};
    }
}
