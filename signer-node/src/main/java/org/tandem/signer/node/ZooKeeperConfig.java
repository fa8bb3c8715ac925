package org.tandem.signer.node;

import java.time.Duration;
import java.util.Objects;

/**
 * Where the cluster's ZooKeeper ensemble is ({@code zookeeper:} in {@code node.yaml}).
 *
 * @param connect the connect string, {@code host:port[,host:port...]}, as Curator takes it
 * @param sessionTimeout the session timeout the node asks for (the server may negotiate it down);
 *     the leader's local lease is a fraction of it (INV-L3)
 * @param root the absolute ZooKeeper path under which Tandem keeps its nodes, e.g. {@code /tandem}
 */
public record ZooKeeperConfig(String connect, Duration sessionTimeout, String root) {
    /** Default session timeout: within ZooKeeper's default bounds (2 to 20 ticks of 2 s). */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(30);
    /** Default root, the same as the HSM configuration's {@code zookeeper-root}. */
    public static final String DEFAULT_ROOT = "/tandem";

    public ZooKeeperConfig {
        Objects.requireNonNull(connect, "connect");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        Objects.requireNonNull(root, "root");
        if (connect.isBlank()) {
            throw new IllegalArgumentException("ZooKeeper connect string is empty");
        }
        if (sessionTimeout.compareTo(Duration.ofSeconds(1)) < 0 || sessionTimeout.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("session timeout must be 1s to 10m, got " + sessionTimeout);
        }
        if (!root.startsWith("/") || (root.length() > 1 && root.endsWith("/"))) {
            throw new IllegalArgumentException("root must be an absolute ZooKeeper path like /tandem, got " + root);
        }
    }
}
