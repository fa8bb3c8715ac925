package org.tandem.signer.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.KeySyncedTokens;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.keysync.testing.TestPki;
import org.tandem.keysync.testing.TestPorts;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.signer.node.NodeConfig;
import org.tandem.signer.node.NodeRole;
import org.tandem.signer.node.NodeTestFiles;
import org.tandem.signer.node.NodeYaml;
import org.tandem.signer.node.SignerNodeDaemon;

/**
 * The fire drill: the shipped alert rules, Alertmanager routes and Grafana dashboard against a real
 * signer node, a real Prometheus and a real Alertmanager.
 *
 * <p>The node signs with a 2-day validity, so the earliest RRSIG expiry it exports is within the
 * 3-day warning threshold: Prometheus (scraping every second, loading {@code tandem-rules.yml}
 * unchanged) fires {@code TandemRrsigExpiryWarning}, Alertmanager routes it to the warning receiver,
 * and a webhook in this test receives it with zone, severity and runbook, and again while it fires.
 * Restarted with a 30-day validity, the node signs in full, the expiry moves out and the webhook
 * receives {@code resolved}. While the alert fires, every query of the Grafana dashboard runs against
 * the same Prometheus.
 *
 * <p>Alertmanager runs a drill copy of {@code alertmanager.yml}: the same routes, matchers,
 * inhibition and receivers, but group_wait/group_interval/repeat_interval of seconds (the shipped
 * ones are 10 s to 12 h: a repeat would take hours) and the receivers' URLs pointing at this test's
 * webhook, one path per receiver.
 */
class ExpiryFireDrillIT {
    private static final Logger LOG = LoggerFactory.getLogger(ExpiryFireDrillIT.class);

    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    private static final ZoneName ZONE = ZoneName.of("example.test");
    private static final String ALERT = "TandemRrsigExpiryWarning";
    private static final Duration WAIT = TestTiming.scaled(Duration.ofSeconds(40));
    /**
     * Dashboard series only other parts export: the coordinator's, the key
     * lifecycle's planned events and lifetimes (none planned today), and per-peer replication (the
     * drill's node has no peers). Their queries must parse; they return no data here.
     */
    private static final List<String> NOT_EXPORTED_HERE = List.of(
            "tandem_coordinator_", "tandem_key_next_event_", "tandem_key_lifetime_end_", "tandem_peer_keys_pending");

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Process> processes = new ArrayList<>();
    private final List<Notification> received = new CopyOnWriteArrayList<>();
    private KeySyncedTokens tokens;
    private SignerNodeDaemon daemon;
    private HttpServer webhook;
    private Path monitoring;
    private String root;
    private TlsMaterial tls;
    private int metricsPort;
    private int transferPort;
    private int prometheusPort;

    /** One webhook call: the receiver's path and the Alertmanager payload. */
    private record Notification(String path, JsonNode payload) {
        boolean about(String alert, String status) {
            if (!payload.path("status").asText().equals(status)) {
                return false;
            }
            for (JsonNode a : payload.path("alerts")) {
                if (a.path("labels").path("alertname").asText().equals(alert)) {
                    return true;
                }
            }
            return false;
        }

        JsonNode alert(String alert) {
            for (JsonNode a : payload.path("alerts")) {
                if (a.path("labels").path("alertname").asText().equals(alert)) {
                    return a;
                }
            }
            throw new AssertionError("no " + alert + " in " + payload);
        }
    }

    @BeforeEach
    void start() throws Exception {
        Prerequisites.requireSoftHsm();
        Prerequisites.requireTool("prometheus", "prometheus");
        String alertmanager = MonitoringTools.alertmanager();
        monitoring = MonitoringTools.monitoringDir();
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        webhook.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                received.add(new Notification(exchange.getRequestURI().getPath(), json.readTree(in)));
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        webhook.start();

        root = "/fire-drill-" + Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);
        tokens = KeySyncedTokens.create(
                List.of("node-a"), ZONE, ZK.connectString(), root, dir.resolve("setup-audit.jsonl"));
        tls = TestPki.create(dir.resolve("pki"), "fire-drill CA").issue("node-a", "node");
        NodeTestFiles.minimalZone(dir);
        NodeTestFiles.hsmYaml(
                dir.resolve("hsm.yaml"),
                "node-a",
                tokens.spec("node-a"),
                dir.resolve("audit.jsonl"),
                ZK.connectString(),
                root);
        metricsPort = freePort();
        transferPort = freePort();
        daemon = startNode("validity: 2d\nrefresh: 1d\njitter: 1h\n");

