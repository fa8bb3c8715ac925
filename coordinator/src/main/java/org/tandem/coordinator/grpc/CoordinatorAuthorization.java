package org.tandem.coordinator.grpc;

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
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.coordinator.CoordinatorException;
import org.tandem.coordinator.audit.AuditLog;
import org.tandem.proto.coordinator.v1.CoordinatorGrpc;

/**
 * Who may call what on the Coordinator service. The TLS handshake has already refused a client
 * without a certificate of the cluster CA; this identifies the caller from the verified certificate
 * (UNAUTHENTICATED without one, defence in depth), lets every cluster certificate read
 * (GetClusterStatus, GetClusterKeys, Preflight, GetKekStatus), lets only OU=operator or
 * OU=coordinator order a cut-over (Failover, StepDown) and only OU=operator a key ceremony (InitKek,
 * EnrolKek, GenerateKey, SyncKeys): anyone else gets PERMISSION_DENIED naming the caller, and the
 * refused order is audited. Stateless apart from the audit log; thread-safe.
 */
final class CoordinatorAuthorization implements ServerInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorAuthorization.class);
    private static final Set<String> ORDERS = Set.of(
            CoordinatorGrpc.getFailoverMethod().getFullMethodName(),
            CoordinatorGrpc.getStepDownMethod().getFullMethodName());
    private static final Set<String> CEREMONIES = Set.of(
            CoordinatorGrpc.getInitKekMethod().getFullMethodName(),
            CoordinatorGrpc.getEnrolKekMethod().getFullMethodName(),
            CoordinatorGrpc.getGenerateKeyMethod().getFullMethodName(),
            CoordinatorGrpc.getSyncKeysMethod().getFullMethodName());
    private static final Set<String> READS = Set.of(
            CoordinatorGrpc.getGetClusterStatusMethod().getFullMethodName(),
            CoordinatorGrpc.getGetClusterKeysMethod().getFullMethodName(),
            CoordinatorGrpc.getPreflightMethod().getFullMethodName(),
            CoordinatorGrpc.getGetKekStatusMethod().getFullMethodName());

    private final AuditLog audit;
    private final Clock clock;

    CoordinatorAuthorization(AuditLog audit) {
        this(audit, Clock.systemUTC());
    }

    /** @param clock the time a client certificate must be valid at, on every call */
    CoordinatorAuthorization(AuditLog audit, Clock clock) {
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
            ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Optional<Caller> caller = caller(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (caller.isEmpty()) {
            return close(
                    call,
                    Status.UNAUTHENTICATED.withDescription("no verified client certificate with a CN"),
                    method,
                    "unknown");
        }
        Caller c = caller.get();
        Optional<String> invalid = expired(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION), c);
        if (invalid.isPresent()) {
            return close(call, Status.UNAUTHENTICATED.withDescription(invalid.get()), method, c.describe());
        }
        if (ORDERS.contains(method) || CEREMONIES.contains(method)) {
            boolean ceremony = CEREMONIES.contains(method);
            if (ceremony ? !c.mayOrderKeyCeremony() : !c.mayOrder()) {
                String why = "caller " + c.describe() + " may not call " + method + ": needs a certificate with "
                        + (ceremony
                                ? "OU=operator (a key ceremony is an operator's order)"
                                : "OU=operator or OU=coordinator");
                try {
                    audit.record(
                            c.commonName(),
                            call.getMethodDescriptor().getBareMethodName(),
                            "",
                            "",
                            null,
                            "denied: " + why);
                } catch (CoordinatorException e) {
                    LOG.error("audit of a denied order failed: {}", e.getMessage());
                }
                return close(call, Status.PERMISSION_DENIED.withDescription(why), method, c.describe());
            }
        } else if (!READS.contains(method)) {
            return close(
                    call, Status.PERMISSION_DENIED.withDescription("no such method " + method), method, c.describe());
        }
        return Contexts.interceptCall(Context.current().withValue(Caller.CURRENT, c), call, headers, next);
    }

    /**
     * Why the client certificate is not valid now, if it is not: the handshake checked it when the
     * connection was made, a connection (or a resumed TLS session) lives on.
     */
    private Optional<String> expired(SSLSession session, Caller caller) {
        try {
            X509Certificate x = (X509Certificate) session.getPeerCertificates()[0];
            Instant now = clock.instant();
            if (now.isAfter(x.getNotAfter().toInstant())) {
                return Optional.of("client certificate CN=" + caller.commonName() + " expired at "
                        + x.getNotAfter().toInstant());
            }
            if (now.isBefore(x.getNotBefore().toInstant())) {
                return Optional.of("client certificate CN=" + caller.commonName() + " is not valid before "
                        + x.getNotBefore().toInstant());
            }
            return Optional.empty();
        } catch (SSLPeerUnverifiedException | RuntimeException e) {
            return Optional.of("no verified client certificate");
        }
    }

    private static Optional<Caller> caller(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        try {
            Certificate[] peer = session.getPeerCertificates();
            if (peer.length > 0 && peer[0] instanceof X509Certificate x) {
                return Caller.of(x);
            }
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static <ReqT, RespT> ServerCall.Listener<ReqT> close(
            ServerCall<ReqT, RespT> call, Status status, String method, String caller) {
        LOG.warn(
                "gRPC call refused method={} caller={} status={} reason={}",
                method,
                caller,
                status.getCode(),
                status.getDescription());
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {};
    }
}
