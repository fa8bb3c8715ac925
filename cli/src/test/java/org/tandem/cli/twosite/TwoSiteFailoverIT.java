package org.tandem.cli.twosite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tandem.cli.twosite.TwoSiteCluster.PUBLISHED;
import static org.tandem.cli.twosite.TwoSiteCluster.ZONE;
import static org.tandem.cli.twosite.TwoSiteCluster.role;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The leader's machine stops (its container, in its own site): the standby in the other site, with
 * its own token that holds the same keys (replicated through the coordinator), takes over with the
 * identical DNSKEY RRset and a higher serial, and {@code ldns-verify-zone} accepts what it published
 * (run inside the new leader's container, on the file it published there).
 */
class TwoSiteFailoverIT {
    @RegisterExtension
    static final ClusterPerClass SITES = new ClusterPerClass("failover", TwoSiteCluster::keyCeremony);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONVERGE = Duration.ofSeconds(90);

    @Test
    void whenTheLeadersMachineStopsTheStandbyInTheOtherSiteTakesOverWithTheSameDnskeyRrsetAndAHigherSerial()
            throws Exception {
        JsonNode keys = JSON.readTree(cluster()
                .signerctlOk("keys", "verify", "--zone", ZONE, "--json")
                .stdout());
        int zskTag = -1;
        for (JsonNode v : keys.path("verdicts")) {
            if (v.path("role").asText().equals("ZSK")) {
                zskTag = v.path("key_tag").asInt();
            }
        }
        int zsk = zskTag;
        JsonNode before = cluster()
                .awaitStatus(
                        "a leader and a key-synced standby",
                        CONVERGE,
                        s -> Set.of(role(s, "node-a"), role(s, "node-b")).equals(Set.of("leader", "standby")));
        String leader = before.path("leader").asText();
        String standby = leader.equals("node-a") ? "node-b" : "node-a";
        // the leader's zone with both keys, its data signed by the ZSK (published for a DNSKEY TTL), as committed
        PublishedZone first = cluster()
                .awaitPublished(
                        leader,
                        "the leader's zone with two DNSKEYs, signed by ZSK " + zsk,
                        CONVERGE,
                        z -> z.dnskeys().size() == 2 && z.soaSigners().contains(zsk));
        JsonNode committed = cluster()
                .awaitStatus("the ledger at the leader's file", CONVERGE, s -> committedSerial(s) == first.serial());
        long epoch = committed.path("epoch").asLong();

        long t0 = System.nanoTime();
        cluster().stop(leader);
        PublishedZone second =
                cluster().awaitPublished(standby, standby + "'s takeover", CONVERGE, z -> z.serial() > first.serial());
        double seconds = (System.nanoTime() - t0) / 1e9;
        JsonNode after = cluster()
                .awaitStatus(
                        standby + " leading in a new epoch",
                        CONVERGE,
                        s -> role(s, standby).equals("leader")
                                && s.path("epoch").asLong() > epoch
                                && committedSerial(s) == second.serial());
        System.err.printf(
                Locale.ROOT,
                "twosite: %s stopped, %s published serial %d in epoch %d after %.1f s%n",
                leader,
                standby,
                second.serial(),
                after.path("epoch").asLong(),
                seconds);

        assertThat(second.dnskeys())
                .as("DNSKEY RRset before and after the takeover")
                .isEqualTo(first.dnskeys());
        assertThat(second.serial()).isGreaterThan(first.serial());
        assertThat(role(after, leader)).isEqualTo("unreachable");
        String file = PUBLISHED + "/" + ZONE.substring(0, ZONE.length() - 1) + "/" + second.serial() + ".zone";
        TwoSiteCluster.Exec verify = cluster().exec(standby, "ldns-verify-zone", file);
        assertThat(verify.exit()).as(verify.toString()).isZero();
        assertThat(verify.stdout()).as(verify.toString()).contains("Zone is verified and complete");
        // the stopped machine's disk still holds what it published last, and nothing later
        assertThat(PublishedZone.parse(ZONE, cluster().publishedZone(leader)).serial())
                .isEqualTo(first.serial());
    }

    private static long committedSerial(JsonNode status) {
        for (JsonNode z : status.path("zones")) {
            if (z.path("zone").asText().equals(ZONE)) {
                return z.path("committed_serial").asLong(-1);
            }
        }
        return -1;
    }

    private static TwoSiteCluster cluster() {
        return SITES.cluster();
    }
}