        prometheusPort = freePort();
        int alertmanagerPort = freePort();
        Path am = Files.createDirectories(dir.resolve("alertmanager"));
        Files.writeString(am.resolve("alertmanager.yml"), drillAlertmanagerConfig());
        processes.add(launch(
                am,
                "alertmanager.log",
                alertmanager,
                "--config.file=" + am.resolve("alertmanager.yml"),
                "--storage.path=" + am.resolve("data"),
                "--web.listen-address=127.0.0.1:" + alertmanagerPort,
                "--cluster.listen-address="));
        Path prom = Files.createDirectories(dir.resolve("prometheus"));
        Files.writeString(
                prom.resolve("prometheus.yml"),
                "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
                        + "rule_files: ['" + monitoring.resolve("prometheus/tandem-rules.yml") + "']\n"
                        + "alerting: {alertmanagers: [{static_configs: [{targets: ['127.0.0.1:" + alertmanagerPort
                        + "']}]}]}\n"
                        + "scrape_configs:\n  - job_name: tandem-node\n"
                        + "    static_configs: [{targets: ['127.0.0.1:" + metricsPort + "']}]\n");
        processes.add(launch(
                prom,
                "prometheus.log",
                "prometheus",
                "--config.file=" + prom.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + prom.resolve("data"),
                "--web.listen-address=127.0.0.1:" + prometheusPort,
                "--rules.alert.resend-delay=1s"));
    }

    @AfterEach
    void stop() throws Exception {
        try {
            for (Process p : processes) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
            if (webhook != null) {
                webhook.stop(0);
            }
            if (daemon != null) {
                daemon.close();
            }
        } finally {
            if (tokens != null) {
                tokens.close();
            }
        }
    }

    @Test
    void expiringSignaturesPageTheWarningReceiverRepeatAndResolveAndEveryDashboardQueryRuns() throws Exception {
        await(
                "the webhook receives " + ALERT + " firing",
                () -> received.stream().anyMatch(n -> n.about(ALERT, "firing")));
        Notification first = received.stream()
                .filter(n -> n.about(ALERT, "firing"))
                .findFirst()
                .orElseThrow();
        JsonNode alert = first.alert(ALERT);
        assertThat(first.path()).as("routed to the warning receiver").isEqualTo("/tandem-tickets");
        assertThat(alert.path("labels").path("zone").asText()).isEqualTo(ZONE.toString());
        assertThat(alert.path("labels").path("severity").asText()).isEqualTo("warning");
        assertThat(alert.path("labels").path("node").asText()).isEqualTo("node-a");
        assertThat(alert.path("annotations").path("runbook").asText())
                .contains("signerctl status")
                .contains("docs/monitoring.md#rrsig-expiry");
        assertThat(alert.path("annotations").path("summary").asText()).startsWith(ZONE + ": RRSIGs expire in 1d ");
        assertThat(received)
                .as("no critical: the expiry is more than a day away")
                .noneMatch(n -> n.about("TandemRrsigExpiryCritical", "firing"));

        await(
                "the webhook receives the watchdog's own warning from what the node serves",
                () -> received.stream().anyMatch(n -> n.about("TandemWatchdogRrsigExpiryWarning", "firing")));
        await(
                "the webhook receives " + ALERT + " again while it fires",
                () -> received.stream().filter(n -> n.about(ALERT, "firing")).count() >= 2);

        everyDashboardQueryRuns();

        daemon.close();
        daemon = startNode("validity: 30d\nrefresh: 7d\njitter: 1d\n");
        await(
                "the webhook receives " + ALERT + " resolved after the node re-signed",
                () -> received.stream().anyMatch(n -> n.about(ALERT, "resolved")));
        Notification resolved = received.stream()
                .filter(n -> n.about(ALERT, "resolved"))
                .findFirst()
                .orElseThrow();
        assertThat(resolved.path()).isEqualTo("/tandem-tickets");
        assertThat(resolved.alert(ALERT).path("labels").path("zone").asText()).isEqualTo(ZONE.toString());
    }

    /** Every panel and annotation query of the dashboard, its variables substituted, against the drill's Prometheus. */
    private void everyDashboardQueryRuns() throws Exception {
        JsonNode dashboard = json.readTree(
                monitoring.resolve("grafana/tandem-dashboard.json").toFile());
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(target.path("expr").asText());
            }
        }
        for (JsonNode annotation : dashboard.path("annotations").path("list")) {
            queries.add(annotation.path("expr").asText());
        }
        assertThat(queries).hasSizeGreaterThan(30).allMatch(q -> !q.isBlank());
        List<String> empty = new ArrayList<>();
        for (String q : queries) {
            String expr = q.replace("$zone", ZONE.toString()).replace("$__rate_interval", "1m");
            JsonNode answer = query(expr);
            assertThat(answer.path("status").asText())
                    .as("query %s: %s", expr, answer)
                    .isEqualTo("success");
            if (answer.path("data").path("result").isEmpty()) {
                empty.add(expr);
            }
        }
        assertThat(empty)
                .as("queries without data: only those of series other parts export")
                .allMatch(q -> NOT_EXPORTED_HERE.stream().anyMatch(q::contains));
        LOG.info(
                "dashboard queries={} with-data={} without-data-here={}",
                queries.size(),
                queries.size() - empty.size(),
                empty);
    }

    private JsonNode query(String expr) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prometheusPort + "/api/v1/query?query="
                                + URLEncoder.encode(expr, StandardCharsets.UTF_8)))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return json.readTree(r.body());
    }

    private SignerNodeDaemon startNode(String policy) throws Exception {
        Path policyFile = Files.writeString(dir.resolve("policy.yaml"), policy);
        Path config = NodeYaml.node("node-a", "dc1")
                .hsmConfig(dir.resolve("hsm.yaml"))
                .zone(ZONE.toString(), "zones/example.test.zone")
                .zoneOptions("    policy: " + policyFile + "\n")
                .plaintextZooKeeper(ZK.connectString(), Duration.ofSeconds(10), root)
                .publishOptions("  transfer: {listen: \"127.0.0.1:" + transferPort + "\", allow: [127.0.0.1/32]}\n")
                .metrics("127.0.0.1:" + metricsPort)
                .tls(tls)
                .more("watchdog: {interval: 1s, warn: 3d, critical: 12h}\n")
                .write(dir.resolve("node-a.yaml"));
        SignerNodeDaemon d = SignerNodeDaemon.start(NodeConfig.load(config), Clock.systemUTC());
        TestTiming.until(
                WAIT,
                "node-a leads and publishes",
                () -> d.status().role() == NodeRole.LEADER
                        && d.status().zones().get(0).earliestRrsigExpiry().isPresent());
        return d;
    }

    /**
     * The shipped Alertmanager configuration with drill timings and this test's webhook: every route's
     * group_wait 1 s, group_interval 2 s, repeat_interval 4 s; every webhook URL
     * {@code http://127.0.0.1:<webhook>/<receiver name>}. Routes, matchers, inhibition stay as shipped.
     */
    private String drillAlertmanagerConfig() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        ObjectNode config = (ObjectNode) yaml.readTree(
                monitoring.resolve("alertmanager/alertmanager.yml").toFile());
        drillTimings((ObjectNode) config.get("route"));
        for (JsonNode receiver : config.get("receivers")) {
            for (JsonNode hook : receiver.path("webhook_configs")) {
                ((ObjectNode) hook)
                        .put(
                                "url",
                                "http://127.0.0.1:" + webhook.getAddress().getPort() + "/"
                                        + receiver.get("name").asText());
            }
        }
        assertThat(config.get("inhibit_rules")).as("the shipped inhibition").isNotEmpty();
        return yaml.writeValueAsString(config);
    }

    private static void drillTimings(ObjectNode route) {
        for (Map.Entry<String, String> t : Map.of("group_wait", "1s", "group_interval", "2s", "repeat_interval", "4s")
                .entrySet()) {
            route.put(t.getKey(), t.getValue());
        }
        if (route.get("routes") instanceof ArrayNode children) {
            children.forEach(c -> drillTimings((ObjectNode) c));
        }
    }

    private Process launch(Path workDir, String log, String... command) throws IOException {
        return new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve(log).toFile())
                .start();
    }

    /** {@link TestTiming#until} with the servers' logs and the notifications so far in the failure. */
    private void await(String what, BooleanSupplier condition) throws InterruptedException {
        try {
            TestTiming.until(WAIT, what, condition);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + logs(), e);
        }
    }

    /** The servers' last log lines, for a failure message. */
    private String logs() {
        StringBuilder b = new StringBuilder();
        for (String log : List.of("prometheus/prometheus.log", "alertmanager/alertmanager.log")) {
            try {
                List<String> lines = Files.readAllLines(dir.resolve(log));
                b.append("\n--- ")
                        .append(log)
                        .append(" (last lines)\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
            } catch (IOException e) {
                b.append("\n--- ").append(log).append(": ").append(e.getMessage());
            }
        }
        return b.append("\n--- received: ").append(received).toString();
    }

    private static int freePort() throws IOException {
        return TestPorts.free();
    }
}
