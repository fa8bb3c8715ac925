package org.tandem.coordinator.tls;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettySslContextChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettySslContextServerCredentials;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFactory;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.coordinator.config.TlsFiles;

/**
 * Builds the coordinator's TLS credentials and server limits:
 *
 * <ul>
 *   <li>{@value #PROTOCOL} only, the JDK's TLS engine and PKIX checks against the cluster CA alone
 *       (validity, extended key usage, the node's host name on channels);
 *   <li>{@link #server}: the coordinator's certificate, client certificate required;
 *   <li>{@link #toNodes}: the coordinator's certificate, and only a server whose certificate says
 *       {@code OU=node} is accepted (refused during the handshake with an error naming the
 *       presented CN and roles);
 *   <li>{@link #limit}: maximum connection age and grace, handshake timeout, connection limit.
 * </ul>
 *
 * Stateless apart from the shared event loops (daemon threads, never shut down).
 */
public final class CoordinatorTls {
    /** The only TLS version the coordinator speaks. */
    public static final String PROTOCOL = "TLSv1.3";
    /** After this long a connection is told to go away, so its client handshakes (and is checked) again. */
    public static final Duration MAX_CONNECTION_AGE = Duration.ofHours(1);
    /** How long calls on a connection past its age may run on. */
    public static final Duration MAX_CONNECTION_AGE_GRACE = Duration.ofMinutes(5);
    /** A connection that has not finished its TLS handshake by then is closed. */
    public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** Connections beyond this many at once are closed on accept. */
    public static final int MAX_CONNECTIONS = 256;

    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorTls.class);
    private static final EventLoopGroup BOSS = new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("coordinator-grpc-accept", true), NioIoHandler.newFactory());
    private static final EventLoopGroup WORKERS = new MultiThreadIoEventLoopGroup(
            0, new DefaultThreadFactory("coordinator-grpc-io", true), NioIoHandler.newFactory());

    private CoordinatorTls() {}

    /** Server credentials: the coordinator's certificate, a client certificate from the CA required. */
    public static ServerCredentials server(TlsFiles tls) throws GeneralSecurityException, IOException {
        Objects.requireNonNull(tls, "tls");
        try (InputStream chain = Files.newInputStream(tls.certificate());
                InputStream key = Files.newInputStream(tls.key())) {
            SslContextBuilder builder = GrpcSslContexts.configure(SslContextBuilder.forServer(chain, key), SslProvider.JDK)
                    .trustManager(pkix(tls))
                    .clientAuth(ClientAuth.REQUIRE)
                    .protocols(PROTOCOL);
            return NettySslContextServerCredentials.create(builder.build());
        }
    }

    /** Channel credentials to the nodes: only a server with {@code OU=node} is accepted. */
    public static ChannelCredentials toNodes(TlsFiles tls) throws GeneralSecurityException, IOException {
        Objects.requireNonNull(tls, "tls");
        try (InputStream chain = Files.newInputStream(tls.certificate());
                InputStream key = Files.newInputStream(tls.key())) {
            SslContextBuilder builder = GrpcSslContexts.configure(GrpcSslContexts.forClient(), SslProvider.JDK)
                    .keyManager(chain, key)
                    .trustManager(new NodesOnly(pkix(tls)))
                    .protocols(PROTOCOL);
            return NettySslContextChannelCredentials.create(builder.build());
        }
    }

    /**
     * Applies the connection limits: age {@code maxAge} (gRPC adds up to 10 % jitter), then
     * {@code grace}; handshake {@code handshakeTimeout}; at most {@code maxConnections} at once.
     */
    public static NettyServerBuilder limit(NettyServerBuilder builder, Duration maxAge, Duration grace,
            Duration handshakeTimeout, int maxConnections) {
        Cap cap = new Cap(maxConnections);
        ChannelFactory<ServerChannel> sockets = () -> {
            NioServerSocketChannel channel = new NioServerSocketChannel();
            channel.pipeline().addFirst("coordinator-connection-cap", cap);
            return channel;
        };
        return builder.maxConnectionAge(maxAge.toMillis(), TimeUnit.MILLISECONDS)
                .maxConnectionAgeGrace(grace.toMillis(), TimeUnit.MILLISECONDS)
                .handshakeTimeout(handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .channelFactory(sockets)
                .bossEventLoopGroup(BOSS)
                .workerEventLoopGroup(WORKERS);
    }

    private static X509ExtendedTrustManager pkix(TlsFiles tls) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int i = 0;
        try (InputStream in = Files.newInputStream(tls.ca())) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, c);
            }
        }
        if (i == 0) {
            throw new CertificateException(tls.ca() + " contains no certificate");
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(store);
        for (TrustManager m : factory.getTrustManagers()) {
            if (m instanceof X509ExtendedTrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("the JDK's PKIX TrustManagerFactory gave no X509ExtendedTrustManager");
    }

    /** The OUs of a certificate's subject, lower case. */
    static List<String> organizationalUnits(X509Certificate certificate) {
        try {
            return new LdapName(certificate.getSubjectX500Principal().getName()).getRdns().stream()
                    .filter(r -> r.getType().equalsIgnoreCase("OU"))
                    .map(Rdn::getValue)
                    .map(v -> String.valueOf(v).trim().toLowerCase(Locale.ROOT))
                    .toList();
        } catch (InvalidNameException e) {
            return List.of();
        }
    }

    /** PKIX, then: the server's certificate must say {@code OU=node}. */
    private static final class NodesOnly extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager pkix;

        NodesOnly(X509ExtendedTrustManager pkix) {
            this.pkix = pkix;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            pkix.checkServerTrusted(chain, authType, engine);
            role(chain[0], engine == null ? "?" : engine.getPeerHost() + ":" + engine.getPeerPort());
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            pkix.checkServerTrusted(chain, authType, socket);
            role(chain[0], String.valueOf(socket == null ? "?" : socket.getRemoteSocketAddress()));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            pkix.checkServerTrusted(chain, authType);
            role(chain[0], "?");
        }

        private static void role(X509Certificate server, String peer) throws CertificateException {
            List<String> ous = organizationalUnits(server);
            if (ous.contains("node")) {
                return;
            }
            String message = "server " + peer + " presented certificate " + server.getSubjectX500Principal()
                    + " with roles " + ous + "; the coordinator talks only to a server with OU=node";
            LOG.warn("TLS server refused: {}", message);
            throw new CertificateException(message);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("a client channel does not verify clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("a client channel does not verify clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client channel does not verify clients");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return pkix.getAcceptedIssuers();
        }
    }

    /** Closes accepted connections beyond the limit before any TLS work. */
    @ChannelHandler.Sharable
    private static final class Cap extends ChannelInboundHandlerAdapter {
        private final int max;
        private final AtomicInteger open = new AtomicInteger();
        private final AtomicLong refused = new AtomicLong();

        Cap(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1, got " + max);
            }
            this.max = max;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof Channel child)) {
                ctx.fireChannelRead(msg);
                return;
            }
            if (open.incrementAndGet() > max) {
                open.decrementAndGet();
                long n = refused.incrementAndGet();
                if (n == 1 || n % 100 == 0) {
                    LOG.warn("gRPC connection refused peer={} reason=already {} connections open (the limit);"
                            + " refused so far={}", child.remoteAddress(), max, n);
                }
                child.unsafe().closeForcibly();
                return;
            }
            child.closeFuture().addListener(f -> open.decrementAndGet());
            ctx.fireChannelRead(child);
        }
    }
}
