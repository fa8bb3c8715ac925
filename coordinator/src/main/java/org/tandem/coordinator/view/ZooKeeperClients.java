package org.tandem.coordinator.view;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.tandem.coordinator.CoordinatorException;
import org.tandem.coordinator.config.TlsFiles;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.grpc.TlsMaterialException;
import org.tandem.keysync.manifest.ZooKeeperClientSettings;

/**
 * The coordinator's read-only Curator client, built by keysync's {@link ZooKeeperClientSettings} (the
 * one builder of every Tandem ZooKeeper client): TLS with its certificate of the cluster CA ({@code
 * OU=coordinator}, which the ZooKeeper ACLs of Tandem's znodes let read and nothing else), or, for a
 * lab, explicit insecure plaintext, logged as a warning at every start.
 */
public final class ZooKeeperClients {
    private ZooKeeperClients() {}

    /**
     * Builds (does not start) the client.
     *
     * @param tls the coordinator's ZooKeeper TLS files; empty for {@code insecure-plaintext: true}
     * @throws CoordinatorException if the TLS files cannot be used
     */
    public static CuratorFramework build(String connect, Duration sessionTimeout, Optional<TlsFiles> tls)
            throws CoordinatorException {
        Objects.requireNonNull(connect, "connect");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        Objects.requireNonNull(tls, "tls");
        try {
            ZooKeeperClientSettings settings = tls.isEmpty()
                    ? ZooKeeperClientSettings.insecurePlaintext(connect)
                    : ZooKeeperClientSettings.tls(
                            connect,
                            TlsMaterial.load(
                                    tls.get().certificate(),
                                    tls.get().key(),
                                    tls.get().ca()));
            return settings.curatorBuilder()
                    .sessionTimeoutMs((int) sessionTimeout.toMillis())
                    .connectionTimeoutMs(10_000)
                    .retryPolicy(new ExponentialBackoffRetry(200, 3))
                    .build();
        } catch (TlsMaterialException e) {
            throw new CoordinatorException("ZooKeeper TLS (zookeeper.tls): " + e.getMessage(), e);
        }
    }
}
