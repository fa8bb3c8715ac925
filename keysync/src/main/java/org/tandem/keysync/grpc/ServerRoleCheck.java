package org.tandem.keysync.grpc;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trust manager of a Tandem client channel: the cluster CA's PKIX checks (chain, validity,
 * {@code serverAuth} extended key usage, and the host name the channel targets), then the role of
 * the server's certificate. A server whose certificate carries none of the roles the client talks
 * to ({@link CallerRole}, the {@code OU}) is refused during the handshake with an error naming the
 * expected roles and the presented CN and roles, e.g. a node that reaches an operator's laptop
 * listening on a peer's address, or {@code signerctl} that reaches a node instead of the coordinator.
 *
 * <p>Thread-safe (immutable; the delegate is thread-safe). Never used to verify clients.
 */
final class ServerRoleCheck extends X509ExtendedTrustManager {
    private static final Logger LOG = LoggerFactory.getLogger(ServerRoleCheck.class);

    private final X509ExtendedTrustManager pkix;
    private final Set<CallerRole> accepted;
    private final String client;

    /**
     * @param pkix the cluster CA's trust manager
     * @param accepted roles of which the server's certificate needs one; not empty
     * @param client who is calling, for messages (e.g. {@code CN=node-a})
     */
    ServerRoleCheck(X509ExtendedTrustManager pkix, Set<CallerRole> accepted, String client) {
        this.pkix = Objects.requireNonNull(pkix, "pkix");
        if (accepted.isEmpty()) {
            throw new IllegalArgumentException("a client must accept at least one server role");
        }
        this.accepted = EnumSet.copyOf(accepted);
        this.client = Objects.requireNonNull(client, "client");
    }

    /** {@code OU=node or OU=coordinator}. */
    static String describe(Set<CallerRole> roles) {
        return EnumSet.copyOf(roles).stream()
                .map(r -> "OU=" + r.organizationalUnit())
                .collect(Collectors.joining(" or "));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        pkix.checkServerTrusted(chain, authType, engine);
        checkRole(chain, engine == null ? "?" : engine.getPeerHost() + ":" + engine.getPeerPort());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        pkix.checkServerTrusted(chain, authType, socket);
        checkRole(chain, socket == null ? "?" : String.valueOf(socket.getRemoteSocketAddress()));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
        checkRole(chain, "?");
    }

    private void checkRole(X509Certificate[] chain, String peer) throws CertificateException {
        X509Certificate server = chain[0];
        Set<CallerRole> roles = CallerRole.of(server);
        if (roles.stream().anyMatch(accepted::contains)) {
            return;
        }
        String cn = CallerIdentity.commonName(server).orElse("(no CN)");
        String message = "server " + peer + " presented certificate CN=" + cn + " with roles " + roles + " ("
                + server.getSubjectX500Principal() + "); " + client + " talks only to a server with "
                + describe(accepted);
        LOG.warn("TLS server refused: {}", message);
        throw new CertificateException(message);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("a Tandem client channel does not verify clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("a Tandem client channel does not verify clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a Tandem client channel does not verify clients");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }
}
