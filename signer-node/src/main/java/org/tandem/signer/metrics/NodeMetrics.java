package org.tandem.signer.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.node.ClockStatus;
import org.tandem.signer.node.KeySyncState;
import org.tandem.signer.node.NodeRole;
import org.tandem.signer.node.NodeStatus;
import org.tandem.signer.node.ZoneStatus;
import org.tandem.signer.publish.TransferEvent;

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
 *   <tr><td>{@code tandem_transfer_axfr_total}, {@code tandem_transfer_ixfr_total},
 *       {@code tandem_transfer_notify_sent_total}, {@code tandem_transfer_notify_received_total}</td>
 *       <td>counter</td><td>transfer server exchanges by {@code zone} and {@code result} (see
 *       {@link TransferEvent}); a request for a zone not served here counts under
 *       {@code zone="}{@value #NOT_SERVED}{@code "}</td></tr>
 *   <tr><td>{@code tandem_signing_duration_seconds}</td><td>histogram</td><td>time to sign one
 *       version of the zone (full or incremental), buckets {@link #LATENCY_BUCKETS}</td></tr>
 *   <tr><td>{@code tandem_publish_duration_seconds}</td><td>histogram</td><td>time of one published
 *       run: load, sign, gate, commit, write, serve</td></tr>
 *   <tr><td>{@code tandem_ledger_history_records}</td><td>gauge</td><td>records in the zone's publish
 *       history in ZooKeeper, as the leader last saw after a commit; NaN until then (docs/ledger-history.md)</td></tr>
 *   <tr><td>{@code tandem_ledger_history_pruned_total}</td><td>counter</td><td>history records this node
 *       deleted as leader</td></tr>
 *   <tr><td>{@code tandem_zone_key_destruction_failing}</td><td>gauge</td><td>DELETED keys of the zone
 *       still on an HSM of this node because their destruction failed there (per key and HSM); retried,
 *       and named in {@code /health} (docs/key-lifecycle.md)</td></tr>
 *   <tr><td>{@code tandem_key_info}</td><td>gauge</td><td>1 per key in the zone's manifest, tagged
 *       {@code role}, {@code tag}, {@code algorithm}, {@code state}; last read from the manifest</td></tr>
 *   <tr><td>{@code tandem_key_created_timestamp_seconds}</td><td>gauge</td><td>when the key was
 *       generated</td></tr>
 *   <tr><td>{@code tandem_key_next_event_timestamp_seconds}</td><td>gauge</td><td>per planned
 *       lifecycle event ({@code event} tag) its instant; no series while none is planned (the manifest
 *       plans none today)</td></tr>
 *   <tr><td>{@code tandem_key_lifetime_end_timestamp_seconds}</td><td>gauge</td><td>when the key's
 *       planned lifetime ends; no series while none is known (the manifest has none today)</td></tr>
 * </table>
 *
 * <p>Contracts: gauges read a snapshot of the daemon's {@link NodeStatus}, taken once per
 * {@link #scrape()} from the supplier (so a scrape is consistent and calls the supplier once); the
 * supplier must be fast and must not throw (see {@code NodeControl#status()}). Counters are
 * incremented by the daemon through {@link #gateFailed}, {@link #canaryFailed}, {@link #clockRefused}
 * and (from the transfer server's listener) {@link #transfer}; latencies recorded through
 * {@link #signed} and {@link #published}; the key series replaced per zone through {@link #keys}.
 * Zones are fixed at construction (the configured ones), and every per-zone series except the key
 * series exists from the start, at 0 or NaN. Thread-safe. The registry may be used to add the daemon's own meters
 * ({@link #registry()}).
 */
public final class NodeMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Supplier<NodeStatus> status;
    private final Map<ZoneName, Counter> gateFailures = new LinkedHashMap<>();
    private final Map<ZoneName, Counter> canaryFailures = new LinkedHashMap<>();
    private final Map<ZoneName, Counter> clockRefusals = new LinkedHashMap<>();
    private final Map<ZoneName, Counter> historyPruned = new LinkedHashMap<>();
    private final Map<ZoneName, AtomicLong> historyRecords = new LinkedHashMap<>();
    private final Map<ZoneName, AtomicLong> destructionFailing = new LinkedHashMap<>();
    /** Per zone; the {@code null} key holds the counters of requests for zones not served here. */
    private final Map<ZoneName, Map<TransferEvent, Counter>> transfers = new LinkedHashMap<>();

    private final Map<ZoneName, Timer> signing = new LinkedHashMap<>();
    private final Map<ZoneName, Timer> publishing = new LinkedHashMap<>();
    private final Map<ZoneName, List<KeyFacts>> keys = new LinkedHashMap<>();
    private final MultiGauge keyInfo;
    private final MultiGauge keyCreated;
    private final MultiGauge keyNextEvent;
    private final MultiGauge keyLifetimeEnd;
    private volatile NodeStatus snapshot;

    /** The {@code zone} tag of transfer requests for a zone not served here. */
    public static final String NOT_SERVED = "(not served)";

    /**
     * Buckets of the signing and publish latency histograms: from a small zone's incremental
     * re-sign (well under a second) to a large zone's full sign (minutes).
     */
    public static final List<Duration> LATENCY_BUCKETS = List.of(
            Duration.ofMillis(100),
            Duration.ofMillis(250),
            Duration.ofMillis(500),
            Duration.ofSeconds(1),
            Duration.ofMillis(2500),
            Duration.ofSeconds(5),
            Duration.ofSeconds(10),
            Duration.ofSeconds(30),
            Duration.ofSeconds(60),
            Duration.ofSeconds(120),
            Duration.ofSeconds(300),
            Duration.ofSeconds(600));

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
        Gauge.builder(
                        "tandem.clock.skew.seconds",
                        this,
                        m -> m.current()
                                .clock()
                                .flatMap(ClockStatus::skew)
                                .map(d -> d.toNanos() / 1e9)
                                .orElse(Double.NaN))
                .description("This node's wall clock minus ZooKeeper server time (positive: ahead); NaN unknown")
                .register(registry);
        Gauge.builder(
                        "tandem.clock.max.skew.seconds",
                        this,
                        m -> m.current()
                                .clock()
                                .map(c -> c.maxSkew().toMillis() / 1000.0)
                                .orElse(Double.NaN))
                .description("The configured clock.max-skew beyond which the node refuses to sign")
                .register(registry);
        Gauge.builder(
                        "tandem.clock.ok",
                        this,
                        m -> m.current().clock().map(c -> c.ok() ? 1 : 0).orElse(0))
                .description("1 while the clock skew vs ZooKeeper is known and within max-skew, else 0")
                .register(registry);
        for (ZoneName zone : zones) {
            Tags tags = Tags.of("zone", zone.toString());
            zoneGauge(
                    "tandem.zone.serial",
                    "SOA serial of the zone this node last published",
                    zone,
                    tags,
                    z -> z.serial().isPresent() ? z.serial().getAsLong() : Double.NaN);
            zoneGauge(
                    "tandem.zone.last.publish.timestamp.seconds",
                    "Unix time of this node's last successful publish of the zone",
                    zone,
                    tags,
                    z -> z.lastPublish().map(NodeMetrics::seconds).orElse(Double.NaN));
            zoneGauge(
                    "tandem.zone.rrsig.earliest.expiry.timestamp.seconds",
                    "Unix time of the earliest RRSIG expiration in the published zone",
                    zone,
                    tags,
                    z -> z.earliestRrsigExpiry().map(NodeMetrics::seconds).orElse(Double.NaN));
            zoneGauge(
                    "tandem.zone.key.synced",
                    "1 when every HSM of the node holds the zone's key set, proven",
                    zone,
                    tags,
                    z -> z.keySync() == KeySyncState.SYNCED ? 1 : 0);
            zoneGauge(
                    "tandem.zone.key.replication.pending",
                    "GENERATED keys of the zone not yet replicated to and proven on every node (not published)",
                    zone,
                    tags,
                    z -> z.replicationPending().size());
            gateFailures.put(
                    zone,
                    Counter.builder("tandem.gate.failures")
                            .description("Signed versions of the zone the validation gate refused")
                            .tags(tags)
                            .register(registry));
            canaryFailures.put(
                    zone,
                    Counter.builder("tandem.canary.failures")
                            .description("Failed capability canary runs for the zone")
                            .tags(tags)
                            .register(registry));
            clockRefusals.put(
                    zone,
                    Counter.builder("tandem.clock.refusals")
                            .description("Signing runs of the zone refused because the clock skew exceeded max-skew")
                            .tags(tags)
                            .register(registry));
        }
        for (ZoneName zone : zones) {
            Tags tags = Tags.of("zone", zone.toString());
            historyPruned.put(
                    zone,
                    Counter.builder("tandem.ledger.history.pruned")
                            .description("Publish history records of the zone this node deleted as leader")
                            .tags(tags)
                            .register(registry));
            AtomicLong records = new AtomicLong(-1);
            historyRecords.put(zone, records);
            Gauge.builder("tandem.ledger.history.records", records, r -> r.get() < 0 ? Double.NaN : r.get())
                    .description("Records in the zone's publish history in ZooKeeper, as last seen after a commit")
                    .tags(tags)
                    .register(registry);
            AtomicLong failing = new AtomicLong();
            destructionFailing.put(zone, failing);
            Gauge.builder("tandem.zone.key.destruction.failing", failing, AtomicLong::get)
                    .description(
                            "DELETED keys of the zone still on an HSM of this node: their destruction failed there")
                    .tags(tags)
                    .register(registry);
        }
        peerGauges(peers);
        for (ZoneName zone : zones) {
            transferCounters(zone);
            signing.put(zone, latency("tandem.signing.duration", "Time to sign one version of the zone", zone));
            publishing.put(
                    zone,
                    latency(
                            "tandem.publish.duration",
                            "Time of one published run of the zone: load, sign, gate, commit, write, serve",
                            zone));
        }
        transferCounters(null);
        keyInfo = MultiGauge.builder("tandem.key.info")
                .description("1 per key in the zone's manifest (role, tag, algorithm, state)")
                .register(registry);
        keyCreated = MultiGauge.builder("tandem.key.created.timestamp.seconds")
                .description("Unix time the key was generated")
                .register(registry);
        keyNextEvent = MultiGauge.builder("tandem.key.next.event.timestamp.seconds")
                .description("Unix time of the key's next planned lifecycle event (event tag); none while no"
                        + " rollover is planned")
                .register(registry);
        keyLifetimeEnd = MultiGauge.builder("tandem.key.lifetime.end.timestamp.seconds")
                .description("Unix time the key's planned lifetime ends; none while no lifetime is known")
                .register(registry);
    }

    private void transferCounters(ZoneName zone) {
        Map<TransferEvent, Counter> counters = new EnumMap<>(TransferEvent.class);
        for (TransferEvent e : TransferEvent.values()) {
            counters.put(
                    e,
                    Counter.builder("tandem.transfer." + e.kind())
                            .description("Transfer server exchanges (" + e.kind() + ") by zone and result")
                            .tags("zone", zone == null ? NOT_SERVED : zone.toString(), "result", e.result())
                            .register(registry));
        }
        transfers.put(zone, counters);
    }

    private Timer latency(String name, String description, ZoneName zone) {
        return Timer.builder(name)
                .description(description)
                .tags("zone", zone.toString())
                .serviceLevelObjectives(LATENCY_BUCKETS.toArray(Duration[]::new))
                .register(registry);
    }

    private void peerGauges(List<String> peers) {
        for (String peer : peers) {
            Gauge.builder(
                            "tandem.peer.keys.pending",
                            this,
                            m -> m.current().peers().stream()
                                    .filter(p -> p.name().equals(peer))
                                    .findFirst()
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

    /**
     * The zone's publish history after a commit (and prune) by this node.
     *
     * @param pruned records this node just deleted
     * @param records records the history holds now
     */
    public void history(ZoneName zone, int pruned, int records) {
        counter(historyPruned, zone).increment(pruned);
        historyRecords.get(zone).set(records);
    }

    /** The (key, HSM) pairs of the zone whose destruction failed on this node's last attempt. */
    public void keyDestructionFailing(ZoneName zone, int failing) {
        AtomicLong g = destructionFailing.get(Objects.requireNonNull(zone, "zone"));
        if (g == null) {
            throw new IllegalArgumentException("zone " + zone + " is not one of the node's zones " + signing.keySet());
        }
        g.set(failing);
    }

    private static Counter counter(Map<ZoneName, Counter> counters, ZoneName zone) {
        Counter c = counters.get(Objects.requireNonNull(zone, "zone"));
        if (c == null) {
            throw new IllegalArgumentException("zone " + zone + " is not one of the node's zones " + counters.keySet());
        }
        return c;
    }

    /**
     * Counts one transfer server exchange.
     *
     * @param zone the zone, one of the node's; empty for a request naming no zone served here
     */
    public void transfer(Optional<ZoneName> zone, TransferEvent event) {
        Map<TransferEvent, Counter> counters = transfers.get(zone.orElse(null));
        if (counters == null) {
            throw new IllegalArgumentException(
                    "zone " + zone.get() + " is not one of the node's zones " + signing.keySet());
        }
        counters.get(Objects.requireNonNull(event, "event")).increment();
    }

    /** Records the time one version of the zone took to sign. */
    public void signed(ZoneName zone, Duration elapsed) {
        timer(signing, zone).record(elapsed);
    }

    /** Records the time one published run of the zone took, start to served. */
    public void published(ZoneName zone, Duration elapsed) {
        timer(publishing, zone).record(elapsed);
    }

    private static Timer timer(Map<ZoneName, Timer> timers, ZoneName zone) {
        Timer t = timers.get(Objects.requireNonNull(zone, "zone"));
        if (t == null) {
            throw new IllegalArgumentException("zone " + zone + " is not one of the node's zones " + timers.keySet());
        }
        return t;
    }

    /**
     * Replaces the zone's key series with {@code facts} (the keys its manifest lists now; empty: no
     * manifest). Series of keys no longer listed disappear.
     */
    public synchronized void keys(ZoneName zone, List<KeyFacts> facts) {
        if (!signing.containsKey(Objects.requireNonNull(zone, "zone"))) {
            throw new IllegalArgumentException("zone " + zone + " is not one of the node's zones " + signing.keySet());
        }
        keys.put(zone, List.copyOf(facts));
        List<MultiGauge.Row<?>> info = new ArrayList<>();
        List<MultiGauge.Row<?>> created = new ArrayList<>();
        List<MultiGauge.Row<?>> next = new ArrayList<>();
        List<MultiGauge.Row<?>> lifetime = new ArrayList<>();
        keys.forEach((z, list) -> {
            for (KeyFacts k : list) {
                Tags tags = Tags.of(
                        Tag.of("zone", z.toString()),
                        Tag.of("role", k.role().name()),
                        Tag.of("tag", Integer.toString(k.tag().value())),
                        Tag.of("algorithm", Integer.toString(k.algorithm().number())));
                info.add(MultiGauge.Row.of(tags.and("state", k.state().name()), 1.0));
                created.add(MultiGauge.Row.of(tags, seconds(k.created())));
                k.nextEvents()
                        .forEach((event, at) -> next.add(MultiGauge.Row.of(tags.and("event", event), seconds(at))));
                k.lifetimeEnd().ifPresent(end -> lifetime.add(MultiGauge.Row.of(tags, seconds(end))));
            }
        });
        keyInfo.register(info, true);
        keyCreated.register(created, true);
        keyNextEvent.register(next, true);
        keyLifetimeEnd.register(lifetime, true);
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
