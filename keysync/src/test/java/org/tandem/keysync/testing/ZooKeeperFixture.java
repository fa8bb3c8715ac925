package org.tandem.keysync.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.tandem.keysync.manifest.ZooKeeperClientSettings;

/**
 * A single ZooKeeper server for integration tests: Curator's {@link TestingServer} on a free port of
 * 127.0.0.1 with a temporary data directory, which {@link #close()} deletes.
 *
 * <p>Two ways to use it:
 *
 * <pre>{@code
 * @RegisterExtension static final ZooKeeperFixture ZK = new ZooKeeperFixture();  // started per class
 *
 * try (ZooKeeperFixture zk = ZooKeeperFixture.started()) { ... }                // started now
 * }</pre>
 *
 * <p>{@link #stop()} and {@link #restart()} simulate an outage: the server goes away and comes back on
 * the same port with the same data, so sessions shorter than the outage expire and the data survives.
 * Clients from {@link #newClient()} are closed by {@link #close()}.
 *
 * <p>Timeouts scale with {@code -Dtandem.timing.multiple} (default 1) for slow machines. Not for
 * production code: curator-test is test scope only.
 */
public final class ZooKeeperFixture implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
    private static final double TIMING_MULTIPLE = Double.parseDouble(System.getProperty("tandem.timing.multiple", "1"));

    /** Session timeout of clients from {@link #newClient()}, before the timing multiple. */
    public static final Duration CLIENT_SESSION_TIMEOUT = Duration.ofSeconds(30);

    /** Connection timeout of clients from {@link #newClient()}, before the timing multiple. */
    public static final Duration CLIENT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final List<CuratorFramework> clients = new CopyOnWriteArrayList<>();
    private TestingServer server;

    /** An unstarted fixture: register it as a static JUnit extension, or call {@link #start()}. */
    public ZooKeeperFixture() {}

    /** A started fixture, for try-with-resources. */
    public static ZooKeeperFixture started() {
        return new ZooKeeperFixture().start();
    }

    /**
     * Starts the server on a free port.
     *
     * @throws IllegalStateException if it is already started
     */
    public synchronized ZooKeeperFixture start() {
        if (server != null) {
            throw new IllegalStateException("ZooKeeper fixture already started at " + server.getConnectString());
        }
        try {
            server = new TestingServer(-1, null, true);
        } catch (Exception e) {
            // TestingServer declares `throws Exception`.
            throw new IllegalStateException("ZooKeeper TestingServer did not start", e);
        }
        return this;
    }

    /** {@code "127.0.0.1:PORT"}; stays the same across {@link #stop()} and {@link #restart()}. */
    public synchronized String connectString() {
        return server().getConnectString();
    }

    /**
     * Client settings for this server: explicit insecure plaintext (this test server has no TLS and no
     * authentication), for tests that are not about ZooKeeper's security.
     */
    public ZooKeeperClientSettings clientSettings() {
        return ZooKeeperClientSettings.insecurePlaintext(connectString());
    }

    /** The client port. */
    public synchronized int port() {
        return server().getPort();
    }

    /** Stops the server (an outage); the port and the data are kept for {@link #restart()}. */
    public synchronized void stop() {
        try {
            server().stop();
        } catch (IOException e) {
            throw new UncheckedIOException("ZooKeeper TestingServer did not stop", e);
        }
    }

    /** Starts the server again on the same port with the same data (stops it first if running). */
    public synchronized void restart() {
        try {
            server().restart();
        } catch (Exception e) {
            throw new IllegalStateException("ZooKeeper TestingServer did not restart", e);
        }
    }

    /**
     * A started Curator client, connected to this server, closed by {@link #close()} if the test does
     * not close it first.
     *
     * @throws IllegalStateException if it does not connect within the connect timeout
     */
    public CuratorFramework newClient() {
        int sessionMillis = scaledMillis(CLIENT_SESSION_TIMEOUT);
        int connectMillis = scaledMillis(CLIENT_CONNECT_TIMEOUT);
        CuratorFramework client = CuratorFrameworkFactory.builder()
                .connectString(connectString())
                .sessionTimeoutMs(sessionMillis)
                .connectionTimeoutMs(connectMillis)
                .retryPolicy(new ExponentialBackoffRetry(100, 3))
                .build();
        clients.add(client);
        client.start();
        try {
            if (!client.blockUntilConnected(connectMillis, TimeUnit.MILLISECONDS)) {
                client.close();
                throw new IllegalStateException(
                        "Curator client did not connect to " + connectString() + " within " + connectMillis + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.close();
            throw new IllegalStateException("interrupted while connecting to " + connectString(), e);
        }
        return client;
    }

    /** Closes the clients from {@link #newClient()}, stops the server and deletes its data; idempotent. */
    @Override
    public synchronized void close() {
        for (CuratorFramework client : clients) {
            client.close();
        }
        clients.clear();
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                throw new UncheckedIOException("ZooKeeper TestingServer did not close", e);
            } finally {
                server = null;
            }
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    private TestingServer server() {
        if (server == null) {
            throw new IllegalStateException("ZooKeeper fixture is not started");
        }
        return server;
    }

    private static int scaledMillis(Duration duration) {
        return (int) Math.round(duration.toMillis() * TIMING_MULTIPLE);
    }
}
