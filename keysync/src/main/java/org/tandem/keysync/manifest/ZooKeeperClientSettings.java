package org.tandem.keysync.manifest;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.framework.imps.DefaultACLProvider;
import org.apache.zookeeper.ClientCnxnSocketNetty;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.ClientX509Util;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.grpc.TlsMaterialException;

/**
 * How every Tandem process reaches ZooKeeper: the connect string, and either TLS with a certificate
 * of the cluster CA (the normal case) or, for a lab only, explicit insecure plaintext. The one place
 * that builds Curator clients ({@link #curatorBuilder()}): signer nodes, the coordinator, {@code
 * signerctl} and the manifest store all take their client from here.
 *
 * <p>With TLS the client verifies the server's certificate against the cluster CA (and its host
 * name), presents its own certificate, whose {@code OU} is its role ({@link ZooKeeperRole}), and
 * creates every znode with {@link ZooKeeperRole#ACL}: writable by nodes and operators, readable by the
 * coordinator, closed to everyone else. The server must run {@link TandemX509AuthenticationProvider}
 * ({@link ZooKeeperServerTls}).
 *
 * <p>IMPORTANT: {@link #insecurePlaintext} has no TLS, no authentication and open ACLs: anyone who
 * reaches the ZooKeeper port can bump or reset the epoch, rewrite the publish ledger or drop keys from
 * a manifest. Every client built from it logs that as a warning.
 *
 * <p>Immutable and thread-safe.
 */
public final class ZooKeeperClientSettings {
    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperClientSettings.class);
    private static final String TLS_VERSION = "TLSv1.3";

    private final String connectString;
    private final TlsMaterial tls;

    private ZooKeeperClientSettings(String connectString, TlsMaterial tls) {
        Objects.requireNonNull(connectString, "connectString");
        if (connectString.isBlank()) {
            throw new IllegalArgumentException("ZooKeeper connect string is blank");
        }
        this.connectString = connectString;
        this.tls = tls;
    }

    /**
     * TLS with this process's certificate and the cluster CA.
     *
     * @param connectString {@code host:port[,host:port...]}, the servers' secure client ports
     * @param tls the certificate (its {@code OU} is the role), key and cluster CA
     */
    public static ZooKeeperClientSettings tls(String connectString, TlsMaterial tls) {
        return new ZooKeeperClientSettings(connectString, Objects.requireNonNull(tls, "tls"));
    }

    /**
     * No TLS, no authentication, open ACLs: only for a lab whose ZooKeeper nobody else can reach
     * ({@code insecure-plaintext: true} in the configuration). Logs a warning for every client.
     */
    public static ZooKeeperClientSettings insecurePlaintext(String connectString) {
        return new ZooKeeperClientSettings(connectString, null);
    }

    /** The connect string. */
    public String connectString() {
        return connectString;
    }

    /** The TLS material; empty for {@link #insecurePlaintext}. */
    public Optional<TlsMaterial> tls() {
        return Optional.ofNullable(tls);
    }

    /** True unless {@link #insecurePlaintext}. */
    public boolean secure() {
        return tls != null;
    }

    /**
     * A Curator builder with the connect string, the ZooKeeper client configuration (TLS or explicit
     * plaintext) and the ACL provider; the caller adds timeouts and the retry policy, builds and owns
     * the client.
     *
     * @throws TlsMaterialException naming the TLS file that cannot be used and why
     */
    public CuratorFrameworkFactory.Builder curatorBuilder() throws TlsMaterialException {
        if (tls == null) {
            LOG.warn(
                    "event=zookeeper-insecure-plaintext zookeeper={} reason=\"insecure-plaintext is set: no TLS, no "
                            + "authentication, open ACLs; anyone who reaches ZooKeeper can reset the epoch, rewrite "
                            + "the ledger and drop keys from manifests. Lab use only.\"",
                    connectString);
        }
        return CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .zkClientConfig(clientConfig())
                .aclProvider(aclProvider());
    }

    /** The ZooKeeper client configuration: TLS through Netty with PEM files, or explicit plaintext. */
    public ZKClientConfig clientConfig() throws TlsMaterialException {
        ZKClientConfig config = new ZKClientConfig();
        if (tls == null) {
            // Explicit, so that ssl.* system properties of an in-process server never leak into it.
            config.setProperty(ZKClientConfig.SECURE_CLIENT, "false");
            return config;
        }
        return tlsConfig(ZooKeeperTlsFiles.keyStore(tls), tls.trustedCertificates());
    }

    /**
     * A TLS client configuration with a key store (PEM, key and chain in one file, or null for a
     * client without a certificate) and the trusted CA (PEM).
     */
    static ZKClientConfig tlsConfig(Path keyStore, Path trust) {
        ZKClientConfig config = new ZKClientConfig();
        config.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
        config.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, ClientCnxnSocketNetty.class.getName());
        try (ClientX509Util x509 = new ClientX509Util()) {
            config.setProperty(x509.getSslKeystoreLocationProperty(), keyStore == null ? "" : keyStore.toString());
            config.setProperty(x509.getSslKeystoreTypeProperty(), "PEM");
            config.setProperty(x509.getSslTruststoreLocationProperty(), trust.toString());
            config.setProperty(x509.getSslTruststoreTypeProperty(), "PEM");
            config.setProperty(x509.getSslHostnameVerificationEnabledProperty(), "true");
            config.setProperty(x509.getSslProtocolProperty(), TLS_VERSION);
            config.setProperty(x509.getSslEnabledProtocolsProperty(), TLS_VERSION);
        }
        return config;
    }

    /** {@link ZooKeeperRole#ACL} with TLS; ZooKeeper's open default for {@link #insecurePlaintext}. */
    public ACLProvider aclProvider() {
        if (tls == null) {
            return new DefaultACLProvider();
        }
        return new ACLProvider() {
            @Override
            public List<ACL> getDefaultAcl() {
                return ZooKeeperRole.ACL;
            }

            @Override
            public List<ACL> getAclForPath(String path) {
                return ZooKeeperRole.ACL;
            }
        };
    }

    @Override
    public String toString() {
        return connectString + (tls == null ? " (insecure plaintext)" : " (TLS, " + tls.certificateChain() + ")");
    }
}
