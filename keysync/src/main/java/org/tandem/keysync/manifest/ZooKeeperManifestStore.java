package org.tandem.keysync.manifest;

import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.grpc.TlsMaterialException;
import org.tandem.proto.keysync.v1.KeyManifest;

/**
 * The {@link ManifestStore} in ZooKeeper, through Curator.
 *
 * <p>Layout: one znode per zone, {@code <root>/zones/<zone-without-trailing-dot>/keys} (root default
 * {@value #DEFAULT_ROOT}); its data is the binary {@link KeyManifest} protobuf and its data version is
 * the {@link VersionedManifest#version() version}. {@link #create} creates the missing parents as
 * container nodes; {@link #compareAndSet} is {@code setData().withVersion(expectedVersion)}.
 *
 * <p>Lifecycle: {@link #connect} builds, starts and owns a Curator client, and {@link #close()} closes
 * it. The {@linkplain #ZooKeeperManifestStore(CuratorFramework, String) constructor} borrows a started
 * client that the caller keeps owning: {@link #close()} then leaves it open. After {@link #close()}
 * every operation throws {@link IllegalStateException}.
 *
 * <p>Threads: safe for concurrent use; the store holds no state besides the (thread-safe) client.
 * Operations block the calling thread.
 *
 * <p>Connection loss: each operation is retried by Curator ({@link ExponentialBackoffRetry}: 3 retries,
 * backing off from 250 ms), each attempt waiting up to the connection timeout for the connection to
 * come back. Then the operation fails with {@link ManifestStoreUnavailableException} naming the connect
 * string, the zone and the path (with a 1 s connect timeout, after about 7 s). ConnectionLoss, SessionExpired, timeouts
 * and every other ZooKeeper error that is not a conflict map to that exception. If a write was retried after a
 * connection loss and the retry hit our own first attempt (NodeExists or BadVersion with exactly our bytes at exactly
 * the version our write produces), the write is reported as the success it was.
 *
 * <p>IMPORTANT: write these znodes only through a {@link ManifestStore}; a hand-written znode is
 * reported as {@link ManifestCorruptException}, and a {@code setData} without a version silently
 * discards another writer's change.
 */
public final class ZooKeeperManifestStore implements ManifestStore, AutoCloseable {
    /** The root used by every Tandem process unless configured otherwise. */
    public static final String DEFAULT_ROOT = ZooKeeperLayout.DEFAULT_ROOT;

    /** The ZooKeeper session timeout of the client built by {@link #connect}. */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(30);

