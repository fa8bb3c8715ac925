package org.tandem.coordinator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.tandem.proto.coordinator.v1.ClusterStatus;
import org.tandem.proto.coordinator.v1.FailoverResult;
import org.tandem.proto.coordinator.v1.NodeRole;
import org.tandem.proto.coordinator.v1.NodeView;
import org.tandem.proto.coordinator.v1.NodeZoneView;
import org.tandem.proto.coordinator.v1.PreflightCheck;
import org.tandem.proto.coordinator.v1.PreflightResult;
import org.tandem.proto.coordinator.v1.Refusal;

/**
 * The coordinator's metrics in a Micrometer {@link PrometheusMeterRegistry}, every meter tagged
 * {@code coordinator=<name>}; {@code node} is always a configured node (a name from a request that
 * is not configured is never a tag value):
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>Prometheus name</th><th>type</th><th>value</th></tr>
 *   <tr><td>{@code tandem_coordinator_preflight_ok}</td><td>gauge</td><td>per {@code zone} and
 *       target {@code node}: 1 when the last preflight of a cut-over to the node found the zone ready,
 *       0 when it refused (a refusal without a zone refuses every zone); no series before the first
 *       preflight to the node</td></tr>
 *   <tr><td>{@code tandem_coordinator_preflight_timestamp_seconds}</td><td>gauge</td><td>per
 *       {@code node}: when its last preflight ran; NaN never</td></tr>
 *   <tr><td>{@code tandem_coordinator_failovers_requested_total}</td><td>counter</td><td>cut-overs
 *       asked for ({@code signerctl failover})</td></tr>
 *   <tr><td>{@code tandem_coordinator_failovers_refused_total}</td><td>counter</td><td>cut-overs
 *       not performed (preflight refused, ZooKeeper unreachable, the leader refused to step
 *       down)</td></tr>
 *   <tr><td>{@code tandem_coordinator_failovers_completed_total}</td><td>counter</td><td>cut-overs
 *       whose new leader committed a publication</td></tr>
 *   <tr><td>{@code tandem_coordinator_failovers_failed_total}</td><td>counter</td><td>cut-overs where
 *       the leader stepped down but the target committed nothing in time</td></tr>
 *   <tr><td>{@code tandem_coordinator_node_reachable}</td><td>gauge</td><td>per {@code node}: 1 when
 *       its status answered at the last look, 0 when not; NaN before the first look</td></tr>
 *   <tr><td>{@code tandem_coordinator_node_key_synced}</td><td>gauge</td><td>per {@code node} and
 *       {@code zone}: 1 when the node reported the zone's key set proven at the last look, else 0;
 *       no series for an unreachable node</td></tr>
 *   <tr><td>{@code tandem_coordinator_last_look_timestamp_seconds}</td><td>gauge</td><td>when the
 *       cluster was last looked at; NaN never</td></tr>
 * </table>
 *
 * <p>Thread-safe.
 */
