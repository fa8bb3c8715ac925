package org.tandem.keysync.grpc;

import io.grpc.Server;
import java.io.IOException;
import java.util.Objects;

/**
 * A running {@code KeySync} server: one {@link KeySyncService} behind {@link MtlsServers}, so that
 * only callers with a certificate from the cluster CA reach it.
 *
 * <p>Contracts: {@link #start} returns a started server; the caller owns it and closes it. {@link
 * #close()} stops accepting calls, gives running calls {@value MtlsServers#STOP_GRACE_SECONDS} s to finish, then
 * cancels the rest; it is idempotent. The service's HSMs and audit log are not closed here: close
 * them after this server. Thread-safe.
 */
public final class KeySyncServer implements AutoCloseable {

    private final Server server;

    private KeySyncServer(Server server) {
        this.server = server;
    }

    /**
     * Starts the server.
     *
     * @param bindHost address or host name to listen on, e.g. {@code 127.0.0.1}; {@code null} means
     *     every interface (IMPORTANT: only where the port is firewalled)
     * @param port TCP port, 0 for a free one (see {@link #port()})
     * @param tls the node's certificate, key and the cluster CA
     * @param service the node's KeySync service
     * @throws TlsMaterialException when a TLS file cannot be used (nothing was bound)
     * @throws IOException when the server cannot bind, e.g. the port is taken
     */
    public static KeySyncServer start(String bindHost, int port, TlsMaterial tls, KeySyncService service)
            throws TlsMaterialException, IOException {
        Objects.requireNonNull(service, "service");
        return new KeySyncServer(MtlsServers.start(bindHost, port, tls, service));
    }

    /** The port the server listens on (the chosen one when started with port 0). */
    public int port() {
        return server.getPort();
    }

    /**
     * Shuts down gracefully within {@value MtlsServers#STOP_GRACE_SECONDS} s, then at once. If interrupted, shuts
     * down at once and keeps the interrupt flag.
     */
    @Override
    public void close() {
        MtlsServers.stop(server, "KeySync server");
    }

    @Override
    public String toString() {
        return "KeySync server on " + server.getListenSockets();
    }
}
