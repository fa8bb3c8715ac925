package org.tandem.keysync.grpc;

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
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The verified caller of a gRPC call: a server interceptor that reads the client certificate the
 * TLS handshake verified and puts its subject common name (CN) into the gRPC {@link Context} as
 * {@link #CURRENT}, and the roles its subject's OU grants ({@link CallerRole}) as {@link #ROLES}, so
 * that services and authorization interceptors can log and decide who called.
 *
 * <p>Contracts: {@link MtlsServers} installs it on every server it starts, before (outside) any
 * interceptor the caller passes, so those interceptors and the service methods always see
 * {@link #CURRENT}. A call without a TLS session, without a verified peer certificate or with a
 * certificate that has no CN is closed with {@link Status#UNAUTHENTICATED} and never reaches the
 * service; with {@code clientAuth(REQUIRE)} the handshake already refuses such clients, this is
 * defence in depth. A call whose client certificate has expired since the connection was made (or is
 * not yet valid) is closed with {@link Status#UNAUTHENTICATED} too, naming the CN and the date: a
 * long-lived connection, or a resumed TLS session, does not outlive the certificate. Stateless and
 * thread-safe.
 *
 * <p>IMPORTANT: the CN only says which certificate the cluster CA issued to the caller; what that
 * caller may do is decided by an authorization interceptor or the service, never here.
 */
public final class CallerIdentity implements ServerInterceptor {

    /** Subject CN of the verified client certificate of the current call; set for every call served. */
    public static final Context.Key<String> CURRENT = Context.key("tandem-caller-cn");

    /** Roles of the verified client certificate of the current call (maybe none); set with {@link #CURRENT}. */
    public static final Context.Key<Set<CallerRole>> ROLES = Context.key("tandem-caller-roles");

    private static final Logger LOG = LoggerFactory.getLogger(CallerIdentity.class);

    private final Clock clock;

    CallerIdentity() {
        this(Clock.systemUTC());
    }

    /** @param clock the time a client certificate must be valid at, on every call */
    CallerIdentity(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The CN of the verified caller of the call the current thread serves.
     *
     * @throws IllegalStateException outside a call served by a server from {@link MtlsServers}
     */
    public static String current() {
        String caller = CURRENT.get();
        if (caller == null) {
            throw new IllegalStateException("no caller identity: not inside a call served through MtlsServers");
        }
        return caller;
    }

    /**
     * The roles of the verified caller of the call the current thread serves; empty when its
     * certificate grants none.
     *
     * @throws IllegalStateException outside a call served by a server from {@link MtlsServers}
     */
    public static Set<CallerRole> roles() {
        Set<CallerRole> roles = ROLES.get();
        if (roles == null) {
            throw new IllegalStateException("no caller roles: not inside a call served through MtlsServers");
        }
        return roles;
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
            ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null) {
            return refuse(call, method, "no TLS session");
        }
        Certificate[] peer;
        try {
            peer = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return refuse(call, method, "no verified client certificate");
        }
        if (peer.length == 0 || !(peer[0] instanceof X509Certificate)) {
            return refuse(call, method, "no X.509 client certificate");
        }
        Optional<String> commonName = commonName((X509Certificate) peer[0]);
        if (commonName.isEmpty()) {
            return refuse(call, method, "client certificate subject has no CN");
        }
        X509Certificate certificate = (X509Certificate) peer[0];
        // The handshake checked the certificate when the connection was made (or a TLS session it
        // resumes was made); a connection lives on, so check again at every call: an expired
        // certificate stops working at once, not at the next handshake.
        Instant now = clock.instant();
        if (now.isAfter(certificate.getNotAfter().toInstant())) {
            return refuse(
                    call,
                    method,
                    "client certificate CN=" + commonName.get() + " expired at "
                            + certificate.getNotAfter().toInstant());
        }
        if (now.isBefore(certificate.getNotBefore().toInstant())) {
            return refuse(
                    call,
                    method,
                    "client certificate CN=" + commonName.get() + " is not valid before "
                            + certificate.getNotBefore().toInstant());
        }
        Context context = Context.current()
                .withValue(CURRENT, commonName.get())
                .withValue(ROLES, Collections.unmodifiableSet(CallerRole.of(certificate)));
        return Contexts.interceptCall(context, call, headers, next);
    }

    /** The most specific CN of the certificate's subject, if it has one. */
    static Optional<String> commonName(X509Certificate certificate) {
        List<Rdn> rdns;
        try {
            // RFC 2253 form; LdapName lists the RDNs from the least to the most specific.
            rdns = new LdapName(certificate.getSubjectX500Principal().getName()).getRdns();
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
        for (int i = rdns.size() - 1; i >= 0; i--) {
            Rdn rdn = rdns.get(i);
            if (rdn.getType().equalsIgnoreCase("CN")) {
                String value = String.valueOf(rdn.getValue());
                return value.isBlank() ? Optional.empty() : Optional.of(value);
            }
        }
        return Optional.empty();
    }

    private static <ReqT, RespT> ServerCall.Listener<ReqT> refuse(
            ServerCall<ReqT, RespT> call, String method, String reason) {
        LOG.warn(
                "gRPC call refused method={} peer={} reason={}",
                method,
                call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
                reason);
        call.close(Status.UNAUTHENTICATED.withDescription(reason), new Metadata());
        return new ServerCall.Listener<>() {};
    }
}
