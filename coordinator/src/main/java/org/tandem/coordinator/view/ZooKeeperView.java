package org.tandem.coordinator.view;

import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.tandem.coordinator.CoordinatorException;
import org.tandem.proto.keysync.v1.KeyManifest;
import org.tandem.proto.signer.v1.PublishedZone;

/**
 * The coordinator's read-only view of ZooKeeper below the Tandem root: the epoch (the data version
 * of {@code <root>/cluster/epoch}), the key manifests ({@code <root>/zones/<zone>/keys}), the publish
 * ledger ({@code <root>/zones/<zone>/published} and {@code history/p-N}). It never writes.
 *
 * <p>The Curator client is borrowed (started and closed by the caller). Thread-safe. Every failure
 * to read is a {@link CoordinatorException} naming the path.
 */
public final class ZooKeeperView implements ClusterRecords {
    private final CuratorFramework client;
    private final String root;

    public ZooKeeperView(CuratorFramework client, String root) {
        this.client = Objects.requireNonNull(client, "client");
        this.root = Objects.requireNonNull(root, "root");
    }

    /** The cluster epoch, 0 before any leader. */
    @Override
    public long epoch() throws CoordinatorException {
        String path = ZKPaths.makePath(root, "cluster", "epoch");
        try {
            Stat stat = client.checkExists().forPath(path);
            return stat == null ? 0 : stat.getVersion();
        } catch (Exception e) {
            throw failed(e, path);
        }
    }

    /** The zones with a key manifest, absolute with the trailing dot, sorted. */
    @Override
    public List<String> zones() throws CoordinatorException {
        String path = ZKPaths.makePath(root, "zones");
        try {
            List<String> out = new ArrayList<>();
            for (String child : client.getChildren().forPath(path)) {
                if (client.checkExists().forPath(ZKPaths.makePath(path, child, "keys")) != null) {
                    out.add(child + ".");
                }
            }
            out.sort(null);
            return out;
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        } catch (Exception e) {
            throw failed(e, path);
        }
    }

    /** The zone's key manifest, empty when there is none. */
    @Override
    public Optional<KeyManifest> manifest(String zone) throws CoordinatorException {
        String path = ZKPaths.makePath(zonePath(zone), "keys");
        byte[] data = read(path);
        if (data == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(KeyManifest.parseFrom(data));
        } catch (InvalidProtocolBufferException e) {
            throw new CoordinatorException("ZooKeeper " + path + " is not a KeyManifest: " + e.getMessage(), e);
        }
    }

    /** What the ledger last committed for the zone, empty when never published. */
    @Override
    public Optional<LedgerEntry> last(String zone) throws CoordinatorException {
        String path = ZKPaths.makePath(zonePath(zone), "published");
        byte[] data = read(path);
        return data == null ? Optional.empty() : Optional.of(parse(path, data));
    }

    /** Every commit of the zone, oldest first. */
    @Override
    public List<LedgerEntry> history(String zone) throws CoordinatorException {
        String path = ZKPaths.makePath(zonePath(zone), "history");
        List<String> children;
        try {
            children = new ArrayList<>(client.getChildren().forPath(path));
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        } catch (Exception e) {
            throw failed(e, path);
        }
        children.sort(null);
        List<LedgerEntry> out = new ArrayList<>();
        for (String child : children) {
            String p = ZKPaths.makePath(path, child);
            byte[] data = read(p);
            if (data != null) {
                out.add(parse(p, data));
            }
        }
        return List.copyOf(out);
    }

    private String zonePath(String zone) {
        String z = zone.endsWith(".") ? zone.substring(0, zone.length() - 1) : zone;
        if (z.isEmpty() || z.indexOf('/') >= 0) {
            throw new IllegalArgumentException("invalid zone name '" + zone + "'");
        }
        return ZKPaths.makePath(root, "zones", z);
    }

    private byte[] read(String path) throws CoordinatorException {
        try {
            return client.getData().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return null;
        } catch (Exception e) {
            throw failed(e, path);
        }
    }

    private static LedgerEntry parse(String path, byte[] data) throws CoordinatorException {
        try {
            return LedgerEntry.of(PublishedZone.parseFrom(data));
        } catch (InvalidProtocolBufferException e) {
            throw new CoordinatorException("ZooKeeper " + path + " is not a PublishedZone record: " + e.getMessage(), e);
        }
    }

    private static CoordinatorException failed(Exception e, String path) {
        if (e instanceof RuntimeException r) {
            throw r;
        }
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new CoordinatorException("ZooKeeper unreachable reading " + path + ": " + e, e);
    }
}
