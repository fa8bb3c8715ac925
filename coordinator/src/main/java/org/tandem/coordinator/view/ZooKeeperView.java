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
import org.tandem.keysync.manifest.ZooKeeperLayout;
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
    private final ZooKeeperLayout layout;

    public ZooKeeperView(CuratorFramework client, String root) {
        this.client = Objects.requireNonNull(client, "client");
        this.layout = new ZooKeeperLayout(Objects.requireNonNull(root, "root"));
    }

    /** The cluster epoch, 0 before any leader. */
    @Override
    public long epoch() throws CoordinatorException {
        String path = layout.epochPath();
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
        String path = layout.zonesPath();
        try {
            List<String> out = new ArrayList<>();
            for (String child : client.getChildren().forPath(path)) {
                if (client.checkExists().forPath(layout.manifestPathOfNode(child)) != null) {
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
        String path = layout.manifestPath(absolute(zone));
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
        String path = layout.publishedPath(absolute(zone));
        byte[] data = read(path);
        return data == null ? Optional.empty() : Optional.of(parse(path, data));
    }

    /** Every commit of the zone, oldest first. */
    @Override
    public List<LedgerEntry> history(String zone) throws CoordinatorException {
        String path = layout.historyPath(absolute(zone));
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

    /** The zone with its trailing dot; callers may leave it out. */
    private static String absolute(String zone) {
        if (zone.isEmpty() || zone.equals(".")) {
            throw new IllegalArgumentException("invalid zone name '" + zone + "'");
        }
        return zone.endsWith(".") ? zone : zone + ".";
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
            throw new CoordinatorException(
                    "ZooKeeper " + path + " is not a PublishedZone record: " + e.getMessage(), e);
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
