package org.tandem.signer.watchdog;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.tandem.keysync.key.ZoneName;

/**
 * The watchdog's meters, registered on the node's registry (which adds the {@code node} tag):
 *
 * <table>
 *   <caption>Meters (Prometheus names)</caption>
 *   <tr><th>name</th><th>tags</th><th>value</th></tr>
 *   <tr><td>{@code tandem_watchdog_rrsig_earliest_expiry_timestamp_seconds}</td><td>zone, source</td>
 *       <td>Unix time of the earliest RRSIG expiration in the copy; NaN unread</td></tr>
 *   <tr><td>{@code tandem_watchdog_serial}</td><td>zone, source</td><td>SOA serial of the copy; NaN unread</td></tr>
 *   <tr><td>{@code tandem_watchdog_source_ok}</td><td>zone, source</td><td>1 when the copy was read, is
 *       current and validates, else 0; NaN
 *       when not observed (the {@code self} endpoint of a node that does not lead, a file not written yet)</td></tr>
 *   <tr><td>{@code tandem_watchdog_severity}</td><td>zone</td><td>0 OK, 1 WARNING, 2 CRITICAL</td></tr>
 *   <tr><td>{@code tandem_watchdog_warn_seconds}, {@code tandem_watchdog_critical_seconds}</td><td>zone</td>
 *       <td>the configured thresholds</td></tr>
 *   <tr><td>{@code tandem_watchdog_stepdowns_total}</td><td>zone</td><td>times the leader stepped down for it</td></tr>
 *   <tr><td>{@code tandem_watchdog_escalations_total}</td><td>zone</td><td>CRITICAL episodes on the leader
 *       with no eligible standby</td></tr>
 *   <tr><td>{@code tandem_watchdog_last_run_timestamp_seconds}</td><td>zone</td><td>Unix time of the last
 *       finished run; NaN none</td></tr>
 * </table>
 *
 * <p>Every series exists from construction (sources are fixed: {@code self}, {@code published-file},
 * the configured secondaries). Thread-safe.
 */
final class WatchdogMetrics {
    static final String SELF = "self";
    static final String PUBLISHED_FILE = "published-file";

    private final Map<String, Double> values = new ConcurrentHashMap<>();
    private final Map<ZoneName, Counter> stepDowns = new LinkedHashMap<>();
    private final Map<ZoneName, Counter> escalations = new LinkedHashMap<>();

    WatchdogMetrics(MeterRegistry registry, List<ZoneName> zones, List<String> sources, Thresholds t) {
        Objects.requireNonNull(registry, "registry");
        for (ZoneName zone : zones) {
            Tags z = Tags.of("zone", zone.toString());
            for (String source : sources) {
                Tags zs = z.and("source", source);
                gauge(
                        registry,
                        "tandem.watchdog.rrsig.earliest.expiry.timestamp.seconds",
                        "Unix time of the earliest RRSIG expiration in the copy the source serves; NaN unread",
                        key("expiry", zone, source),
                        zs);
                gauge(
                        registry,
                        "tandem.watchdog.serial",
                        "SOA serial of the copy the source serves; NaN unread",
                        key("serial", zone, source),
                        zs);
                gauge(
                        registry,
                        "tandem.watchdog.source.ok",
                        "1 when the source's copy was read, is current and validates, else 0",
                        key("ok", zone, source),
                        zs);
            }
            gauge(
                    registry,
                    "tandem.watchdog.severity",
                    "Watchdog severity of the zone: 0 OK, 1 WARNING, 2 CRITICAL",
                    key("severity", zone, ""),
                    z);
            values.put(key("severity", zone, ""), 0.0);
            gauge(
                    registry,
                    "tandem.watchdog.warn.seconds",
                    "Earliest RRSIG expiry below this many seconds: WARNING",
                    key("warn", zone, ""),
                    z);
            values.put(key("warn", zone, ""), (double) t.warn().toSeconds());
            gauge(
                    registry,
                    "tandem.watchdog.critical.seconds",
                    "Earliest RRSIG expiry below this many seconds: CRITICAL",
                    key("critical", zone, ""),
                    z);
            values.put(key("critical", zone, ""), (double) t.critical().toSeconds());
            gauge(
                    registry,
                    "tandem.watchdog.last.run.timestamp.seconds",
                    "Unix time the watchdog last finished judging the zone; NaN never",
                    key("run", zone, ""),
                    z);
            stepDowns.put(
                    zone,
                    Counter.builder("tandem.watchdog.stepdowns")
                            .description("Times this node stepped down as leader because the zone was CRITICAL")
                            .tags(z)
                            .register(registry));
            escalations.put(
                    zone,
                    Counter.builder("tandem.watchdog.escalations")
                            .description(
                                    "CRITICAL episodes of the zone on the leader with no eligible standby to take over")
                            .tags(z)
                            .register(registry));
        }
    }

    private void gauge(MeterRegistry registry, String name, String description, String key, Tags tags) {
        Gauge.builder(name, values, m -> m.getOrDefault(key, Double.NaN))
                .description(description)
                .tags(tags)
                .register(registry);
    }

    private static String key(String what, ZoneName zone, String source) {
        return what + '\u0000' + zone + '\u0000' + source;
    }

    /** Records one source's copy as this run found it. */
    void source(ZoneName zone, Observation o, SourceVerdict v) {
        values.put(
                key("serial", zone, o.source()),
                o.serial().isPresent() ? o.serial().getAsLong() : Double.NaN);
        values.put(
                key("expiry", zone, o.source()),
                o.earliest().map(e -> (double) e.expiration().getEpochSecond()).orElse(Double.NaN));
        values.put(key("ok", zone, o.source()), v.ok() ? 1.0 : 0.0);
    }

    /** A source not observed in this run (this node does not serve, no file yet): unknown. */
    void unobserved(ZoneName zone, String source) {
        values.put(key("serial", zone, source), Double.NaN);
        values.put(key("expiry", zone, source), Double.NaN);
        values.put(key("ok", zone, source), Double.NaN);
    }

    void severity(ZoneName zone, Severity s, Instant at) {
        values.put(key("severity", zone, ""), (double) s.ordinal());
        values.put(key("run", zone, ""), at.toEpochMilli() / 1000.0);
    }

    void steppedDown(ZoneName zone) {
        stepDowns.get(zone).increment();
    }

    void escalated(ZoneName zone) {
        escalations.get(zone).increment();
    }
}
