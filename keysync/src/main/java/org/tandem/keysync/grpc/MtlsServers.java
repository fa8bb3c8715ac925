package org.tandem.keysync.grpc;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts Tandem's gRPC servers, always with mutual TLS 1.3: the server presents the node's
 * certificate and requires a client certificate that chains to the cluster CA, is valid now and is
 * meant for a client (extended key usage {@code clientAuth}). A client without a certificate, with
 * one from another CA or expired, offering only TLS 1.2 or older, or speaking plaintext is refused at
 * the TLS handshake, before any service code runs. Every server enforces {@link ConnectionLimits}
 * ({@link ConnectionLimits#DEFAULTS} unless given): a maximum connection age (then a new handshake,
 * so an expired certificate stops working), a handshake timeout and a connection limit.
 *
 * <p>Every server gets {@link CallerIdentity}, so services read the caller's CN from
 * {@link CallerIdentity#CURRENT}. An optional interceptor (per-method authorization) runs after it,
 * inside the caller's context.
 *
 * <p>Contracts: {@link TlsMaterial} is checked before anything binds. The returned server is
 * started; the caller owns it and stops it with {@link #stop(Server, String)}.
 * Thread-safe (no state).
 */
public final class MtlsServers {
    /** The shortest keepalive ping interval a client may use (see {@link MtlsChannels#KEEPALIVE}). */
    static final Duration KEEPALIVE_PERMITTED = Duration.ofSeconds(5);

    /** How long {@link #stop} lets running calls finish, and then waits for the cancelled ones. */
    public static final long STOP_GRACE_SECONDS = 5;

    private static final Logger LOG = LoggerFactory.getLogger(MtlsServers.class);

    private MtlsServers() {}

    /**
     * Starts a mutual-TLS server for the services.
     *
     * @param bindHost address or host name to listen on, e.g. {@code 127.0.0.1}; {@code null} means
     *     every interface (IMPORTANT: only for deployments that firewall the port)
     * @param port TCP port, 0 for a free one (read it back with {@link Server#getPort()})
     * @param tls the node's certificate, key and the cluster CA
     * @param services at least one service
     * @return the started server, owned by the caller
     * @throws TlsMaterialException when a TLS file cannot be used (nothing was bound)
     * @throws UnknownHostException when {@code bindHost} does not resolve
     * @throws IOException when the server cannot bind, e.g. the port is taken
     */
    public static Server start(String bindHost, int port, TlsMaterial tls, BindableService... services)
            throws TlsMaterialException, IOException {
        return build(bindHost, port, tls, ConnectionLimits.DEFAULTS, null, services);
    }

    /**
     * Starts a mutual-TLS server with the given connection limits; {@code interceptor} (may be
     * {@code null}) runs after {@link CallerIdentity}.
     *
     * @see #start(String, int, TlsMaterial, ServerInterceptor, BindableService...)
     */
    public static Server start(
            String bindHost,
            int port,
            TlsMaterial tls,
            ConnectionLimits limits,
            ServerInterceptor interceptor,
            BindableService... services)
            throws TlsMaterialException, IOException {
        return build(bindHost, port, tls, Objects.requireNonNull(limits, "limits"), interceptor, services);
    }

    /**
     * Starts a mutual-TLS server whose calls pass {@code interceptor} after {@link CallerIdentity},
     * so that it can authorize by {@link CallerIdentity#CURRENT}.
     *
     * @param interceptor runs for every call of every service, after the caller is identified
     * @see #start(String, int, TlsMaterial, BindableService...)
     */
    public static Server start(
            String bindHost, int port, TlsMaterial tls, ServerInterceptor interceptor, BindableService... services)
            throws TlsMaterialException, IOException {
        return build(
                bindHost,
                port,
                tls,
                ConnectionLimits.DEFAULTS,
                Objects.requireNonNull(interceptor, "interceptor"),
                services);
    }

    private static Server build(
            String bindHost,
            int port,
            TlsMaterial tls,
            ConnectionLimits limits,
            ServerInterceptor interceptor,
            BindableService... services)
            throws TlsMaterialException, IOException {
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(services, "services");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0..65535, not " + port);
        }
        if (services.length == 0) {
            throw new IllegalArgumentException("at least one service is required");
        }
        ServerCredentials credentials = tls.serverCredentials();
        InetSocketAddress address;
        if (bindHost == null) {
            address = new InetSocketAddress(port);
        } else {
            address = new InetSocketAddress(bindHost, port);
            if (address.isUnresolved()) {
                throw new UnknownHostException("gRPC bind host does not resolve: " + bindHost);
            }
        }
        NettyServerBuilder builder;
        try {
            builder = NettyServerBuilder.forAddress(address, credentials);
        } catch (IllegalArgumentException e) {
            // gRPC builds the TLS context here; check() makes this unlikely, but say which files.
            throw new TlsMaterialException(tls.certificateChain(), "rejected by gRPC TLS (" + tls + "): " + e, e);
        }
        // Clients (the coordinator, peer nodes) ping during calls so that a connection a cut link
        // dropped silently fails in seconds, not at the call's deadline; allow them to.
        builder.permitKeepAliveTime(KEEPALIVE_PERMITTED.toSeconds(), TimeUnit.SECONDS);
        limits.applyTo(builder, address.toString());
        for (BindableService service : services) {
            builder.addService(Objects.requireNonNull(service, "service"));
        }
        // Interceptors added later run first: CallerIdentity sets the context the other one reads.
        if (interceptor != null) {
            builder.intercept(interceptor);
        }
        builder.intercept(new CallerIdentity());
        Server server = builder.build().start();
        LOG.info(
                "gRPC mTLS server started address={} services={} tls={} max-connection-age={} grace={}"
                        + " handshake-timeout={} max-connections={} certificate={} trust={}",
                server.getListenSockets(),
                services.length,
                TlsContexts.PROTOCOL,
                limits.maxConnectionAge(),
                limits.maxConnectionAgeGrace(),
                limits.handshakeTimeout(),
                limits.maxConnections(),
                tls.certificateChain(),
                tls.trustedCertificates());
        return server;
    }

    /**
     * Stops a server: no new calls, running calls get {@value #STOP_GRACE_SECONDS} s, then the rest are
     * cancelled (with a warning naming the server) and awaited as long again. If interrupted, stops at
     * once and keeps the interrupt flag. Idempotent.
     *
     * @param name what the server is in the warning, e.g. {@code "KeySync server"}
     */
    public static void stop(Server server, String name) {
        Objects.requireNonNull(server, "server");
        server.shutdown();
        try {
            if (!server.awaitTermination(STOP_GRACE_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn(
                        "{} port={} calls still running after {} s; cancelling them",
                        name,
                        server.getPort(),
                        STOP_GRACE_SECONDS);
                server.shutdownNow();
                server.awaitTermination(STOP_GRACE_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
