package org.tandem.signer.election;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.tandem.keysync.testing.TestTiming;

/**
 * One simulated signer node for the ITs: its own Curator client (so its own ZooKeeper session, like a
 * separate process), its election, its ledger and a recording listener.
 */
final class ElectionNode implements AutoCloseable {
    /** Fast enough for tests, slow enough for a loaded 2-core machine. */
    static final ElectionSettings FAST = new ElectionSettings(Duration.ofMillis(200), 0.5, Duration.ofMillis(300));

    final String name;
    final CuratorFramework client;
    final KeySyncedElection election;
    final PublishLedger ledger;
    final RecordingListener listener = new RecordingListener();

    ElectionNode(String connectString, String root, String name, KeySyncCheck check, Duration sessionTimeout) {
        this(connectString, root, name, check, sessionTimeout, System::nanoTime);
    }

    ElectionNode(
            String connectString,
            String root,
            String name,
            KeySyncCheck check,
            Duration sessionTimeout,
            LongSupplier nanoTime) {
        this.name = name;
        this.client = connect(connectString, sessionTimeout);
        this.election = new KeySyncedElection(ElectionSetup.of(client, root, name, check, FAST, Clock.systemUTC())
                .withNanoTime(nanoTime));
        this.ledger = new PublishLedger(client, root, Clock.systemUTC());
        election.addListener(listener);
    }

    static CuratorFramework connect(String connectString, Duration sessionTimeout) {
        Duration session = TestTiming.scaled(sessionTimeout);
        CuratorFramework c = CuratorFrameworkFactory.builder()
                .connectString(connectString)
                .sessionTimeoutMs((int) session.toMillis())
                .connectionTimeoutMs((int) Math.min(session.toMillis(), 5_000))
                .retryPolicy(new ExponentialBackoffRetry(100, 3))
                .build();
        c.start();
        try {
            if (!c.blockUntilConnected(10, TimeUnit.SECONDS)) {
                c.close();
                throw new IllegalStateException("not connected to " + connectString);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.close();
            throw new IllegalStateException("interrupted", e);
        }
        return c;
    }

    ElectionNode start() {
        election.start();
        return this;
    }

    boolean leads() {
        return election.leadership().isPresent();
    }

    Leadership leadership() {
        return election.leadership()
                .orElseThrow(() -> new AssertionError(name + " does not lead: " + election.state()));
    }

    @Override
    public void close() {
        election.close();
        client.close();
    }
}
