package org.tandem.coordinator.view;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.ClientCnxnSocketNetty;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.ClientX509Util;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.coordinator.CoordinatorException;
import org.tandem.coordinator.config.TlsFiles;

/**
 * The coordinator's read-only Curator client: TLS with its certificate of the cluster CA ({@code
 * OU=coordinator}, which the ZooKeeper ACLs of Tandem's znodes let read and nothing else), or, for a
 * lab, explicit insecure plaintext, logged as a warning at every start.
 *
 * <p>It mirrors keysync's {@code ZooKeeperClientSettings} (the one builder of the signer nodes and
 * {@code signerctl}) without depending on keysync: the coordinator never loads HSM code. It creates no
 * znodes, so it needs no ACL provider.
 */
public final class ZooKeeperClients {
    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperClients.class);
    private static final String TLS_VERSION = "TLSv1.3";

    private ZooKeeperClients() {}

    /**
     * Builds (does not start) the client.
     *
     * @param tls the coordinator's ZooKeeper TLS files; empty for {@code insecure-plaintext: true}
     * @throws CoordinatorException if the TLS files cannot be read or ZooKeeper's key store not written
     */
    public static CuratorFramework build(String connect, Duration sessionTimeout, Optional<TlsFiles> tls)
            throws CoordinatorException {
        Objects.requireNonNull(connect, "connect");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        Objects.requireNonNull(tls, "tls");
        ZKClientConfig config = new ZKClientConfig();
        if (tls.isEmpty()) {
            LOG.warn("event=zookeeper-insecure-plaintext zookeeper={} reason=\"zookeeper.insecure-plaintext is set: no"
                    + " TLS, no authentication; anyone who reaches ZooKeeper can reset the epoch, rewrite the ledger"
                    + " and drop keys from manifests. Lab use only.\"", connect);
            config.setProperty(ZKClientConfig.SECURE_CLIENT, "false");
        } else {
            config.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
            config.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, ClientCnxnSocketNetty.class.getName());
            try (ClientX509Util x509 = new ClientX509Util()) {
                config.setProperty(x509.getSslKeystoreLocationProperty(), keyStore(tls.get()).toString());
                config.setProperty(x509.getSslKeystoreTypeProperty(), "PEM");
                config.setProperty(x509.getSslTruststoreLocationProperty(), tls.get().ca().toString());
                config.setProperty(x509.getSslTruststoreTypeProperty(), "PEM");
                config.setProperty(x509.getSslHostnameVerificationEnabledProperty(), "true");
                config.setProperty(x509.getSslProtocolProperty(), TLS_VERSION);
                config.setProperty(x509.getSslEnabledProtocolsProperty(), TLS_VERSION);
            }
        }
        return CuratorFrameworkFactory.builder()
                .connectString(connect)
                .zkClientConfig(config)
                .sessionTimeoutMs((int) sessionTimeout.toMillis())
                .connectionTimeoutMs(10_000)
                .retryPolicy(new ExponentialBackoffRetry(200, 3))
                .build();
    }

    /** ZooKeeper's PEM key store is one file with key and chain: written 0600 to a private temp dir. */
    private static Path keyStore(TlsFiles tls) throws CoordinatorException {
        try {
            String key = Files.readString(tls.key(), StandardCharsets.US_ASCII);
            String chain = Files.readString(tls.certificate(), StandardCharsets.US_ASCII);
            Path dir = Files.createTempDirectory("tandem-zookeeper-tls",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            dir.toFile().deleteOnExit();
            Path file = Files.createFile(dir.resolve("keystore.pem"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            file.toFile().deleteOnExit();
            Files.writeString(file, key.strip() + "\n" + chain.strip() + "\n", StandardCharsets.US_ASCII);
            return file;
        } catch (IOException | UnsupportedOperationException e) {
            throw new CoordinatorException("ZooKeeper TLS (zookeeper.tls): cannot read " + tls.key() + " and "
                    + tls.certificate() + " into ZooKeeper's PEM key store: " + e, e);
        }
    }
}
