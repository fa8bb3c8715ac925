package org.tandem.cli.twosite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tandem.cli.twosite.TwoSiteCluster.node;
import static org.tandem.cli.twosite.TwoSiteCluster.role;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The plumbing of the two-site tests: every machine its own container, one network per data centre
 * and a WAN. A real ZooKeeper ensemble across the three sites; both signer nodes up, each with the
 * token initialised in its own container; the operator's {@code signerctl status} (in the operator's
 * container, through the coordinator in dc3) sees both; a cut of dc1's uplink makes node-a
 * unreachable from the coordinator, and the repair brings it back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoSitePlumbingIT {
    @RegisterExtension
    static final ClusterPerClass SITES = new ClusterPerClass("plumbing");

    @Test
    @Order(1)
    void theZooKeeperEnsembleSpansTheThreeSitesWithOneLeader() throws Exception {
        Map<String, String> modes = new HashMap<>();
        for (String zk : new String[] {"zk1", "zk2", "zk3"}) {
            // ZooKeeper's 'srvr' four-letter word, asked over the WAN from the coordinator's machine in dc3,
            // over TLS with the coordinator's certificate (the voters have no plaintext port)
            TwoSiteCluster.Exec srvr = cluster()
                    .exec(
                            "coordinator",
                            "bash",
                            "-c",
                            "(echo srvr; sleep 2) | timeout 20 openssl s_client -quiet -connect " + zk + ":"
                                    + TwoSiteCluster.ZK_PORT
                                    + " -CAfile /etc/tandem/tls/ca.crt -cert /etc/tandem/tls/coordinator.crt"
                                    + " -key /etc/tandem/tls/coordinator.key 2>/dev/null");
            assertThat(srvr.exit()).as(srvr.toString()).isZero();
            modes.put(
                    zk,
                    srvr.stdout()
                            .lines()
                            .filter(l -> l.startsWith("Mode: "))
                            .findFirst()
                            .orElse(srvr.toString()));
        }
        assertThat(modes.values())
                .as(modes.toString())
                .containsOnly("Mode: leader", "Mode: follower")
                .filteredOn("Mode: leader"::equals)
                .hasSize(1);
    }

    @Test
    @Order(2)
    void eachNodeHasOnlyItsOwnTokenInItsOwnContainerAndTheOperatorHasNone() throws Exception {
        for (String node : TwoSiteCluster.NODES) {
            String other = node.equals("node-a") ? "node-b" : "node-a";
            TwoSiteCluster.Exec slots = cluster().exec(node, "softhsm2-util", "--show-slots");
            assertThat(slots.exit()).as(slots.toString()).isZero();
            assertThat(slots.stdout())
                    .as(slots.toString())
                    .containsPattern("Label: +" + node + " ")
                    .doesNotContain(other);
            TwoSiteCluster.Exec files = cluster().exec(node, "ls", "/etc/tandem/hsm", "/etc/tandem/tls");
            assertThat(files.stdout())
                    .as(files.toString())
                    .contains(node + ".pin", node + ".key")
                    .doesNotContain(other);
        }
        TwoSiteCluster.Exec operator = cluster()
                .exec("operator", "sh", "-c", "ls /var/lib/tandem/tokens /etc/tandem/hsm 2>&1; ls /etc/tandem/tls");
        assertThat(operator.stdout())
                .as(operator.toString())
                .contains("No such file or directory")
                .contains("operator.crt", "operator.key")
                .doesNotContain("node-a", "node-b");
    }

    @Test
    @Order(3)
    void theOperatorsSignerctlStatusSeesBothNodesThroughTheCoordinator() throws Exception {
        JsonNode status = awaitStatus(
                "both nodes answering the coordinator",
                s -> !role(s, "node-a").equals("unreachable")
                        && !role(s, "node-b").equals("unreachable"));
        assertThat(node(status, "node-a").path("site").asText()).isEqualTo("dc1");
        assertThat(node(status, "node-b").path("site").asText()).isEqualTo("dc2");
        assertThat(node(status, "node-a").path("endpoint").asText())
                .isEqualTo("node-a:" + TwoSiteCluster.NODE_GRPC_PORT);
        for (String n : TwoSiteCluster.NODES) {
            assertThat(node(status, n).path("zones").toString()).as(n).contains(TwoSiteCluster.ZONE);
        }
        TwoSiteCluster.Exec table = cluster().signerctl("status");
        assertThat(table.exit()).as(table.toString()).isZero();
        assertThat(table.stdout()).as(table.toString()).contains("node-a", "dc1", "node-b", "dc2");
    }

    @Test
    @Order(4)
    void aCutOfDc1sUplinkMakesNodeAUnreachableFromTheCoordinatorUntilItIsRepaired() throws Exception {
        awaitStatus(
                "both nodes answering before the cut",
                s -> !role(s, "node-a").equals("unreachable")
                        && !role(s, "node-b").equals("unreachable"));
        cluster().cutSite("dc1");
        try {
            JsonNode cut = awaitStatus(
                    "node-a unreachable after dc1's uplink is cut",
                    s -> role(s, "node-a").equals("unreachable"));
            assertThat(node(cut, "node-a").path("reasons").toString()).contains("GetStatus on node-a failed");
            assertThat(role(cut, "node-b")).isNotEqualTo("unreachable");
            // inside dc1 the LAN still works: node-a reaches zk1, but no machine of another site
            assertThat(cluster()
                            .exec("node-a", "bash", "-c", "exec 3<>/dev/tcp/zk1/" + TwoSiteCluster.ZK_PORT)
                            .exit())
                    .isZero();
            assertThat(cluster()
                            .exec(
                                    "node-a",
                                    "bash",
                                    "-c",
                                    "timeout 3 bash -c 'exec 3<>/dev/tcp/zk3/" + TwoSiteCluster.ZK_PORT + "'")
                            .exit())
                    .isNotZero();
        } finally {
            cluster().restoreSite("dc1");
        }
        awaitStatus(
                "node-a answering again after the repair",
                s -> !role(s, "node-a").equals("unreachable"));
        System.err.printf(
                Locale.ROOT,
                "twosite: timings: images %.1f s, cluster start %.1f s%n",
                cluster().imageTime().toMillis() / 1000.0,
                cluster().startTime().toMillis() / 1000.0);
    }

    private static JsonNode awaitStatus(String what, Predicate<JsonNode> condition) throws InterruptedException {
        return cluster().awaitStatus(what, Duration.ofSeconds(60), condition);
    }

    private static TwoSiteCluster cluster() {
        return SITES.cluster();
    }
}
