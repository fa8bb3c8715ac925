package org.tandem.signer.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 * and what the method needs, and never reaches the service.
 *
 * <p>Contracts: runs after keysync's {@link CallerIdentity} (install it through
 * {@code MtlsServers.start(..., interceptor, ...)}), so the caller's CN and roles are known and its
 * certificate verified. Stateless and thread-safe.
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
            return deny(call, caller, roles, method, "needs a certificate with " + String.join(" or ",
                    needed.stream().map(r -> "OU=" + r.organizationalUnit()).toList()));
        }
        return next.startCall(call, headers);
    }

    private static <ReqT, RespT> ServerCall.Listener<ReqT> deny(
            ServerCall<ReqT, RespT> call, String caller, Set<CallerRole> roles, String method, String why) {
        String description = "caller " + caller + " (roles " + roles + ") may not call " + method + ": " + why;
        LOG.warn("gRPC call denied method={} caller={} roles={} reason={}", method, caller, roles, why);
        call.close(Status.PERMISSION_DENIED.withDescription(description), new Metadata());
        return new ServerCall.Listener<>() {};
    }
}
