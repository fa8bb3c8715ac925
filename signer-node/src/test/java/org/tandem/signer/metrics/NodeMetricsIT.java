package org.tandem.signer.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.metrics.MetricsServer;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.signer.node.CheckState;
import org.tandem.signer.node.KeySyncState;
import org.tandem.signer.node.NodeRole;
import org.tandem.signer.node.NodeStatus;
import org.tandem.signer.node.ZoneStatus;

/** Scrapes {@code /metrics} and asks {@code /health} over real HTTP on the loopback. */
class NodeMetricsIT {
    private static final ZoneName COM = ZoneName.of("example.com");
    private static final ZoneName NET = ZoneName.of("example.net");
    private static final Instant PUBLISHED = Instant.parse("2026-12-01T11:59:00Z");
    private static final Instant EXPIRY = Instant.parse("2026-12-15T00:00:00Z");
    private static final Pattern SAMPLE = Pattern.compile("^([a-z_]+)(\\{[^}]*\\})? (\\S+)$");

    private final AtomicReference<NodeStatus> status = new AtomicReference<>();
    private final AtomicInteger statusCalls = new AtomicInteger();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private NodeMetrics metrics;
    private MetricsServer server;

    private static NodeStatus leader(ZoneStatus net) {
        ZoneStatus com = new ZoneStatus(
                COM,
                OptionalLong.of(2026120101L),
                Optional.of(PUBLISHED),
                Optional.of(EXPIRY),
                CheckState.PASSED,
                "",
                CheckState.PASSED,
                "",
                KeySyncState.SYNCED,
                List.of(),
                Optional.empty());
        return new NodeStatus(
                "dc1-signer",
                "dc1",
                NodeRole.LEADER,
                7,
                Duration.ofSeconds(5),
                List.of(),
                List.of(com, net),
                PUBLISHED.plusSeconds(60));
    }

    @BeforeEach
    void start() throws Exception {
        status.set(leader(ZoneStatus.initial(NET)));
        metrics = new NodeMetrics("dc1-signer", List.of(COM, NET), () -> {
            statusCalls.incrementAndGet();
            return status.get();
        });
        server = MetricsServer.start(
                "127.0.0.1",
                0,
                metrics::scrape,
                () -> NodeHealth.from(status.get()).reasons());
    }