    static final int BASE_RETRY_SLEEP_MILLIS = 250;
    static final int MAX_RETRIES = 3;

    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperManifestStore.class);

    private final CuratorFramework client;
    private final boolean ownsClient;
    private final String connectString;
    private final ManifestPaths paths;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Connects to ZooKeeper and returns a store that owns its client.
     *
     * @param settings connect string and TLS ({@link ZooKeeperClientSettings})
     * @param root absolute ZooKeeper path of the store, usually {@link #DEFAULT_ROOT}
     * @param connectTimeout how long to wait for the first connection, and for a lost connection to
     *     come back during each attempt of an operation
     * @return a connected store; close it
     * @throws ManifestStoreUnavailableException if no connection is established within {@code
     *     connectTimeout}; the client is closed again
     * @throws IllegalArgumentException if the root is not a valid ZooKeeper path or the timeout is not
     *     positive
     */
    public static ZooKeeperManifestStore connect(ZooKeeperClientSettings settings, String root, Duration connectTimeout)
            throws ManifestStoreUnavailableException {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        String connectString = settings.connectString();
        if (connectTimeout.compareTo(Duration.ofMillis(1)) < 0
                || connectTimeout.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException(
                    "connectTimeout must be between 1 ms and 24 days, got " + connectTimeout);
        }
        ManifestPaths paths = new ManifestPaths(root);
        int connectMillis = (int) connectTimeout.toMillis();
        CuratorFrameworkFactory.Builder builder;
        try {
            builder = settings.curatorBuilder();
        } catch (TlsMaterialException e) {
            throw new ManifestStoreUnavailableException(connectString, "not connected: " + e.getMessage(), e);
        }
        CuratorFramework client = builder.sessionTimeoutMs(
                        Math.max((int) DEFAULT_SESSION_TIMEOUT.toMillis(), connectMillis))
                .connectionTimeoutMs(connectMillis)
                .retryPolicy(new ExponentialBackoffRetry(BASE_RETRY_SLEEP_MILLIS, MAX_RETRIES))
                .build();
        boolean connected;
        try {
            client.start();
            connected = client.blockUntilConnected(connectMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.close();
            throw new ManifestStoreUnavailableException(
                    connectString, "not connected: interrupted while waiting for the connection", e);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
        if (!connected) {
            client.close();
            throw new ManifestStoreUnavailableException(
                    connectString,
                    "unreachable after " + describe(connectTimeout)
                            + " (is it running? connect string from --zookeeper or the hsm config; with TLS, does it"
                            + " trust our cluster CA and present a certificate of it?)",
                    null);
        }
        LOG.info("manifest store connected zookeeper={} root={} tls={}", connectString, root, settings.secure());
        return new ZooKeeperManifestStore(client, true, connectString, paths);
    }

    /**
     * A store on a client the caller owns and keeps open for as long as the store is used; {@link
     * #close()} does not close it.
     *
     * @param client a started Curator client, without a namespace
     * @param root absolute ZooKeeper path of the store, usually {@link #DEFAULT_ROOT}
     * @throws IllegalStateException if the client is not started
     * @throws IllegalArgumentException if the root is not a valid ZooKeeper path
     */
    public ZooKeeperManifestStore(CuratorFramework client, String root) {
        this(requireStarted(client), false, connectStringOf(client), new ManifestPaths(root));
    }

    private ZooKeeperManifestStore(
            CuratorFramework client, boolean ownsClient, String connectString, ManifestPaths paths) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.connectString = connectString;
        this.paths = paths;
    }

    private static CuratorFramework requireStarted(CuratorFramework client) {
        Objects.requireNonNull(client, "client");
        if (client.getState() != CuratorFrameworkState.STARTED) {
            throw new IllegalStateException("Curator client must be started, is " + client.getState());
        }
        return client;
    }

    private static String connectStringOf(CuratorFramework client) {
        String current = client.getZookeeperClient().getCurrentConnectionString();
        return current != null ? current : "(unknown connect string)";
    }

    @Override
    public Optional<VersionedManifest> read(String zone) throws ManifestException {
        String path = paths.manifestPath(zone);
        ensureOpen();
        Optional<Stored> stored = readStored(zone, path, "reading the manifest");
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        KeyManifest manifest = parse(zone, path, stored.get());
        return Optional.of(new VersionedManifest(manifest, stored.get().version));
    }

    @Override
    public Optional<Integer> version(String zone) throws ManifestException {
        String path = paths.manifestPath(zone);
        ensureOpen();
        try {
            Stat stat = client.checkExists().forPath(path);
            return stat == null ? Optional.empty() : Optional.of(stat.getVersion());
        } catch (Exception e) {
            throw unavailable(e, zone, path, "reading the manifest's version");
        }
    }

    @Override
    public VersionedManifest create(KeyManifest manifest) throws ManifestException {
        Objects.requireNonNull(manifest, "manifest");
        String zone = manifest.getZone();
        String path = paths.manifestPath(zone);
        ensureOpen();
        byte[] bytes = manifest.toByteArray();
        Stat stat = new Stat();
        try {
            client.create()
                    .creatingParentContainersIfNeeded()
                    .storingStatIn(stat)
                    .forPath(path, bytes);
        } catch (KeeperException.NodeExistsException e) {
            return resolveConflict(zone, path, ManifestConflictException.NO_MANIFEST, manifest, bytes, e);
        } catch (Exception e) {
            throw unavailable(e, zone, path, "creating the manifest");
        }
        LOG.debug(
                "zone={} manifest created version={} keys={} path={}",
                zone,
                stat.getVersion(),
                manifest.getKeysCount(),
                path);
        return new VersionedManifest(manifest, stat.getVersion());
    }

    @Override
    public VersionedManifest compareAndSet(int expectedVersion, KeyManifest manifest) throws ManifestException {
        Objects.requireNonNull(manifest, "manifest");
        String zone = manifest.getZone();
        String path = paths.manifestPath(zone);
        if (expectedVersion < 0) {
            // ZooKeeper reads version -1 as "any version", which would defeat the compare-and-set.
            throw new IllegalArgumentException(
                    "expected version must not be negative, got " + expectedVersion + " for zone " + zone);
        }
        ensureOpen();
        byte[] bytes = manifest.toByteArray();
        Stat stat;
        try {
            stat = client.setData().withVersion(expectedVersion).forPath(path, bytes);
        } catch (KeeperException.BadVersionException e) {
            return resolveConflict(zone, path, expectedVersion, manifest, bytes, e);
        } catch (KeeperException.NoNodeException e) {
            throw new ManifestConflictException(zone, path, expectedVersion, ManifestConflictException.NO_MANIFEST, e);
        } catch (Exception e) {
            throw unavailable(e, zone, path, "writing the manifest");
        }
        LOG.debug(
                "zone={} manifest written version={} keys={} path={}",
                zone,
                stat.getVersion(),
                manifest.getKeysCount(),
                path);
        return new VersionedManifest(manifest, stat.getVersion());
    }

    @Override
    public List<String> zones() throws ManifestException {
        String zonesPath = paths.zonesPath();
        ensureOpen();
        List<String> nodes;
        try {
            nodes = client.getChildren().forPath(zonesPath);
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        } catch (Exception e) {
            throw unavailable(e, null, zonesPath, "listing the zones");
        }
        List<String> zones = new ArrayList<>(nodes.size());
        for (String node : nodes) {
            Optional<String> zone = ManifestPaths.zoneOfNode(node);
            if (zone.isEmpty()) {
                LOG.warn("ignoring znode {}/{}: not a valid zone name", zonesPath, node);
                continue;
            }
            String path = paths.manifestPathOfNode(node);
            try {
                if (client.checkExists().forPath(path) != null) {
                    zones.add(zone.get());
                }
            } catch (Exception e) {
                throw unavailable(e, zone.get(), path, "listing the zones, looking for the manifest");
            }
        }
        Collections.sort(zones);
        return List.copyOf(zones);
    }

    /** Closes the Curator client if this store owns it (see {@link #connect}); idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && ownsClient) {
            client.close();
            LOG.info("manifest store closed zookeeper={} root={}", connectString, paths.root());
        }
    }

    @Override
    public String toString() {
        return "ZooKeeperManifestStore[zookeeper=" + connectString + ", root=" + paths.root() + "]";
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("manifest store is closed: " + this);
        }
    }

    /**
     * Decides a NodeExists or BadVersion: our own earlier attempt (Curator retried the request after a
     * connection loss and the first attempt had reached the server) or another writer.
     */
    private VersionedManifest resolveConflict(
            String zone, String path, int expectedVersion, KeyManifest manifest, byte[] bytes, KeeperException cause)
            throws ManifestException {
        // NO_MANIFEST (-1) + 1 == 0, the version of a fresh znode; ZooKeeper versions wrap like ints.
        int versionOfOurWrite = expectedVersion + 1;
        Optional<Stored> current;
        try {
            current = readStored(zone, path, "checking a conflicting write of the manifest");
        } catch (ManifestStoreUnavailableException e) {
            e.addSuppressed(cause);
            throw e;
        }
        if (current.isPresent()
                && current.get().version == versionOfOurWrite
                && Arrays.equals(current.get().data, bytes)) {
            LOG.debug(
                    "zone={} manifest write found applied after a retried request version={}", zone, versionOfOurWrite);
            return new VersionedManifest(manifest, versionOfOurWrite);
        }
        int actualVersion = current.map(s -> s.version).orElse(ManifestConflictException.NO_MANIFEST);
        throw new ManifestConflictException(zone, path, expectedVersion, actualVersion, cause);
    }

    private Optional<Stored> readStored(String zone, String path, String operation)
            throws ManifestStoreUnavailableException {
        Stat stat = new Stat();
        try {
            byte[] data = client.getData().storingStatIn(stat).forPath(path);
            return Optional.of(new Stored(data != null ? data : new byte[0], stat.getVersion()));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw unavailable(e, zone, path, operation);
        }
    }

    private static KeyManifest parse(String zone, String path, Stored stored) throws ManifestCorruptException {
        KeyManifest manifest;
        try {
            manifest = KeyManifest.parseFrom(stored.data);
        } catch (InvalidProtocolBufferException e) {
            throw new ManifestCorruptException(
                    zone,
                    path,
                    stored.version,
                    "its " + stored.data.length + " bytes are not a KeyManifest protobuf (" + e.getMessage() + ")",
                    e);
        }
        if (!manifest.getZone().equals(zone)) {
            throw new ManifestCorruptException(
                    zone, path, stored.version, "it is a manifest of zone '" + manifest.getZone() + "'", null);
        }
        return manifest;
    }

    /**
     * Translates a failure of a Curator call. Curator declares {@code throws Exception}: a
     * RuntimeException is a programming or lifecycle error and propagates unchanged; every checked
     * exception left after the caller's conflict and no-node cases means ZooKeeper could not do it.
     */
    private ManifestStoreUnavailableException unavailable(Exception e, String zone, String path, String operation) {
        if (e instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new ManifestStoreUnavailableException(connectString, zone, path, operation, e);
    }

    /** "5 s" for whole seconds, "1500 ms" otherwise. */
    static String describe(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }

    /** The raw data of a manifest znode and its version. */
    private static final class Stored {
        final byte[] data;
        final int version;

        Stored(byte[] data, int version) {
            this.data = data;
            this.version = version;
        }
    }
}
