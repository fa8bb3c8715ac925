package org.tandem.signer.election;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.tandem.keysync.manifest.ZooKeeperLayout;

/**
 * ZooKeeper server time as the reference clock: writes this node's own persistent znode {@code
 * <root>/cluster/clocks/<node>} (created on first use) and reads the returned {@link Stat#getMtime()
 * mtime}, the time the ZooKeeper leader stamped on the transaction. The data written is the node's
 * name and its local time, for an operator looking at the znode.
 *
 * <p>One write per sample (the election's re-check interval, 5 s): negligible load. The znode is the
 * node's own, so nodes never contend.
 */
final class ZooKeeperClockReference implements ClockReference {
    private final CuratorFramework client;
    private final String path;
    private final String node;
    private final Clock clock;
    private final LongSupplier nanoTime;

    ZooKeeperClockReference(
            CuratorFramework client, ZooKeeperLayout paths, String node, Clock clock, LongSupplier nanoTime) {
        this.client = Objects.requireNonNull(client, "client");
        this.path = paths.clockPath(node);
        this.node = node;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /** The znode written. */
    String path() {
        return path;
    }

    @Override
    public ClockSample sample() throws ClockReferenceException, InterruptedException {
        if (!client.getZookeeperClient().isConnected()) {
            throw new ClockReferenceException(path, "ZooKeeper not connected", null);
        }
        Instant wall = clock.instant();
        byte[] data = (node + " " + wall).getBytes(StandardCharsets.UTF_8);
        try {
            long before = nanoTime.getAsLong();
            Stat stat;
            try {
                stat = client.setData().forPath(path, data);
            } catch (KeeperException.NoNodeException e) {
                try {
                    client.create()
                            .creatingParentContainersIfNeeded()
                            .withMode(CreateMode.PERSISTENT)
                            .forPath(path, data);
                } catch (KeeperException.NodeExistsException raced) {
                    // created meanwhile: fine, the setData below stamps it
                }
                wall = clock.instant();
                before = nanoTime.getAsLong();
                stat = client.setData().forPath(path, data);
            }
            long after = nanoTime.getAsLong();
            return new ClockSample(Instant.ofEpochMilli(stat.getMtime()), wall, before, after);
        } catch (InterruptedException e) {
            throw e;
        } catch (Exception e) {
            // Curator declares `throws Exception`; any failure means: no reading this time.
            throw new ClockReferenceException(path, "cannot write: " + e, e);
        }
    }
}
