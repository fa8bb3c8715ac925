package org.tandem.chaos.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.testing.Prerequisites;

/** The network faults do what they claim: a dead switch cuts a site off, a partition cuts only its two sites. */
class TopologyIT {
    static Topology net;

    @BeforeAll
    static void up() {
        Prerequisites.require(
                "root".equals(System.getProperty("user.name")), "root (network namespaces; CI runs as root)");
        net = Topology.create();
    }

    @AfterAll
    static void down() {
        if (net != null) {
            net.close();
            assertThat(Ip.quiet("ip", "netns", "list")).doesNotContain(Topology.PREFIX);
        }
    }

    /**
     * A TCP connect to a closed port: "refused" means the host answered, a timeout or "unreachable" that it did not.
     */
    static boolean reaches(String fromHost, String toHost) throws Exception {
        Process p = new ProcessBuilder(
                        "ip",
                        "netns",
                        "exec",
                        net.host(fromHost).namespace(),
                        "timeout",
                        "2",
                        "bash",
                        "-c",
                        "</dev/tcp/" + net.host(toHost).address() + "/9")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.contains("refused");
    }

    @Test
    void aDeadSwitchCutsItsSiteOffAndComesBack() throws Exception {
        assertThat(reaches("dc1-signer", "dc2-zk")).isTrue();
        assertThat(reaches("dc1-signer", "dc1-zk")).isTrue();
        net.switchDown("dc1");
        try {
            assertThat(reaches("dc1-signer", "dc1-zk"))
                    .as("inside the dead switch")
                    .isFalse();
            assertThat(reaches("dc2-signer", "dc1-zk")).as("from outside").isFalse();
            assertThat(reaches("dc2-signer", "dc3-zk")).as("the other sites").isTrue();
        } finally {
            net.switchUp("dc1");
        }
        assertThat(reaches("dc2-signer", "dc1-signer")).isTrue();
    }

    @Test
    void aPartitionCutsOnlyTheTwoSites() throws Exception {
        net.partition("dc1", "dc2");
        try {
            for (List<String> cut : List.of(List.of("dc1-signer", "dc2-zk"), List.of("dc2-signer", "dc1-zk"))) {
                assertThat(reaches(cut.get(0), cut.get(1))).as(cut.toString()).isFalse();
            }
            assertThat(reaches("dc1-signer", "dc3-zk")).isTrue();
            assertThat(reaches("dc2-signer", "dc3-zk")).isTrue();
            assertThat(reaches("inet-auth", "dc1-signer")).isTrue();
            assertThat(reaches("inet-auth", "dc2-signer")).isTrue();
        } finally {
            net.heal("dc1", "dc2");
        }
        assertThat(reaches("dc1-signer", "dc2-zk")).isTrue();
    }

    @Test
    void aDownUplinkKeepsTheSiteWorkingInside() throws Exception {
        net.uplinkDown("dc1");
        try {
            assertThat(reaches("dc1-signer", "dc1-zk")).isTrue();
            assertThat(reaches("dc1-signer", "dc3-zk")).isFalse();
        } finally {
            net.uplinkUp("dc1");
        }
        assertThat(reaches("dc1-signer", "dc3-zk")).isTrue();
    }
}