    @AfterEach
    void stop() {
        server.close();
        server.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The scrape as {@code name{labels}} → value. */
    private Map<String, Double> scrape() throws Exception {
        HttpResponse<String> response = get("/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).contains(MetricsServer.PROMETHEUS_TEXT);
        Map<String, Double> samples = new HashMap<>();
        for (String line : response.body().split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("sample line %s", line).isTrue();
            samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
        }
        return samples;
    }

    @Test
    void scrapeHasEveryMetricWithNodeAndZoneLabels() throws Exception {
        Map<String, Double> s = scrape();

        assertThat(s).containsEntry("tandem_leader{node=\"dc1-signer\"}", 1.0);
        assertThat(s).containsEntry("tandem_epoch{node=\"dc1-signer\"}", 7.0);
        String com = "{node=\"dc1-signer\",zone=\"example.com.\"}";
        assertThat(s).containsEntry("tandem_zone_serial" + com, 2026120101.0);
        assertThat(s.get("tandem_zone_last_publish_timestamp_seconds" + com))
                .isCloseTo(PUBLISHED.getEpochSecond(), within(0.001));
        assertThat(s.get("tandem_zone_rrsig_earliest_expiry_timestamp_seconds" + com))
                .isCloseTo(EXPIRY.getEpochSecond(), within(0.001));
        assertThat(s).containsEntry("tandem_zone_key_synced" + com, 1.0);
        assertThat(s).containsEntry("tandem_gate_failures_total" + com, 0.0);
        assertThat(s).containsEntry("tandem_canary_failures_total" + com, 0.0);
        // a zone with nothing published yet: the series exist, unknown values are NaN
        String net = "{node=\"dc1-signer\",zone=\"example.net.\"}";
        assertThat(s.get("tandem_zone_serial" + net)).isNaN();
        assertThat(s.get("tandem_zone_last_publish_timestamp_seconds" + net)).isNaN();
        assertThat(s.get("tandem_zone_rrsig_earliest_expiry_timestamp_seconds" + net))
                .isNaN();
        assertThat(s).containsEntry("tandem_zone_key_synced" + net, 0.0);
        assertThat(s).containsEntry("tandem_gate_failures_total" + net, 0.0);
    }

    @Test
    void followsTheStatusAndCountsFailures() throws Exception {
        int before = statusCalls.get();
        scrape();
        assertThat(statusCalls.get() - before)
                .as("one status snapshot per scrape")
                .isEqualTo(1);

        status.set(new NodeStatus(
                "dc1-signer",
                "dc1",
                NodeRole.STANDBY,
                8,
                Duration.ZERO,
                List.of(),
                List.of(ZoneStatus.initial(COM), ZoneStatus.initial(NET)),
                PUBLISHED));
        metrics.gateFailed(NET);
        metrics.gateFailed(NET);
        metrics.canaryFailed(COM);
        Map<String, Double> s = scrape();

        assertThat(s).containsEntry("tandem_leader{node=\"dc1-signer\"}", 0.0);
        assertThat(s).containsEntry("tandem_epoch{node=\"dc1-signer\"}", 8.0);
        assertThat(s).containsEntry("tandem_gate_failures_total{node=\"dc1-signer\",zone=\"example.net.\"}", 2.0);
        assertThat(s).containsEntry("tandem_gate_failures_total{node=\"dc1-signer\",zone=\"example.com.\"}", 0.0);
        assertThat(s).containsEntry("tandem_canary_failures_total{node=\"dc1-signer\",zone=\"example.com.\"}", 1.0);
        assertThat(s.get("tandem_zone_serial{node=\"dc1-signer\",zone=\"example.com.\"}"))
                .isNaN();
    }

    @Test
    void healthFlipsTo503WithTheReasonAndBack() throws Exception {
        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(get("/health").body()).isEqualTo("ok\n");

        status.set(leader(new ZoneStatus(
                NET,
                OptionalLong.empty(),
                Optional.empty(),
                Optional.empty(),
                CheckState.FAILED,
                "www.example.net. A: RRSIG by ZSK 12345 does not verify",
                CheckState.PASSED,
                "",
                KeySyncState.NOT_SYNCED,
                List.of("ZSK 12345 missing on HSM dc1-hsm1"),
                Optional.empty())));
        HttpResponse<String> failing = get("/health");

        assertThat(failing.statusCode()).isEqualTo(503);
        assertThat(failing.body().split("\n"))
                .containsExactly(
                        "zone example.net.: validation gate failed: www.example.net. A: RRSIG by ZSK 12345 does not "
                                + "verify",
                        "zone example.net.: not key-synced: ZSK 12345 missing on HSM dc1-hsm1");

        status.set(leader(ZoneStatus.initial(NET)));
        assertThat(get("/health").statusCode()).isEqualTo(200);
    }

    @Test
    void healthIs503WhenTheSupplierThrows() throws Exception {
        try (MetricsServer broken = MetricsServer.start("127.0.0.1", 0, metrics::scrape, () -> {
            throw new IllegalStateException("daemon not started");
        })) {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + broken.port() + "/health"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.body()).contains("health check failed", "daemon not started");
        }
    }

    @Test
    void answersOtherPathsAndMethodsWithTheirCodes() throws Exception {
        assertThat(get("/").statusCode()).isEqualTo(404);
        assertThat(get("/metricsx").statusCode()).isEqualTo(404);
        HttpResponse<String> post = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                        .POST(HttpRequest.BodyPublishers.ofString("x"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");
    }

    // ---- hostile clients

    /** Reads until the server closes the connection; how long that took, or an error after {@code patience}. */
    private static Duration untilClosed(Socket socket, Duration patience) throws Exception {
        long start = System.nanoTime();
        socket.setSoTimeout((int) patience.toMillis());
        try {
            while (socket.getInputStream().read() >= 0) {
                // the server may answer (408-like) before closing; read on to the end
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("connection still open after " + patience, e);
        } catch (IOException e) {
            // reset by the server: closed as well
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    @Test
    void cutsOffAClientThatConnectsAndSendsNothing() throws Exception {
        try (MetricsServer guarded = MetricsServer.start(
                        "127.0.0.1",
                        0,
                        metrics::scrape,
                        () -> NodeHealth.from(status.get()).reasons(),
                        Duration.ofSeconds(1));
                Socket silent = new Socket("127.0.0.1", guarded.port())) {
            Duration open = untilClosed(silent, TestTiming.scaled(Duration.ofSeconds(10)));

            assertThat(open).isGreaterThanOrEqualTo(Duration.ofMillis(800));
        }
    }

    @Test
    void cutsOffAClientThatSendsItsRequestSlowlyAndStillAnswersOthers() throws Exception {
        try (MetricsServer guarded = MetricsServer.start(
                        "127.0.0.1",
                        0,
                        metrics::scrape,
                        () -> NodeHealth.from(status.get()).reasons(),
                        Duration.ofSeconds(2));
                Socket slow = new Socket("127.0.0.1", guarded.port())) {
            OutputStream out = slow.getOutputStream();
            byte[] request = "GET /health HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII);
            long start = System.nanoTime();
            boolean cut = false;
            for (byte b : request) {
                try {
                    out.write(b);
                    out.flush();
                } catch (IOException e) {
                    cut = true;
                    break;
                }
                Thread.sleep(150); // the attack itself: one byte at a time, never finishing the head
                if (Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(4)) > 0) {
                    break;
                }
            }
            if (!cut) {
                untilClosed(slow, TestTiming.scaled(Duration.ofSeconds(10)));
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isLessThan(TestTiming.scaled(Duration.ofSeconds(12)));
            HttpResponse<String> ok = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + guarded.port() + "/health"))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void healthServesOneLineOfEachReasonAndNoControlCharacters() throws Exception {
        status.set(leader(new ZoneStatus(
                NET,
                OptionalLong.empty(),
                Optional.empty(),
                Optional.empty(),
                CheckState.FAILED,
                "first line\nsecret second line \u001b[31m",
                CheckState.PASSED,
                "",
                KeySyncState.SYNCED,
                List.of(),
                Optional.empty())));

        HttpResponse<String> failing = get("/health");

        assertThat(failing.statusCode()).isEqualTo(503);
        assertThat(failing.body()).isEqualTo("zone example.net.: validation gate failed: first line\n");
    }
}
