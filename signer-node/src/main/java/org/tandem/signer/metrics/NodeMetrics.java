package org.tandem.signer.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.node.ClockStatus;
import org.tandem.signer.node.KeySyncState;
import org.tandem.signer.node.NodeRole;
import org.tandem.signer.node.NodeStatus;
import org.tandem.signer.node.ZoneStatus;

/**
 * The node's metrics in a Micrometer {@link PrometheusMeterRegistry}, every meter tagged
 * {@code node=<name>}, per-zone meters also {@code zone=<apex>}:
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>Prometheus name</th><th>type</th><th>value</th></tr>
 *   <tr><td>{@code tandem_leader}</td><td>gauge</td><td>1 while the node is LEADER, else 0</td></tr>
 *   <tr><td>{@code tandem_epoch}</td><td>gauge</td><td>the epoch held or last seen; 0 none</td></tr>
 *   <tr><td>{@code tandem_zone_serial}</td><td>gauge</td><td>SOA serial last published; NaN none</td></tr>
 *   <tr><td>{@code tandem_zone_last_publish_timestamp_seconds}</td><td>gauge</td><td>Unix time of
 *       the last successful publish; NaN never</td></tr>
 *   <tr><td>{@code tandem_zone_rrsig_earliest_expiry_timestamp_seconds}</td><td>gauge</td><td>Unix
 *       time of the earliest RRSIG expiration in the published zone (INV-D3); NaN unknown</td></tr>
 *   <tr><td>{@code tandem_zone_key_synced}</td><td>gauge</td><td>1 when the node's HSMs hold the
 *       zone's key set, proven; 0 otherwise (also while unknown)</td></tr>
 *   <tr><td>{@code tandem_gate_failures_total}</td><td>counter</td><td>signed versions the
 *       validation gate refused</td></tr>
 *   <tr><td>{@code tandem_canary_failures_total}</td><td>counter</td><td>failed capability canary
 *       runs</td></tr>
 *   <tr><td>{@code tandem_clock_skew_seconds}</td><td>gauge</td><td>the node's wall clock minus
 *       ZooKeeper server time (positive: ahead), extrapolated from the last reading (INV-D5); NaN
 *       unknown</td></tr>
 *   <tr><td>{@code tandem_clock_max_skew_seconds}</td><td>gauge</td><td>the configured
 *       {@code clock.max-skew}; NaN unknown</td></tr>
 *   <tr><td>{@code tandem_clock_ok}</td><td>gauge</td><td>1 while the skew is known and within
 *       max-skew, else 0</td></tr>
 *   <tr><td>{@code tandem_clock_refusals_total}</td><td>counter</td><td>signing runs of the zone
 *       refused for the clock (before signing or before the commit)</td></tr>
 *   <tr><td>{@code tandem_zone_key_replication_pending}</td><td>gauge</td><td>GENERATED keys of the
 *       zone not yet published: on the leader those its replication agent could not bring to and prove
 *       on every node, on a standby those its own HSM lacks</td></tr>
 *   <tr><td>{@code tandem_peer_keys_pending}</td><td>gauge</td><td>per peer ({@code peer} tag): GENERATED
 *       keys (all zones) the peer lacks after the leader's last replication pass (unreachable, refused,
 *       HSM error); NaN unless this node leads and has run a pass in its term</td></tr>
 * </table>
 *
 * <p>Contracts: gauges read a snapshot of the daemon's {@link NodeStatus}, taken once per
 * {@link #scrape()} from the supplier (so a scrape is consistent and calls the supplier once); the
 * supplier must be fast and must not throw (see {@code NodeControl#status()}). Counters are
 * incremented by the daemon through {@link #gateFailed}, {@link #canaryFailed} and {@link #clockRefused}; zones are
 * fixed
 * at construction (the configured ones), and every per-zone series exists from the start, at 0 or
 * NaN. Thread-safe. The registry may be used to add the daemon's own meters ({@link #registry()}).
 */
