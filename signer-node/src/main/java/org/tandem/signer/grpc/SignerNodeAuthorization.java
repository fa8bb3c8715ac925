package org.tandem.signer.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.grpc.CallerIdentity;
import org.tandem.proto.signer.v1.SignerNodeGrpc;

/**
 * The authorization rule of the {@code SignerNode} service: {@code GetStatus} for every caller with
 * a cluster certificate; {@code SelfTest}, {@code StepDown} and {@code Reload} only for callers whose certificate
 * grants {@link CallerRole#OPERATOR} or {@link CallerRole#COORDINATOR}; any other SignerNode method
 * is refused; methods of other services on the same server (KeySync) pass untouched. A refused call is closed with {@code PERMISSION_DENIED} naming the caller, its roles and
 * what the method needs, and never reaches the service.
 *
 * <p>Contracts: runs after keysync's {@link CallerIdentity} (install it through
 * {@code MtlsServers.start(..., interceptor, ...)}), so the caller's CN is known and its certificate
 * verified; puts the caller's roles into {@link #ROLES}. Stateless and thread-safe.
 */
final class SignerNodeAuthorization implements ServerInterceptor {
    /** The roles of the current call's caller; set for every call that gets through. */
    static final Context.Key<Set<CallerRole>> ROLES = Context.key("tandem-caller-roles");

    private static final Logger LOG = LoggerFactory.getLogger(SignerNodeAuthorization.class);
    private static final Set<CallerRole> ANYONE = EnumSet.noneOf(CallerRole.class);
    private static final Set<CallerRole> CONTROL = EnumSet.of(CallerRole.OPERATOR, CallerRole.COORDINATOR);

    /** Method → roles of which the caller needs one; an empty set lets every cluster member in. */
    private static final Map<String, Set<CallerRole>> RULES = Map.of(
            SignerNodeGrpc.getGetStatusMethod().getFullMethodName(), ANYONE,
            SignerNodeGrpc.getSelfTestMethod().getFullMethodName(), CONTROL,
            SignerNodeGrpc.getStepDownMethod().getFullMethodName(), CONTROL,
            SignerNodeGrpc.getReloadMethod().getFullMethodName(), CONTROL);

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
            ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        String caller = CallerIdentity.current();
        Set<CallerRole> roles = roles(call);
        Set<CallerRole> needed = RULES.get(method);
        if (needed == null && !SignerNodeGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
            needed = ANYONE; // another service on the same server (KeySync) keeps its own rules
        }
        if (needed == null) {
            return deny(call, caller, roles, method, "no such method on the SignerNode service");
        }
        if (!needed.isEmpty() && roles.stream().noneMatch(needed::contains)) {
            return deny(call, caller, roles, method, "needs a certificate with OU=operator or OU=coordinator");
        }
        return Contexts.interceptCall(Context.current().withValue(ROLES, roles), call, headers, next);
    }

    private static Set<CallerRole> roles(ServerCall<?, ?> call) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null) {
            return ANYONE; // CallerIdentity has already refused such a call
        }
        try {
            Certificate[] peer = session.getPeerCertificates();
            if (peer.length > 0 && peer[0] instanceof X509Certificate certificate) {
                return CallerRole.of(certificate);
            }
        } catch (SSLPeerUnverifiedException e) {
            return ANYONE;
        }
        return ANYONE;
    }

    private static <ReqT, RespT> ServerCall.Listener<ReqT> deny(
            ServerCall<ReqT, RespT> call, String caller, Set<CallerRole> roles, String method, String why) {
        String description = "caller " + caller + " (roles " + roles + ") may not call " + method + ": " + why;
        LOG.warn("gRPC call denied method={} caller={} roles={} reason={}", method, caller, roles, why);
        call.close(Status.PERMISSION_DENIED.withDescription(description), new Metadata());
        return new ServerCall.Listener<>() {};
    }
}
