package org.tandem.keysync.grpc;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettySslContextChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettySslContextServerCredentials;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Set;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS settings of every Tandem gRPC server and channel: TLS 1.3 only ({@value #PROTOCOL}), the
 * JDK's TLS engine, the cluster CA as the only trust anchor with the JDK's PKIX checks (validity,
 * extended key usage {@code clientAuth} for clients and {@code serverAuth} for servers, the host
 * name for servers), client certificates required, and on channels the server's role
 * ({@link ServerRoleCheck}). Stateless. Used by {@link MtlsServers}, {@link MtlsChannels} and the
 * coordinator, which reads the same PEM files.
 */
public final class TlsContexts {
    /** The only TLS version Tandem speaks: RFC 8446, no renegotiation, no static-RSA or CBC suites. */
    public static final String PROTOCOL = "TLSv1.3";

    private TlsContexts() {}

    /** Server credentials presenting {@code chain}, requiring a client certificate from the CA. */
    public static ServerCredentials server(byte[] chain, byte[] key, byte[] trust)
            throws GeneralSecurityException, IOException {
        SslContextBuilder builder = GrpcSslContexts.configure(
                        SslContextBuilder.forServer(new ByteArrayInputStream(chain), new ByteArrayInputStream(key)),
                        SslProvider.JDK)
                .trustManager(pkix(trust))
                .clientAuth(ClientAuth.REQUIRE)
                .protocols(PROTOCOL);
        return NettySslContextServerCredentials.create(builder.build());
    }

    /**
     * Channel credentials presenting {@code chain}, accepting only a server from the CA whose
     * certificate carries one of {@code serverRoles}.
     *
     * @param client who calls, for the refusal message
     */
    public static ChannelCredentials client(
            byte[] chain, byte[] key, byte[] trust, Set<CallerRole> serverRoles, String client)
            throws GeneralSecurityException, IOException {
        SslContextBuilder builder = GrpcSslContexts.configure(GrpcSslContexts.forClient(), SslProvider.JDK)
                .keyManager(new ByteArrayInputStream(chain), new ByteArrayInputStream(key))
                .trustManager(new ServerRoleCheck(pkix(trust), serverRoles, client))
                .protocols(PROTOCOL);
        return NettySslContextChannelCredentials.create(builder.build());
    }

    /** The JDK's PKIX trust manager over exactly the certificates in {@code trust} (PEM). */
    static X509ExtendedTrustManager pkix(byte[] trust) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int i = 0;
        for (Certificate certificate :
                CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(trust))) {
            store.setCertificateEntry("ca-" + i++, certificate);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(store);
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509ExtendedTrustManager x509) {
                return x509;
            }
        }
        throw new GeneralSecurityException("the JDK's PKIX TrustManagerFactory gave no X509ExtendedTrustManager");
    }
}
