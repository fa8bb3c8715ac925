package org.tandem.keysync.manifest;

import java.util.Objects;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.common.PathUtils;
import org.tandem.keysync.key.ZoneName;

/**
 * The one definition of Tandem's znode layout below its root (default {@value #DEFAULT_ROOT}); every
 * process that reads or writes ZooKeeper (the manifest store, the election and publish ledger of a
 * signer node, the coordinator's read-only view, the chaos watcher) builds its paths here:
 *
 * <pre>
 * &lt;root&gt;/cluster/leader                 the leader latch (participant id = node name)
 * &lt;root&gt;/cluster/epoch                  the fencing epoch (its data version)
 * &lt;root&gt;/cluster/clocks/&lt;node&gt;          a node's clock reference (its mtime)
 * &lt;root&gt;/zones/&lt;zone&gt;/keys              the zone's key manifest
 * &lt;root&gt;/zones/&lt;zone&gt;/published         the publish ledger's last commit of the zone
 * &lt;root&gt;/zones/&lt;zone&gt;/history/p-NNNNNNNNNN  every commit of the zone, in order
 * </pre>
 *
 * where {@code <zone>} is the zone name without its trailing dot. Immutable and thread-safe. The strict
 * zone-name rules of the manifest store stay with the store ({@code ManifestPaths}); this class only
 * refuses names that cannot be a single znode.
 */
public final class ZooKeeperLayout {
    /** The root every Tandem configuration uses unless it says otherwise. */
    public static final String DEFAULT_ROOT = "/tandem";

    private static final String CLUSTER = "cluster";
    private static final String LEADER = "leader";
    private static final String EPOCH = "epoch";
    private static final String CLOCKS = "clocks";
    private static final String ZONES = "zones";
    private static final String KEYS = "keys";
    private static final String PUBLISHED = "published";
    private static final String HISTORY = "history";
    private static final String HISTORY_RECORD_PREFIX = "p-";

    private final String root;

    /**
     * @param root absolute ZooKeeper path, usually {@value #DEFAULT_ROOT}
     * @throws IllegalArgumentException if it is not a valid ZooKeeper path or lies under {@code /zookeeper}
     */
    public ZooKeeperLayout(String root) {
        Objects.requireNonNull(root, "root");
        try {
            PathUtils.validatePath(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid ZooKeeper root '" + root + "': " + e.getMessage(), e);
        }
        if (root.equals("/zookeeper") || root.startsWith("/zookeeper/")) {
            throw new IllegalArgumentException(
                    "invalid ZooKeeper root '" + root + "': /zookeeper is reserved by ZooKeeper");
        }
        this.root = root;
    }

    public String root() {
        return root;
    }

    /** The leader latch. */
    public String latchPath() {
        return ZKPaths.makePath(root, CLUSTER, LEADER);
    }

    /** The fencing epoch: its data version is the epoch, bumped by each new leader (INV-D2). */
    public String epochPath() {
        return ZKPaths.makePath(root, CLUSTER, EPOCH);
    }

    /** A node's clock reference znode (INV-D5), written with setData for its mtime. */
    public String clockPath(String node) {
        Objects.requireNonNull(node, "node");
        return ZKPaths.makePath(root, CLUSTER, CLOCKS, node);
    }

    /** The parent of all zone nodes. */
    public String zonesPath() {
        return ZKPaths.makePath(root, ZONES);
    }

    /**
     * The znode of a zone.
     *
     * @param zone absolute zone name, with the trailing dot
     * @throws IllegalArgumentException for the root zone, or a name containing {@code '/'} or {@code '\'}
     */
    public String zonePath(String zone) {
        return zonePathOfNode(zoneNode(zone));
    }

    /** The znode of a zone. */
    public String zonePath(ZoneName zone) {
        return zonePath(Objects.requireNonNull(zone, "zone").toString());
    }

    /** The znode below {@link #zonesPath()} named {@code zoneNode} (a zone name without its trailing dot). */
    public String zonePathOfNode(String zoneNode) {
        Objects.requireNonNull(zoneNode, "zoneNode");
        return ZKPaths.makePath(root, ZONES, zoneNode);
    }

    /** The zone's key manifest; see {@link #zonePath(String)} for the zone. */
    public String manifestPath(String zone) {
        return ZKPaths.makePath(zonePath(zone), KEYS);
    }

    /** The key manifest below one child of {@link #zonesPath()}. */
    public String manifestPathOfNode(String zoneNode) {
        return ZKPaths.makePath(zonePathOfNode(zoneNode), KEYS);
    }

    /** The publish ledger's last commit of the zone. */
    public String publishedPath(String zone) {
        return ZKPaths.makePath(zonePath(zone), PUBLISHED);
    }

    /** The publish ledger's last commit of the zone. */
    public String publishedPath(ZoneName zone) {
        return publishedPath(Objects.requireNonNull(zone, "zone").toString());
    }

    /** The parent of the zone's commit history. */
    public String historyPath(String zone) {
        return ZKPaths.makePath(zonePath(zone), HISTORY);
    }

    /** The parent of the zone's commit history. */
    public String historyPath(ZoneName zone) {
        return historyPath(Objects.requireNonNull(zone, "zone").toString());
    }

    /** The prefix of the zone's persistent-sequential history records. */
    public String historyRecordPrefix(ZoneName zone) {
        return ZKPaths.makePath(historyPath(zone), HISTORY_RECORD_PREFIX);
    }

    /**
     * The znode name of a zone: the absolute name without its trailing dot.
     *
     * @throws IllegalArgumentException for the root zone, a relative name, or a name containing {@code '/'}
     *     or {@code '\'}
     */
    public static String zoneNode(String zone) {
        Objects.requireNonNull(zone, "zone");
        if (zone.equals(".")) {
            throw new IllegalArgumentException("the root zone is not supported in ZooKeeper");
        }
        if (!zone.endsWith(".")) {
            throw new IllegalArgumentException(
                    "invalid zone name '" + zone + "': not absolute, it must end with a dot");
        }
        String node = zone.substring(0, zone.length() - 1);
        if (node.indexOf('/') >= 0 || node.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("invalid zone name '" + zone + "' in ZooKeeper: contains '/' or '\\'");
        }
        return node;
    }

    @Override
    public String toString() {
        return "ZooKeeperLayout[" + root + "]";
    }
}
