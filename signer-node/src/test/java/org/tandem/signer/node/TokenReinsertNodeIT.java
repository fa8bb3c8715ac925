package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.keysync.testing.SoftHsmTokens.RemovedToken;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.signer.election.PublishRecord;

/**
 * F10 healed in-process (INV-K6): the leader's SoftHSM2 token is removed (its directory moved away,
 * as the chaos harness's {@code TokenFaults.removeToken} does) and put back. The node leaves the
 * election and says "absent since ..., retrying"; after the token is back the same process (same
 * PID) re-initialises PKCS#11, proves its keys and is eligible again, and later leads and publishes
 * a zone that validates.
 */
class TokenReinsertNodeIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    @TempDir
    Path dir;

    private NodeCluster cluster;

    @BeforeEach
    void tokensKeysAndZone() throws Exception {
        cluster = NodeCluster.twoNodes(dir, ZK.connectString());
    }

    @AfterEach
    void stop() throws Exception {
        cluster.close();
    }

    @Test
    void leaderWhoseTokenIsRemovedAndPutBackRejoinsWithoutARestartAndLeadsAgain() throws Exception {
        NodeProcess a = start("node-a");
        PublishRecord first = cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        NodeProcess b = start("node-b");
        cluster.awaitHealth("node-b", 200, "");
        long pid = a.pid();
        String label = cluster.tokens.spec("node-a").tokenLabel();

        RemovedToken removed = SoftHsmTokens.shared().remove(label);
        try {
            String why = cluster.awaitHealth("node-a", 503, "absent since", "retrying", "token absent");
            assertThat(why).contains("node-a", "not eligible", label);
            cluster.awaitPublish(r -> r.node().equals("node-b") && r.epoch() > first.epoch(), "node-b takes over");
            cluster.awaitMetrics("node-a", "tandem_hsm_absent{hsm=\"node-a\",node=\"node-a\"} 1.0");
            cluster.awaitLog(a, "event=token-reopen-failed attempt=1 .*not found");
        } finally {
            removed.putBack();
            // this JVM's own view of the token (the fixture's HSM) needs the same re-initialisation
            cluster.tokens.hsm("node-a").reopen();
        }

        cluster.awaitHealth("node-a", 200, "");
        assertThat(a.pid()).isEqualTo(pid);
        assertThat(a.alive()).isTrue();
        cluster.awaitLog(a, "event=pkcs11-reinitialised");
        cluster.awaitLog(a, "event=token-back");
        cluster.awaitMetrics("node-a", "tandem_hsm_absent{hsm=\"node-a\",node=\"node-a\"} 0.0");

        b.kill(); // node-a is the only node left: it must lead again, with its proven keys
        PublishRecord again = cluster.awaitPublish(
                r -> r.node().equals("node-a") && r.epoch() > first.epoch() + 1, "node-a leads again");
        assertThat(again.dnskeyFingerprints()).isEqualTo(first.dnskeyFingerprints());
        NodeCluster.validates(cluster.versionFile(again));
        assertThat(a.pid()).isEqualTo(pid);
    }

    private NodeProcess start(String node) throws Exception {
        String transfer = "  transfer: {listen: \"127.0.0.1:" + NodeCluster.freePort() + "\", allow: [127.0.0.1/32]}\n";
        return cluster.start(node, "zones/example.test.zone", "", new NodeCluster.NodeOptions("", transfer, List.of()));
    }
}