public final class NodeMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Supplier<NodeStatus> status;
    private final Map<ZoneName, Counter> gateFailures = new LinkedHashMap<>();
    private final Map<ZoneName, Counter> canaryFailures = new LinkedHashMap<>();
    private final Map<ZoneName, Counter> clockRefusals = new LinkedHashMap<>();
    private volatile NodeStatus snapshot;

    /**
     * @param node the node's name, the {@code node} tag of every meter
     * @param zones the configured zones
     * @param status the daemon's status (e.g. {@code NodeControl::status})
     */
    public NodeMetrics(String node, List<ZoneName> zones, Supplier<NodeStatus> status) {
        this(node, zones, List.of(), status);
    }

    /**
     * @param node the node's name, the {@code node} tag of every meter
     * @param zones the configured zones
     * @param peers the configured peers' names (the {@code peer} tag of the per-peer meters)
     * @param status the daemon's status (e.g. {@code NodeControl::status})
     */
    public NodeMetrics(String node, List<ZoneName> zones, List<String> peers, Supplier<NodeStatus> status) {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(peers, "peers");
        Objects.requireNonNull(zones, "zones");
        this.status = Objects.requireNonNull(status, "status");
        registry.config().commonTags("node", node);
        Gauge.builder("tandem.leader", this, m -> m.current().role() == NodeRole.LEADER ? 1 : 0)
                .description("1 while this node is the leader (signs and publishes), else 0")
                .register(registry);
        Gauge.builder("tandem.epoch", this, m -> m.current().epoch())
                .description("Leadership epoch this node holds or last saw; 0 when none is known")
                .register(registry);
        Gauge.builder("tandem.clock.skew.seconds", this,
                        m -> m.current().clock().flatMap(ClockStatus::skew).map(d -> d.toNanos() / 1e9).orElse(Double.NaN))
                .description("This node's wall clock minus ZooKeeper server time (positive: ahead); NaN unknown")
                .register(registry);
        Gauge.builder("tandem.clock.max.skew.seconds", this,
                        m -> m.current().clock().map(c -> c.maxSkew().toMillis() / 1000.0).orElse(Double.NaN))
                .description("The configured clock.max-skew beyond which the node refuses to sign")
                .register(registry);
        Gauge.builder("tandem.clock.ok", this, m -> m.current().clock().map(c -> c.ok() ? 1 : 0).orElse(0))
                .description("1 while the clock skew vs ZooKeeper is known and within max-skew, else 0")
                .register(registry);
        for (ZoneName zone : zones) {
            Tags tags = Tags.of("zone", zone.toString());
            zoneGauge("tandem.zone.serial", "SOA serial of the zone this node last published", zone, tags,
                    z -> z.serial().isPresent() ? z.serial().getAsLong() : Double.NaN);
            zoneGauge("tandem.zone.last.publish.timestamp.seconds",
                    "Unix time of this node's last successful publish of the zone", zone, tags,
                    z -> z.lastPublish().map(NodeMetrics::seconds).orElse(Double.NaN));
            zoneGauge("tandem.zone.rrsig.earliest.expiry.timestamp.seconds",
                    "Unix time of the earliest RRSIG expiration in the published zone", zone, tags,
                    z -> z.earliestRrsigExpiry().map(NodeMetrics::seconds).orElse(Double.NaN));
            zoneGauge("tandem.zone.key.synced", "1 when every HSM of the node holds the zone's key set, proven",
                    zone, tags, z -> z.keySync() == KeySyncState.SYNCED ? 1 : 0);
            zoneGauge("tandem.zone.key.replication.pending",
                    "GENERATED keys of the zone not yet replicated to and proven on every node (not published)", zone,
                    tags, z -> z.replicationPending().size());
            gateFailures.put(zone, Counter.builder("tandem.gate.failures")
                    .description("Signed versions of the zone the validation gate refused")
                    .tags(tags)
                    .register(registry));
            canaryFailures.put(zone, Counter.builder("tandem.canary.failures")
                    .description("Failed capability canary runs for the zone")
                    .tags(tags)
                    .register(registry));
            clockRefusals.put(zone, Counter.builder("tandem.clock.refusals")
                    .description("Signing runs of the zone refused because the clock skew exceeded max-skew")
                    .tags(tags)
                    .register(registry));
        }
        peerGauges(peers);
    }

    private void peerGauges(List<String> peers) {
        for (String peer : peers) {
            Gauge.builder("tandem.peer.keys.pending", this, m -> m.current().peers().stream()
                            .filter(p -> p.name().equals(peer)).findFirst()
                            .filter(p -> p.keysPending().isPresent())
                            .map(p -> (double) p.keysPending().getAsInt())
                            .orElse(Double.NaN))
                    .description("GENERATED keys the peer lacks after the leader's last replication pass; NaN unless"
                            + " this node leads")
                    .tags(Tags.of("peer", peer))
                    .register(registry);
        }
    }

    private void zoneGauge(String name, String description, ZoneName zone, Tags tags, ToDoubleFunction<ZoneStatus> f) {
        Gauge.builder(name, this, m -> m.zone(zone).map(f::applyAsDouble).orElse(Double.NaN))
                .description(description)
                .tags(tags)
                .register(registry);
    }

    private static double seconds(Instant instant) {
        return instant.toEpochMilli() / 1000.0;
    }

    private NodeStatus current() {
        NodeStatus s = snapshot;
        return s != null ? s : status.get();
    }

    private Optional<ZoneStatus> zone(ZoneName zone) {
        return current().zones().stream().filter(z -> z.zone().equals(zone)).findFirst();
    }

    /** Counts one signed version of the zone refused by the validation gate. */
    public void gateFailed(ZoneName zone) {
        counter(gateFailures, zone).increment();
    }

    /** Counts one failed capability canary run for the zone. */
    public void canaryFailed(ZoneName zone) {
        counter(canaryFailures, zone).increment();
    }

    /** Counts one signing run of the zone refused for the clock (INV-D5). */
    public void clockRefused(ZoneName zone) {
        counter(clockRefusals, zone).increment();
    }

    private static Counter counter(Map<ZoneName, Counter> counters, ZoneName zone) {
        Counter c = counters.get(Objects.requireNonNull(zone, "zone"));
        if (c == null) {
            throw new IllegalArgumentException("zone " + zone + " is not one of the node's zones " + counters.keySet());
        }
        return c;
    }

    /** Every meter in the Prometheus text format (version 0.0.4), from one fresh status snapshot. */
    public synchronized String scrape() {
        snapshot = status.get();
        try {
            return registry.scrape();
        } finally {
            snapshot = null;
        }
    }

    /** The registry, for the daemon's own meters; they are scraped with these. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }
}
