package org.tandem.signer.election;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.grpc.TlsMaterialException;
import org.tandem.keysync.manifest.ManifestStore;
import org.tandem.keysync.manifest.ZooKeeperClientSettings;
import org.tandem.keysync.manifest.ZooKeeperLayout;
import org.tandem.keysync.manifest.ZooKeeperManifestStore;

/**
 * A signer node's one ZooKeeper session, shared by its election, its publish ledger and its view of
 * the key manifests, so that all three see the same connection state: when the session is SUSPENDED
 * or LOST, the election revokes leadership and the ledger's commits fail, together.
 *
 * <p>The session timeout is what the lease is derived from (the lease is a fraction of the
 * negotiated timeout, INV-L3). {@link #connect} does not fail when ZooKeeper is down: it waits up to
 * the connect timeout, logs, and lets Curator keep trying; a node without ZooKeeper never leads.
 *
 * <p>Owns the Curator client: {@link #close()} closes it, after the users built on it are closed.
 */
public final class ClusterConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterConnection.class);
    private static final int BASE_RETRY_MILLIS = 250;
    private static final int MAX_RETRIES = 3;

    private final CuratorFramework client;
    private final String connectString;
    private final String root;

    private ClusterConnection(CuratorFramework client, String connectString, String root) {
        this.client = client;
        this.connectString = connectString;
        this.root = root;
    }

    /**
     * Starts the session.
     *
     * @param settings connect string and TLS ({@link ZooKeeperClientSettings}): the node's certificate
     *     ({@code OU=node}) makes it a writer of the Tandem znodes, which it creates with role ACLs
     * @param root the Tandem root ({@code /tandem}), shared by manifests, election and ledger
     * @param sessionTimeout requested session timeout (the server may negotiate it within its bounds)
     * @param connectTimeout how long to wait for the first connection before going on without it
     * @throws InterruptedException if interrupted while waiting; nothing is left open
     * @throws TlsMaterialException naming the TLS file that cannot be used and why; nothing is opened
     */
    public static ClusterConnection connect(
            ZooKeeperClientSettings settings, String root, Duration sessionTimeout, Duration connectTimeout)
            throws InterruptedException, TlsMaterialException {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(root, "root");
        String connectString = settings.connectString();
        CuratorFramework client = settings.curatorBuilder()
                .sessionTimeoutMs((int) sessionTimeout.toMillis())
                .connectionTimeoutMs((int) Math.min(sessionTimeout.toMillis(), connectTimeout.toMillis()))
                .retryPolicy(new ExponentialBackoffRetry(BASE_RETRY_MILLIS, MAX_RETRIES))
                .build();
        client.start();
        try {
            if (!client.blockUntilConnected((int) connectTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.error(
                        "event=zookeeper-unreachable zookeeper={} waited-ms={} reason=\"not connected yet; the node "
                                + "stays out of the election and keeps trying\"",
                        connectString,
                        connectTimeout.toMillis());
            } else {
                LOG.info(
                        "event=zookeeper-connected zookeeper={} root={} tls={} session-timeout-ms={}",
                        connectString,
                        root,
                        settings.secure(),
                        client.getZookeeperClient().getZooKeeper().getSessionTimeout());
            }
        } catch (InterruptedException e) {
            client.close();
            throw e;
        } catch (Exception e) {
            LOG.warn("event=zookeeper-session-unknown zookeeper={} reason=\"{}\"", connectString, e.toString());
        }
        return new ClusterConnection(client, connectString, root);
    }

    /** The connect string, for messages. */
    public String connectString() {
        return connectString;
    }

    /** The key manifests, on this session. */
    public ManifestStore manifests() {
        return new ZooKeeperManifestStore(client, root);
    }

    /** The publish ledger, on this session. */
    public PublishLedger ledger(Clock clock) {
        return new PublishLedger(client, root, clock);
    }

    /** A key-synced election on this session; the caller adds listeners, starts and closes it. */
    public KeySyncedElection election(String node, KeySyncCheck check, ElectionSettings settings, Clock clock) {
        return new KeySyncedElection(ElectionSetup.of(client, root, node, check, settings, clock));
    }

    /**
     * A key-synced election on this session that also keeps the node out while its clock disagrees
     * with ZooKeeper's (INV-D5); {@code clockGuard} from {@link #clockGuard}.
     */
    public KeySyncedElection election(
            String node, KeySyncCheck check, ElectionSettings settings, Clock clock, ClockGuard clockGuard) {
        return new KeySyncedElection(
                ElectionSetup.of(client, root, node, check, settings, clock).withClockGuard(clockGuard));
    }

    /**
     * As {@link #election(String, KeySyncCheck, ElectionSettings, Clock, ClockGuard)}, running {@code
     * takeoverCheck} after each win and before the epoch bump (a refusal: the node does not lead).
     */
    public KeySyncedElection election(
            String node,
            KeySyncCheck check,
            ElectionSettings settings,
            Clock clock,
            ClockGuard clockGuard,
            TakeoverCheck takeoverCheck) {
        return new KeySyncedElection(ElectionSetup.of(client, root, node, check, settings, clock)
                .withClockGuard(clockGuard)
                .withTakeoverCheck(takeoverCheck));
    }

    /**
     * The clock-skew guard of node {@code node} against ZooKeeper server time (INV-D5): its reference
     * writes {@code <root>/cluster/clocks/<node>} and reads the mtime. Pass it to {@link #election} (which
     * samples it) and check it before signing.
     *
     * @param maxSkew the threshold, positive
     * @param clock the wall clock the node signs with
     */
    public ClockGuard clockGuard(String node, Duration maxSkew, Clock clock) {
        ZooKeeperLayout layout = new ZooKeeperLayout(root);
        return new ClockGuard(
                node,
                new ZooKeeperClockReference(client, layout, node, clock, System::nanoTime),
                "ZooKeeper",
                maxSkew,
                clock);
    }

    /** True while the session is connected. */
    public boolean connected() {
        return client.getZookeeperClient().isConnected();
    }

    @Override
    public void close() {
        client.close();
    }
}
