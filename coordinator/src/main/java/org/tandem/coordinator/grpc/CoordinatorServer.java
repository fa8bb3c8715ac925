package org.tandem.coordinator.grpc;

import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.tandem.coordinator.CoordinatorException;
import org.tandem.coordinator.audit.AuditLog;
import org.tandem.coordinator.ceremony.KeyCeremonies;
import org.tandem.coordinator.config.TlsFiles;
import org.tandem.coordinator.preflight.Cutover;
import org.tandem.coordinator.view.ClusterView;

/**
 * The Coordinator gRPC server: mutual TLS with the coordinator's certificate, client certificates
 * required and trusted only from the cluster CA (a client without one, with another CA's, or in
 * plaintext is refused at the handshake), then {@link CoordinatorAuthorization}. The caller owns it
 * and {@link #close}s it.
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
    public static CoordinatorServer start(String host, int port, TlsFiles tls, ClusterView view, Cutover cutover,
            AuditLog audit, Duration defaultWait) throws CoordinatorException {
        Objects.requireNonNull(tls, "tls");
        ServerCredentials credentials;
        try {
            credentials = TlsServerCredentials.newBuilder()
                    .keyManager(tls.certificate().toFile(), tls.key().toFile())
                    .trustManager(tls.ca().toFile())
                    .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new CoordinatorException("TLS files unusable for the gRPC server (cert " + tls.certificate() + ", key "
                    + tls.key() + ", ca " + tls.ca() + "): " + e.getMessage(), e);
        }
        try {
            Server s = NettyServerBuilder.forAddress(new InetSocketAddress(host, port), credentials)
                    .addService(new CoordinatorService(view, cutover, new KeyCeremonies(view), audit, defaultWait))
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
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
