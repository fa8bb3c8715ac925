package org.tandem.signer.election;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.tandem.keysync.testing.ZooKeeperFixture;

/**
 * The {@link ElectionNode}s of one test, under a ZooKeeper root named for the test method ({@code /it-<method>}):
 * register with {@code @RegisterExtension}; after the test every node still held is closed and its listener's
 * contract asserted.
 */
final class ElectionNodes implements BeforeEachCallback, AfterEachCallback {
    /** Long enough that no session expires by accident on a loaded machine. */
    static final Duration SESSION = Duration.ofSeconds(20);

    private final ZooKeeperFixture zk;
    private final List<ElectionNode> nodes = new ArrayList<>();
    private String root;

    ElectionNodes(ZooKeeperFixture zk) {
        this.zk = zk;
    }

    /**
     * What a paused JVM holds: {@code term}, checked valid just now with an hour of lease left (its own
     * lease check passes; only ZooKeeper's epoch check can stop what it sends).
     */
    static Leadership withAnHourOfLease(Leadership term) {
        return new Leadership(
                term.node(),
                term.epoch(),
                term.latchNode(),
                term.epochPath(),
                Instant.now(),
                Duration.ofHours(1),
                System.nanoTime(),
                System::nanoTime);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        root = "/it-" + context.getRequiredTestMethod().getName();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        nodes.forEach(ElectionNode::close);
        nodes.forEach(n -> n.listener.assertContractKept());
        nodes.clear();
    }

    /** The test's ZooKeeper root. */
    String root() {
        return root;
    }

    /** A node under the test's root with a {@link #SESSION} session, not started. */
    ElectionNode node(String name, KeySyncCheck check) {
        return node(name, check, SESSION);
    }

    ElectionNode node(String name, KeySyncCheck check, Duration session) {
        return add(new ElectionNode(zk.connectString(), root, name, check, session));
    }

    /** Holds a node the test made itself, to close after it. */
    ElectionNode add(ElectionNode node) {
        nodes.add(node);
        return node;
    }

    /** Lets go of a node the test closed itself: neither closed again nor its contract asserted. */
    void forget(ElectionNode node) {
        nodes.remove(node);
    }

    /** Lets go of every node held (the test closed them all itself). */
    void forgetAll() {
        nodes.clear();
    }
}
