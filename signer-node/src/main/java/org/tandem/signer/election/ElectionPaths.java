package org.tandem.signer.election;

import java.util.Objects;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.common.PathUtils;
import org.tandem.keysync.key.ZoneName;

/**
 * The znode layout of the cluster below the Tandem root (default {@code /tandem}, shared with the key
 * manifest): {@code cluster/leader} (latch), {@code cluster/epoch}, {@code cluster/clocks/<node>}, and per zone, next to the
 * manifest's {@code keys}, {@code zones/<zone-without-trailing-dot>/published} and {@code history}.
 */
final class ElectionPaths {
    private final String root;

    /**
     * @param root absolute ZooKeeper path, usually {@code /tandem}
     * @throws IllegalArgumentException if it is not a valid ZooKeeper path or lies under {@code /zookeeper}
     */
    ElectionPaths(String root) {
        Objects.requireNonNull(root, "root");
        try {
            PathUtils.validatePath(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid ZooKeeper root '" + root + "': " + e.getMessage(), e);
        }
        if (root.equals("/zookeeper") || root.startsWith("/zookeeper/")) {
            throw new IllegalArgumentException("invalid ZooKeeper root '" + root + "': /zookeeper is reserved by ZooKeeper");
        }
        this.root = root;
    }

    String root() {
        return root;
    }

    String latchPath() {
        return ZKPaths.makePath(root, "cluster", "leader");
    }

    String epochPath() {
        return ZKPaths.makePath(root, "cluster", "epoch");
    }

    /** This node's clock reference znode (INV-D5), written with setData for its mtime. */
    String clockPath(String node) {
        return ZKPaths.makePath(root, "cluster", "clocks", node);
    }

    String zonePath(ZoneName zone) {
        Objects.requireNonNull(zone, "zone");
        String text = zone.toString();
        if (text.equals(".")) {
            throw new IllegalArgumentException("the root zone is not supported by the publish ledger");
        }
        String node = text.substring(0, text.length() - 1);
        if (node.indexOf('/') >= 0 || node.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("invalid zone name '" + text + "' for the publish ledger: contains '/' or '\\'");
        }
        return ZKPaths.makePath(root, "zones", node);
    }

    String publishedPath(ZoneName zone) {
        return ZKPaths.makePath(zonePath(zone), "published");
    }

    String historyPath(ZoneName zone) {
        return ZKPaths.makePath(zonePath(zone), "history");
    }

    /** The prefix of the persistent-sequential history records. */
    String historyRecordPrefix(ZoneName zone) {
        return ZKPaths.makePath(historyPath(zone), "p-");
    }
}
