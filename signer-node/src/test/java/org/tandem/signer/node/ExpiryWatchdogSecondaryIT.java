package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.signer.election.PublishRecord;
import org.tandem.signer.publish.SecondaryConfigs;
import org.tandem.signer.publish.SecondaryProcess;

/**
 * The expiry watchdog of a real node (its own JVM, SoftHSM2 token, real ZooKeeper) reading back its
 * own transfer endpoint, its published file and a real Knot DNS secondary, all over TSIG: signatures
 * valid for 2 days are a WARNING under the default 3-day warn threshold, on every source; a secondary
 * that stops following (it refuses the node's NOTIFY, and its SOA refresh is two hours away) is
 * reported stale by {@code tandem_watchdog_source_ok} and a {@code /health} reason once the newer
 * serial is older than one interval.
 */
class ExpiryWatchdogSecondaryIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    private static final String KEY = "tandem-xfr";

    @TempDir
    Path dir;

    private NodeCluster cluster;
    private SecondaryProcess knot;

    @BeforeEach
    void cluster() throws Exception {
        Prerequisites.requireSoftHsm();
        Prerequisites.requireTool("knotd", "knot");
        cluster = new NodeCluster(dir, ZK.connectString(), List.of("node-a"));
        cluster.tokens.promoteAll(NodeCluster.ZONE);
        Files.writeString(dir.resolve("policy.yaml"), "validity: 2d\njitter: 0s\nrefresh: 1d\n");
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (knot != null) {
                knot.close();
            }
        } finally {
            cluster.close();
        }
    }

    @Test
    void warnsOfShortValidityOnEverySourceAndReportsASecondaryThatStoppedFollowingAsStale() throws Exception {
        String secret = SecondaryConfigs.secret();
        Path secretFile = SecondaryConfigs.secretFile(dir, secret);
        int transferPort = NodeCluster.freePort();
        int knotPort = NodeCluster.freePort();
        String tsig = "{name: " + KEY + ", algorithm: hmac-sha256, secret-file: " + secretFile + "}";
        cluster.start(
                "node-a",
                "zones/example.test.zone",
                "watchdog:\n  interval: 2s\n  secondaries:\n    - {name: knot-dc1, address: \"127.0.0.1:" + knotPort
                        + "\", tsig: " + tsig + "}\n",
                new NodeCluster.NodeOptions(
                        "    policy: policy.yaml\n",
                        "  transfer: {listen: \"127.0.0.1:"
                                + transferPort + "\", allow: [127.0.0.0/8], notify: [\"127.0.0.1:" + knotPort
                                + "\"], tsig: "
                                + tsig + "}\n",
                        List.of()));
        PublishRecord first = cluster.awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        // it may serve AXFR to the watchdog, but accepts no NOTIFY: it keeps the version it took at start
        knot = SecondaryProcess.knot(
                Files.createDirectories(dir.resolve("knot")), knotPort, transferPort, KEY, secret, List.of("transfer"));
        knot.awaitSerial(first.serial());

        // 2 days of validity, warn below 3 days: WARNING, on the node's endpoint, its file and the secondary.
        // A scrape reads the gauges one by one while the watchdog's next run may be writing them: the scrape
        // judged is one in which every source's serial and expiry are there
        String[] scraped = new String[1];
        TestTiming.until(NodeCluster.WAIT, "every source's serial and RRSIG expiry in one scrape", () -> {
            try {
                scraped[0] = cluster.awaitMetrics(
                        "node-a",
                        series("tandem_watchdog_severity", null) + " 1.0",
                        series("tandem_watchdog_source_ok", "knot-dc1") + " 1.0",
                        series("tandem_watchdog_source_ok", "self") + " 1.0",
                        series("tandem_watchdog_source_ok", "published-file") + " 1.0",
                        series("tandem_watchdog_warn_seconds", null) + " 259200.0",
                        series("tandem_watchdog_critical_seconds", null) + " 86400.0");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return List.of("self", "published-file", "knot-dc1").stream()
                    .noneMatch(source -> scraped[0].contains(
                            series("tandem_watchdog_rrsig_earliest_expiry_timestamp_seconds", source) + " NaN"));
        });
        String scrape = scraped[0];
        for (String source : List.of("self", "published-file", "knot-dc1")) {
            assertThat(value(scrape, series("tandem_watchdog_serial", source))).isEqualTo(first.serial());
            assertThat(value(scrape, series("tandem_watchdog_rrsig_earliest_expiry_timestamp_seconds", source)))
                    .isBetween(
                            first.committedAt().plusSeconds(2 * 86_400 - 120).getEpochSecond(),
                            first.committedAt().plusSeconds(2 * 86_400).getEpochSecond());
        }
        assertThat(value(scrape, series("tandem_watchdog_last_run_timestamp_seconds", null)))
                .isPositive();
        String health = cluster.awaitHealth(
                "node-a",
                503,
                "watchdog WARNING: zone example.test. source knot-dc1 serial " + first.serial() + ": earliest RRSIG (");
        assertThat(health)
                .contains("watchdog WARNING: zone example.test. source self serial " + first.serial())
                .contains("below warn 259200 s")
                .doesNotContain("CRITICAL");

        // a new version; the secondary refuses the NOTIFY and keeps serving the old one
        Files.writeString(
                dir.resolve("zones/example.test.zone"), "txt TXT \"version two\"\n", StandardOpenOption.APPEND);
        PublishRecord second = cluster.awaitPublish(r -> r.serial() > first.serial(), "the change is published");
        scrape = cluster.awaitMetrics(
                "node-a",
                series("tandem_watchdog_source_ok", "knot-dc1") + " 0.0",
                series("tandem_watchdog_source_ok", "self") + " 1.0");
        assertThat(value(scrape, series("tandem_watchdog_serial", "knot-dc1"))).isEqualTo(first.serial());
        assertThat(value(scrape, series("tandem_watchdog_serial", "self"))).isEqualTo(second.serial());
        health = cluster.awaitHealth(
                "node-a",
                503,
                "watchdog WARNING: zone example.test. source knot-dc1: serves serial " + first.serial()
                        + ", older than the published " + second.serial() + ", for ");
        knot.awaitSerial(first.serial()); // it really still serves the old version
        assertThat(health).doesNotContain("source self: serves serial");
    }

    /** {@code name{node="node-a",source="…",zone="example.test."}}, without {@code source} when null. */
    private static String series(String name, String source) {
        return name + "{node=\"node-a\"," + (source == null ? "" : "source=\"" + source + "\",")
                + "zone=\"example.test.\"}";
    }

    private static long value(String scrape, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE)
                .matcher(scrape);
        assertThat(m.find()).as(series + " in\n" + scrape).isTrue();
        return (long) Double.parseDouble(m.group(1));
    }
}
