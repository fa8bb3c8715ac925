package org.tandem.keysync.manifest;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.zookeeper.server.embedded.ExitHandler;
import org.apache.zookeeper.server.embedded.ZooKeeperServerEmbedded;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.grpc.TlsMaterialException;

/**
 * A single-node ZooKeeper server inside this JVM, for the embedded demo and for single-machine use.
 *
 * <p>It listens on 127.0.0.1 only, with the admin server disabled, and keeps its snapshots and
 * transaction logs in the given data directory, so a restart on the same directory sees the same
 * manifests (old snapshots are purged every hour, the last three are kept). A fatal server error is
 * logged ({@link ExitHandler#LOG_ONLY}); it never exits the JVM.
 *
 * <p>Lifecycle: {@link #start} returns a running server; the caller owns it and {@link #close()} stops it
 * and releases the port. Thread-safe.
 *
 * <p>{@link #start(Path, int, TlsMaterial)} serves TLS only, with client certificates of the cluster
 * CA required and turned into roles for the ACLs ({@link ZooKeeperServerTls}); connect to it with
 * {@link ZooKeeperClientSettings#tls}. {@link #start(Path, int)} serves plaintext without
 * authentication, for labs only, and says so in a warning.
 *
 * <p>IMPORTANT: one server is not a cluster and has no replica; use a real ensemble (three or five
 * nodes) for an active/standby signer pair on separate machines.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedZooKeeper.class);
    private static final String HOST = "127.0.0.1";
    private static final long START_TIMEOUT_MILLIS = 30_000;

    private final ZooKeeperServerEmbedded server;
    private final int port;
    private final Path dataDir;
    private final Map<String, String> tlsProperties;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedZooKeeper(
            ZooKeeperServerEmbedded server, int port, Path dataDir, Map<String, String> tlsProperties) {
        this.server = server;
        this.port = port;
        this.dataDir = dataDir;
        this.tlsProperties = tlsProperties;
    }

    /**
     * Starts a server that serves TLS only, requires a client certificate of the cluster CA and knows
     * clients by the role in it ({@link TandemX509AuthenticationProvider}); see {@link #start(Path,
     * int)} for the rest.
     *
     * @param serverTls the server's certificate (cluster CA, {@code serverAuth}, naming 127.0.0.1), key
     *     and the cluster CA that client certificates must chain to
     * @throws ManifestStoreUnavailableException as {@link #start(Path, int)}, or when the TLS files
     *     cannot be used
     */
    public static EmbeddedZooKeeper start(Path dataDir, int port, TlsMaterial serverTls)
            throws ManifestStoreUnavailableException {
        Objects.requireNonNull(serverTls, "serverTls");
        return start(dataDir, port, Optional.of(serverTls));
    }

    /**
     * Starts a server and waits until it serves clients.
     *
     * @param dataDir directory for snapshots and transaction logs; created if missing, reused if it
     *     holds data from an earlier run
     * @param port the client port on 127.0.0.1, or 0 to pick a free port ({@link #connectString()} tells
     *     which)
     * @return the running server; close it
     * @throws ManifestStoreUnavailableException if the data directory cannot be created, the port is in
     *     use, or the server does not come up in time
     * @throws IllegalArgumentException if the port is outside 0..65535
     */
    public static EmbeddedZooKeeper start(Path dataDir, int port) throws ManifestStoreUnavailableException {
        LOG.warn(
                "event=zookeeper-insecure-plaintext reason=\"embedded ZooKeeper without TLS, authentication or"
                        + " ACLs: anyone who reaches 127.0.0.1:{} can rewrite the epoch, the ledger and the manifests."
                        + " Lab use only.\"",
                port);
        return start(dataDir, port, Optional.empty());
    }

    private static EmbeddedZooKeeper start(Path dataDir, int port, Optional<TlsMaterial> tls)
            throws ManifestStoreUnavailableException {
        Objects.requireNonNull(dataDir, "dataDir");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        String requested = HOST + ":" + port;
        Path absoluteDataDir = dataDir.toAbsolutePath();
        if (port != 0 && !isFree(port)) {
            throw new ManifestStoreUnavailableException(
                    requested,
                    "cannot start embedded: port " + port + " is in use (data dir " + absoluteDataDir + ")",
                    null);
        }
        Path configDir = null;
        ZooKeeperServerEmbedded server = null;
        try {
            Files.createDirectories(absoluteDataDir);
            // ZooKeeperServerEmbedded writes its configuration into a fresh file below baseDir on every
            // start and parses it in build(); a scratch directory keeps the data directory clean.
            configDir = Files.createTempDirectory("tandem-zookeeper-config");
            Properties configuration = configuration(absoluteDataDir, port);
            Map<String, String> secure = Map.of();
            if (tls.isPresent()) {
                configuration.remove("clientPort");
                int securePort = port != 0 ? port : freePort();
                secure = ZooKeeperServerTls.clientProperties(
                        securePort,
                        ZooKeeperTlsFiles.keyStore(tls.get()),
                        tls.get().trustedCertificates());
                configuration.putAll(secure);
                configuration.setProperty("secureClientPortAddress", HOST);
                configuration.remove("clientPortAddress");
                ZooKeeperServerTls.prepareInProcess(secure);
            }
            server = ZooKeeperServerEmbedded.builder()
                    .baseDir(configDir)
                    .configuration(configuration)
                    .exitHandler(ExitHandler.LOG_ONLY)
                    .build();
            server.start(START_TIMEOUT_MILLIS);
            int actualPort = tls.isPresent() ? server.getSecureClientPort() : server.getClientPort();
            EmbeddedZooKeeper started = new EmbeddedZooKeeper(server, actualPort, absoluteDataDir, secure);
            LOG.info(
                    "embedded zookeeper started zookeeper={} tls={} dataDir={}",
                    started.connectString(),
                    tls.isPresent(),
                    absoluteDataDir);
            return started;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(server);
            throw new ManifestStoreUnavailableException(
                    requested, "embedded: interrupted while starting (data dir " + absoluteDataDir + ")", e);
        } catch (TlsMaterialException e) {
            closeQuietly(server);
            throw new ManifestStoreUnavailableException(requested, "embedded: " + e.getMessage(), e);
        } catch (Exception e) {
            // ZooKeeperServerEmbedded declares `throws Exception` for build() and start().
            closeQuietly(server);
            throw new ManifestStoreUnavailableException(
                    requested,
                    "embedded did not start (timeout " + START_TIMEOUT_MILLIS / 1000 + " s, data dir " + absoluteDataDir
                            + "): " + e,
                    e);
        } finally {
            deleteRecursively(configDir);
        }
    }

    private static Properties configuration(Path dataDir, int port) {
        Properties p = new Properties();
        p.setProperty("dataDir", dataDir.toString());
        p.setProperty("clientPort", Integer.toString(port));
        p.setProperty("clientPortAddress", HOST);
        p.setProperty("tickTime", "2000");
        p.setProperty("admin.enableServer", "false");
        p.setProperty("autopurge.snapRetainCount", "3");
        p.setProperty("autopurge.purgeInterval", "1");
        return p;
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return probe.getLocalPort();
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(InetAddress.getByName(HOST), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Closes a server that may have failed half-way through its start. ZooKeeper's close then can
     * wait forever for an accept thread that never ran, so it gets a bounded time on a daemon thread.
     */
    private static void closeQuietly(ZooKeeperServerEmbedded server) {
        if (server == null) {
            return;
        }
        Thread closer = new Thread(server::close, "embedded-zookeeper-close");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (closer.isAlive()) {
            LOG.warn("embedded zookeeper did not close within 5 s after a failed start; leaving it to the JVM exit");
        }
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("could not delete the scratch configuration directory {}: {}", dir, e.toString());
        }
    }

    /** {@code "127.0.0.1:PORT"}, for {@link ZooKeeperManifestStore#connect}. */
    public String connectString() {
        return HOST + ":" + port;
    }

    /** True when the server serves TLS only and authenticates clients by certificate. */
    public boolean secure() {
        return !tlsProperties.isEmpty();
    }

    /** The client port the server listens on (the secure client port with TLS). */
    public int port() {
        return port;
    }

    /** The absolute data directory. */
    public Path dataDir() {
        return dataDir;
    }

    /** Stops the server and releases the port; idempotent. Clients see a connection loss. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            server.close();
            if (secure()) {
                ZooKeeperServerTls.clearInProcess(tlsProperties);
            }
            LOG.info("embedded zookeeper stopped zookeeper={}", connectString());
        }
    }

    @Override
    public String toString() {
        return "EmbeddedZooKeeper[" + connectString() + ", dataDir=" + dataDir + "]";
    }
}
