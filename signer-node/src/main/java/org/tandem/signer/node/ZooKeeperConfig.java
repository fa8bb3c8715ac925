package org.tandem.signer.node;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.manifest.ZooKeeperClientSettings;
import org.tandem.keysync.manifest.ZooKeeperLayout;
import org.tandem.signer.election.HistoryRetention;

/**
 * Where the cluster's ZooKeeper ensemble is ({@code zookeeper:} in {@code node.yaml}).
 *
 * @param connect the connect string, {@code host:port[,host:port...]}, as Curator takes it
 * @param sessionTimeout the session timeout the node asks for (the server may negotiate it down);
 *     the leader's local lease is a fraction of it (INV-L3)
 * @param root the absolute ZooKeeper path under which Tandem keeps its nodes, e.g. {@code /tandem}
 * @param tls the node's ZooKeeper client certificate ({@code OU=node}), key and the cluster CA
 *     ({@code zookeeper.tls}); empty only with {@code zookeeper.insecure-plaintext: true}, a lab
 *     without TLS, authentication or ACLs
 * @param history how much of each zone's publish history the leader keeps ({@code zookeeper.history-window},
 *     {@code zookeeper.history-keep}; docs/ledger-history.md)
 */
public record ZooKeeperConfig(
        String connect, Duration sessionTimeout, String root, Optional<TlsMaterial> tls, HistoryRetention history) {
    /** Default session timeout: within ZooKeeper's default bounds (2 to 20 ticks of 2 s). */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(30);
    /** Default root, the same as the HSM configuration's {@code zookeeper-root}. */
    public static final String DEFAULT_ROOT = ZooKeeperLayout.DEFAULT_ROOT;

    public ZooKeeperConfig {
        Objects.requireNonNull(connect, "connect");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(history, "history");
        if (connect.isBlank()) {
            throw new IllegalArgumentException("ZooKeeper connect string is empty");
        }
        if (sessionTimeout.compareTo(Duration.ofSeconds(1)) < 0
                || sessionTimeout.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("session timeout must be 1s to 10m, got " + sessionTimeout);
        }
        if (!root.startsWith("/") || (root.length() > 1 && root.endsWith("/"))) {
            throw new IllegalArgumentException("root must be an absolute ZooKeeper path like /tandem, got " + root);
        }
    }

    /** With the default history retention ({@link HistoryRetention#DEFAULT}). */
    public ZooKeeperConfig(String connect, Duration sessionTimeout, String root, Optional<TlsMaterial> tls) {
        this(connect, sessionTimeout, root, tls, HistoryRetention.DEFAULT);
    }

    /** The client settings: TLS with {@link #tls}, or explicit insecure plaintext when it is empty. */
    public ZooKeeperClientSettings clientSettings() {
        return tls.map(t -> ZooKeeperClientSettings.tls(connect, t))
                .orElseGet(() -> ZooKeeperClientSettings.insecurePlaintext(connect));
    }
}
