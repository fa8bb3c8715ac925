package org.tandem.signer.node;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The expiry watchdog's configuration ({@code watchdog:} in {@code node.yaml}, optional; see
 * {@code docs/monitoring-watchdog.md}):
 *
 * <pre>
 * watchdog:
 *   interval: 60s      # how often every zone is read back and judged
 *   warn: 3d           # WARNING when the earliest RRSIG expires sooner than this
 *   critical: 1d       # CRITICAL (the leader steps down, or escalates) when sooner than this
 *   secondaries:       # the secondaries to read back by AXFR, besides this node's own endpoint
 *     - {name: knot-dc1, address: "127.0.0.1:5353", tsig: {name: xfr., algorithm: hmac-sha256, secret-file: f}}
 * </pre>
 *
 * @param interval time between two runs, positive
 * @param warn earliest expiry sooner than this is a WARNING; longer than {@code critical}
 * @param critical earliest expiry sooner than this is CRITICAL; positive
 * @param secondaries the secondaries to read back, no name twice, none named {@code self} or
 *     {@code published-file} (the watchdog's own source names)
 */
public record WatchdogConfig(Duration interval, Duration warn, Duration critical, List<SecondaryConfig> secondaries) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(60);
    public static final Duration DEFAULT_WARN = Duration.ofDays(3);
    public static final Duration DEFAULT_CRITICAL = Duration.ofDays(1);
    /** Source names the watchdog uses for this node's own copies. */
    public static final Set<String> RESERVED_NAMES = Set.of("self", "published-file");

    public WatchdogConfig {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(warn, "warn");
        Objects.requireNonNull(critical, "critical");
        secondaries = List.copyOf(secondaries);
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("watchdog interval must be positive, got " + interval);
        }
        if (critical.isNegative() || critical.isZero()) {
            throw new IllegalArgumentException("watchdog critical must be positive, got " + critical);
        }
        if (critical.compareTo(warn) >= 0) {
            throw new IllegalArgumentException("watchdog critical " + critical + " must be shorter than warn " + warn);
        }
        if (secondaries.stream().map(SecondaryConfig::name).distinct().count() != secondaries.size()) {
            throw new IllegalArgumentException("watchdog lists a secondary name twice");
        }
        if (secondaries.stream().anyMatch(s -> RESERVED_NAMES.contains(s.name()))) {
            throw new IllegalArgumentException("watchdog secondary names must not be one of " + RESERVED_NAMES);
        }
    }

    /** Every minute, WARNING below 3 days, CRITICAL below 1 day, no secondaries. */
    public static WatchdogConfig defaults() {
        return new WatchdogConfig(DEFAULT_INTERVAL, DEFAULT_WARN, DEFAULT_CRITICAL, List.of());
    }

    /**
     * A secondary the watchdog reads back by AXFR.
     *
     * @param name the {@code source} label of its metrics, a node name ({@link NodeConfig#NAME})
     * @param address where it answers AXFR (TCP)
     * @param tsig the TSIG key it requires for transfers, if any
     */
    public record SecondaryConfig(String name, Endpoint address, Optional<TsigConfig> tsig) {
        public SecondaryConfig {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(tsig, "tsig");
            if (!NodeConfig.NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("secondary name must match " + NodeConfig.NAME + ": " + name);
            }
            if (address.port() == 0) {
                throw new IllegalArgumentException("secondary " + name + ": port 0 cannot be sent to");
            }
        }
    }
}
