package org.tandem.signer.grpc;

import io.grpc.Server;
import java.io.IOException;
import java.time.Clock;
import java.util.Objects;
import org.tandem.keysync.audit.AuditLog;
import org.tandem.keysync.grpc.KeySyncService;
import org.tandem.keysync.grpc.MtlsServers;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.grpc.TlsMaterialException;
import org.tandem.signer.node.NodeControl;

/**
 * A running {@code SignerNode} server: {@link SignerNodeService} (and optionally the node's
 * {@link KeySyncService}, on the same port) behind keysync's {@link MtlsServers}, with
 * {@link SignerNodeAuthorization}. Only callers with a certificate from the cluster CA get past
 * the TLS handshake; only operator and coordinator certificates reach {@code SelfTest} and
 * {@code Reload}, only coordinator certificates {@code StepDown}; the KeySync methods keep keysync's
 * rules ({@code KeySyncAuthorization}, bound into the KeySync service: peers and the coordinator
 * move keys, only the coordinator runs key ceremonies, refusals audited).
 *
 * <p>Contracts: {@link #start} returns a started server; the caller owns it and closes it. {@link
 * #close()} stops accepting calls, gives running calls {@value MtlsServers#STOP_GRACE_SECONDS} s, then cancels the
 * rest; idempotent. The control is not closed here. Thread-safe.
 */
public final class SignerNodeServer implements AutoCloseable {

    private final Server server;

    private SignerNodeServer(Server server) {
        this.server = server;
    }

    /**
     * Starts the server with the SignerNode service only.
     *
     * @param bindHost address or host name to listen on; {@code null} means every interface
     *     (IMPORTANT: only where the port is firewalled)
     * @param port TCP port, 0 for a free one (see {@link #port()})
     * @param tls the node's certificate, key and the cluster CA
     * @param control the daemon
     * @param node the node's name (error details, audit lines)
     * @param audit the node's audit log: every order received, and every order refused, gets a line
     * @param clock the time of audit lines
     * @throws TlsMaterialException when a TLS file cannot be used (nothing was bound)
     * @throws IOException when the server cannot bind, e.g. the port is taken
     */
    public static SignerNodeServer start(
            String bindHost, int port, TlsMaterial tls, NodeControl control, String node, AuditLog audit, Clock clock)
            throws TlsMaterialException, IOException {
        return new SignerNodeServer(MtlsServers.start(
                bindHost,
                port,
                tls,
                new SignerNodeAuthorization(node, audit, clock),
                new SignerNodeService(control, node, audit, clock)));
    }

    /**
     * Starts the server with the SignerNode service and the node's KeySync service on one port.
     * KeySync keeps its own rules ({@code KeySyncAuthorization}: {@code OU=node} or {@code
     * OU=coordinator} for inventory, KEK status, export and import, {@code OU=coordinator} for key
     * generation and the KEK ceremony; every call and refusal audited with the caller's CN).
     *
     * @see #start(String, int, TlsMaterial, NodeControl, String, AuditLog, Clock)
     */
    public static SignerNodeServer start(
            String bindHost,
            int port,
            TlsMaterial tls,
            NodeControl control,
            String node,
            AuditLog audit,
            Clock clock,
            KeySyncService keySync)
            throws TlsMaterialException, IOException {
        Objects.requireNonNull(keySync, "keySync");
        return new SignerNodeServer(MtlsServers.start(
                bindHost,
                port,
                tls,
                new SignerNodeAuthorization(node, audit, clock),
                new SignerNodeService(control, node, audit, clock),
                keySync));
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
        MtlsServers.stop(server, "SignerNode server");
    }

    @Override
    public String toString() {
        return "SignerNode server on " + server.getListenSockets();
    }
}
