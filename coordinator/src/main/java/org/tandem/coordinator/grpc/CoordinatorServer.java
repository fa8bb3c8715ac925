package org.tandem.coordinator.grpc;

import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Objects;
import org.tandem.coordinator.CoordinatorException;
import org.tandem.coordinator.audit.AuditLog;
import org.tandem.coordinator.ceremony.KeyCeremonies;
import org.tandem.coordinator.config.TlsFiles;
import org.tandem.coordinator.preflight.Cutover;
import org.tandem.coordinator.view.ClusterView;
import org.tandem.keysync.grpc.ConnectionLimits;
import org.tandem.keysync.grpc.MtlsServers;
import org.tandem.keysync.grpc.TlsContexts;

/**
 * The Coordinator gRPC server: mutual TLS 1.3 with the coordinator's certificate, client
 * certificates required and trusted only from the cluster CA (a client without one, with another
 * CA's or an expired one, offering only TLS 1.2, or in plaintext is refused at the handshake), the
 * connection limits ({@link ConnectionLimits}), TLS 1.3 as every Tandem server ({@link TlsContexts}), then
 * {@link CoordinatorAuthorization} (which also refuses a call whose client certificate has expired since the
 * handshake). The caller owns it and {@link #close}s it.
 */
public final class CoordinatorServer implements AutoCloseable {
    private final Server server;

    private CoordinatorServer(Server server) {
        this.server = server;
    }

    /**
     * Binds and starts.
     *
     * @param port 0 for a free one ({@link #port()})
     * @throws CoordinatorException when the TLS files are unusable or the address cannot be bound
     */
    public static CoordinatorServer start(
            String host,
            int port,
            TlsFiles tls,
            ClusterView view,
            Cutover cutover,
            AuditLog audit,
            Duration defaultWait)
            throws CoordinatorException {
        return start(host, port, tls, view, cutover, audit, defaultWait, ConnectionLimits.DEFAULTS);
    }

    /**
     * Binds and starts with the given connection limits.
     *
     * @see #start(String, int, TlsFiles, ClusterView, Cutover, AuditLog, Duration)
     */
    public static CoordinatorServer start(
            String host,
            int port,
            TlsFiles tls,
            ClusterView view,
            Cutover cutover,
            AuditLog audit,
            Duration defaultWait,
            ConnectionLimits limits)
            throws CoordinatorException {
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(limits, "limits");
        ServerCredentials credentials;
        try {
            credentials = TlsContexts.server(
                    Files.readAllBytes(tls.certificate()), Files.readAllBytes(tls.key()), Files.readAllBytes(tls.ca()));
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            throw new CoordinatorException(
                    "TLS files unusable for the gRPC server (cert " + tls.certificate() + ", key " + tls.key() + ", ca "
                            + tls.ca() + "): " + e.getMessage(),
                    e);
        }
        try {
            NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(host, port), credentials);
            limits.applyTo(builder, "coordinator " + host + ":" + port);
            Server s = builder.addService(
                            new CoordinatorService(view, cutover, new KeyCeremonies(view), audit, defaultWait))
                    .intercept(new CoordinatorAuthorization(audit))
                    .build()
                    .start();
            return new CoordinatorServer(s);
        } catch (IOException | RuntimeException e) {
            throw new CoordinatorException("gRPC listen " + host + ":" + port + " failed: " + e.getMessage(), e);
        }
    }

    /** The bound port. */
    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        MtlsServers.stop(server, "Coordinator server");
    }
}