public final class CoordinatorMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Set<String> nodes;
    private final Counter requested;
    private final Counter refused;
    private final Counter completed;
    private final Counter failed;
    private final Map<String, Double> reachable = new ConcurrentHashMap<>();
    private final Map<String, Double> preflightAt = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Boolean>> preflightOk = new LinkedHashMap<>();
    private final MultiGauge preflight;
    private final MultiGauge keySynced;
    private volatile double lastLook = Double.NaN;
    private volatile List<String> problems = List.of();

    /**
     * @param coordinator the coordinator's name, the {@code coordinator} tag of every meter
     * @param nodes the configured nodes' names
     */
    public CoordinatorMetrics(String coordinator, List<String> nodes) {
        Objects.requireNonNull(coordinator, "coordinator");
        this.nodes = Set.copyOf(nodes);
        registry.config().commonTags("coordinator", coordinator);
        requested = counter("requested", "Cut-overs asked for (signerctl failover)");
        refused =
                counter("refused", "Cut-overs not performed: preflight refused, ZooKeeper unreachable, leader refused");
        completed = counter("completed", "Cut-overs whose new leader committed a publication");
        failed = counter("failed", "Cut-overs where the leader stepped down but the target committed nothing in time");
        for (String node : nodes) {
            reachable.put(node, Double.NaN);
            preflightAt.put(node, Double.NaN);
            Gauge.builder("tandem.coordinator.node.reachable", reachable, m -> m.get(node))
                    .description("1 when the node's status answered at the coordinator's last look, else 0")
                    .tags(Tags.of("node", node))
                    .register(registry);
            Gauge.builder("tandem.coordinator.preflight.timestamp.seconds", preflightAt, m -> m.get(node))
                    .description("Unix time of the last preflight of a cut-over to the node")
                    .tags(Tags.of("node", node))
                    .register(registry);
        }
        Gauge.builder("tandem.coordinator.last.look.timestamp.seconds", this, m -> m.lastLook)
                .description("Unix time the coordinator last looked at every node's status")
                .register(registry);
        preflight = MultiGauge.builder("tandem.coordinator.preflight.ok")
                .description("1 when the last preflight to the node found the zone ready, 0 when it refused")
                .register(registry);
        keySynced = MultiGauge.builder("tandem.coordinator.node.key.synced")
                .description("1 when the node reported the zone's key set proven at the last look, else 0")
                .register(registry);
    }

    private Counter counter(String what, String description) {
        return Counter.builder("tandem.coordinator.failovers." + what)
                .description(description)
                .register(registry);
    }

    /** Records a preflight's verdict per zone for its target node. */
    public synchronized void preflight(PreflightResult result, Instant at) {
        String node = result.getTo();
        if (!nodes.contains(node)) {
            return;
        }
        Set<String> refusedZones =
                result.getRefusalsList().stream().map(Refusal::getZone).collect(Collectors.toSet());
        Map<String, Boolean> zones = new LinkedHashMap<>();
        for (PreflightCheck c : result.getChecksList()) {
            if (!c.getZone().isEmpty()) {
                zones.put(
                        c.getZone(),
                        result.getPassed() || !refusedZones.contains(c.getZone()) && !refusedZones.contains(""));
            }
        }
        preflightOk.put(node, zones);
        preflightAt.put(node, at.toEpochMilli() / 1000.0);
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        preflightOk.forEach((n, z) ->
                z.forEach((zone, ok) -> rows.add(MultiGauge.Row.of(Tags.of("node", n, "zone", zone), ok ? 1.0 : 0.0))));
        preflight.register(rows, true);
    }

    /** Counts a cut-over asked for. */
    public void failoverRequested() {
        requested.increment();
    }

    /** Counts how a cut-over ended. */
    public void failoverEnded(FailoverResult result) {
        if (!result.getPerformed()) {
            refused.increment();
        } else if (!result.getNewLeader().isEmpty()) {
            completed.increment();
        } else {
            failed.increment();
        }
    }

    /** Records what the coordinator saw of every node (reachability, key sync per zone) and its problems. */
    public synchronized void observed(ClusterStatus status, Instant at) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (NodeView n : status.getNodesList()) {
            if (!nodes.contains(n.getName())) {
                continue;
            }
            boolean up = n.getRole() != NodeRole.UNREACHABLE;
            reachable.put(n.getName(), up ? 1.0 : 0.0);
            if (up) {
                for (NodeZoneView z : n.getZonesList()) {
                    rows.add(MultiGauge.Row.of(
                            Tags.of("node", n.getName(), "zone", z.getZone()),
                            "synced".equals(z.getKeySync()) ? 1.0 : 0.0));
                }
            }
        }
        keySynced.register(rows, true);
        problems = List.copyOf(status.getProblemsList());
        lastLook = at.toEpochMilli() / 1000.0;
    }

    /** The problems of the last look (ZooKeeper unreachable, ...), for {@code /health}; empty when fine. */
    public List<String> problems() {
        return problems;
    }

    /** Every meter in the Prometheus text format (version 0.0.4). */
    public String scrape() {
        return registry.scrape();
    }
}
