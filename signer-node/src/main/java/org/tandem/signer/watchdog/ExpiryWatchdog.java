package org.tandem.signer.watchdog;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.SigningException;
import org.tandem.signer.gate.GatePolicy;
import org.tandem.signer.gate.GateVerdict;
import org.tandem.signer.gate.ValidationGate;
import org.tandem.signer.publish.SignedZoneFile;
import org.tandem.signer.publish.TsigKey;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.Type;
import org.xbill.DNS.ZoneTransferException;
import org.xbill.DNS.ZoneTransferIn;

/**
 * The expiry watchdog of one node (F14): every {@code interval}, on its own daemon thread and
 * independently of the signing loop, for each zone it reads back what is served, validates each copy
 * with the {@link ValidationGate} (no margin: "valid now"; the thresholds judge the time left),
 * classifies ({@link Classifier}), and acts:
 *
 * <ul>
 *   <li>every severity: the {@code tandem.watchdog.*} meters and, from WARNING, one {@link
 *       #healthReasons() /health reason} per problem;
 *   <li>CRITICAL on the leader, caused by a copy the leader itself serves ({@code self} or {@code
 *       published-file}), after the leader has held its term for one interval: the leader steps
 *       down through {@link ClusterSeat#stepDown} if {@link ClusterSeat#eligibleStandbys()} names a
 *       key-synced standby; otherwise it escalates: counter, health reason and one ERROR line per
 *       episode naming zone, serial, earliest expiry, the RRset of the earliest RRSIG and why it did
 *       not step down. CRITICAL caused only by secondaries escalates the same way (a new leader
 *       would serve them nothing different).
 * </ul>
 *
 * <p>Sources per zone: {@code self} (AXFR from the node's transfer endpoint, only while the node
 * leads: a standby's endpoint serves nothing), {@code published-file} (the zone file the node
 * published last, when it exists and the node leads: a standby's file is nobody's copy) and each
 * configured secondary (AXFR, with its TSIG key if any).
 * A copy serving an older serial than the newest this node knows was published counts as stale once
 * that newer serial has been known for one interval.
 *
 * <p>Contracts: {@link #start} schedules the first run at once; {@link #close()} stops the thread
 * (idempotent). A run that fails on a bug is logged and the next one runs. Thread-safe.
 */
public final class ExpiryWatchdog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExpiryWatchdog.class);
    /** Longest one AXFR may take. */
    static final Duration MAX_TRANSFER_TIME = Duration.ofSeconds(10);
    /** Published serials remembered per zone for the staleness check. */
    private static final int SERIALS_KEPT = 64;

    /**
     * The watchdog's view of the node's place in the cluster, implemented by the daemon.
     */
    public interface ClusterSeat {
        /** The epoch of the valid leadership this node holds now; empty when it does not lead. */
        OptionalLong leaderEpoch();

        /** Where this node's transfer endpoint answers AXFR now; empty when none is configured. */
        Optional<InetSocketAddress> servingAddress();

        /** The newest serial of the zone this node knows was published (its own or the ledger's); empty none. */
        OptionalLong lastPublished(ZoneName zone);

        /**
         * The other nodes in the election now (key-synced standbys that could take over).
         *
         * @throws SigningException when the cluster cannot be asked (ZooKeeper down)
         */
        List<String> eligibleStandbys() throws SigningException;

        /** Gives up leadership with the election's hold-off; returns at once. */
        void stepDown(String reason);
    }

    /**
     * A secondary to read back.
     *
     * @param name its {@code source} label
     * @param address where it answers AXFR
     * @param tsig the key its transfers need, if any
     */
    public record Secondary(String name, InetSocketAddress address, Optional<TsigKey> tsig) {
        public Secondary {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(tsig, "tsig");
        }
    }

    /**
     * A zone to watch.
     *
     * @param name the zone
     * @param publishedFile the file the node publishes it to (its current version)
     */
    public record WatchedZone(ZoneName name, Path publishedFile) {
        public WatchedZone {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(publishedFile, "publishedFile");
        }
    }

    private final String node;
    private final List<WatchedZone> zones;
    private final List<Secondary> secondaries;
    private final Optional<TsigKey> selfTsig;
    private final Thresholds thresholds;
    private final Duration interval;
    private final ClusterSeat seat;
    private final Clock clock;
    private final ValidationGate gate = new ValidationGate(
            GatePolicy.defaults().withMinimumValidity(Duration.ZERO).withThreads(1));
    private final WatchdogMetrics metrics;
    private final ScheduledExecutorService thread;
    /** Per zone: published serials and when this watchdog first knew of each (the watchdog thread only). */
    private final Map<ZoneName, NavigableMap<Long, Instant>> serialsSeen = new HashMap<>();
    /** Per zone: the serial of the CRITICAL episode already escalated (the watchdog thread only). */
    private final Map<ZoneName, Long> escalatedSerial = new HashMap<>();

    private long leaderEpochSeen = -1;
    private Instant leaderSince = Instant.MIN;
    private volatile Map<ZoneName, ZoneVerdict> last = Map.of();

    private ExpiryWatchdog(
            String node,
            List<WatchedZone> zones,
            List<Secondary> secondaries,
            Optional<TsigKey> selfTsig,
            Thresholds thresholds,
            Duration interval,
            ClusterSeat seat,
            MeterRegistry registry,
            Clock clock) {
        this.node = Objects.requireNonNull(node, "node");
        this.zones = List.copyOf(zones);
        this.secondaries = List.copyOf(secondaries);
        this.selfTsig = Objects.requireNonNull(selfTsig, "selfTsig");
        this.thresholds = Objects.requireNonNull(thresholds, "thresholds");
        this.interval = Objects.requireNonNull(interval, "interval");
        this.seat = Objects.requireNonNull(seat, "seat");
        this.clock = Objects.requireNonNull(clock, "clock");
        List<String> sources = new ArrayList<>(List.of(WatchdogMetrics.SELF, WatchdogMetrics.PUBLISHED_FILE));
        this.secondaries.forEach(s -> sources.add(s.name()));
        this.metrics = new WatchdogMetrics(
                registry, this.zones.stream().map(WatchedZone::name).toList(), sources, thresholds);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "watchdog-" + node);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Builds the watchdog without starting its thread (tests call {@link #runOnce()}).
     *
     * @param node the node's name, for logs
     * @param selfTsig the key this node's transfer endpoint requires, if any
     * @param thresholds warn, critical and the staleness grace (one interval)
     * @param interval time between runs, positive
     * @param registry the node's meter registry
     */
    static ExpiryWatchdog create(
            String node,
            List<WatchedZone> zones,
            List<Secondary> secondaries,
            Optional<TsigKey> selfTsig,
            Thresholds thresholds,
            Duration interval,
            ClusterSeat seat,
            MeterRegistry registry,
            Clock clock) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("watchdog interval must be positive, got " + interval);
        }
        return new ExpiryWatchdog(node, zones, secondaries, selfTsig, thresholds, interval, seat, registry, clock);
    }

    /** Builds the watchdog and schedules its runs, the first at once. */
    public static ExpiryWatchdog start(
            String node,
            List<WatchedZone> zones,
            List<Secondary> secondaries,
            Optional<TsigKey> selfTsig,
            Thresholds thresholds,
            Duration interval,
            ClusterSeat seat,
            MeterRegistry registry,
            Clock clock) {
        ExpiryWatchdog w = create(node, zones, secondaries, selfTsig, thresholds, interval, seat, registry, clock);
        w.thread.scheduleWithFixedDelay(w::guardedRun, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info(
                "node={} event=watchdog-started interval={} warn={} critical={} secondaries={}",
                node,
                interval,
                thresholds.warn(),
                thresholds.critical(),
                secondaries.stream().map(s -> s.name() + "@" + s.address()).toList());
        return w;
    }

    private void guardedRun() {
        try {
            runOnce();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("node={} event=watchdog-error the next run follows in {}", node, interval, e);
        }
    }

    /** One look at every zone (on the caller's thread; the scheduled runs use the watchdog's). */
    void runOnce() throws InterruptedException {
        Map<ZoneName, ZoneVerdict> verdicts = new LinkedHashMap<>();
        for (WatchedZone z : zones) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("watchdog interrupted");
            }
            ZoneVerdict v = judge(z);
            verdicts.put(z.name(), v);
            last = Map.copyOf(verdicts);
            act(v);
        }
        last = Map.copyOf(verdicts);
    }

    private ZoneVerdict judge(WatchedZone z) throws InterruptedException {
        OptionalLong epoch = seat.leaderEpoch();
        List<Copy> copies = new ArrayList<>();
        if (epoch.isPresent() && seat.servingAddress().isPresent()) {
            copies.add(transfer(
                    z.name(),
                    WatchdogMetrics.SELF,
                    loopback(seat.servingAddress().get()),
                    selfTsig));
        } else {
            metrics.unobserved(z.name(), WatchdogMetrics.SELF);
        }
        // A standby's file is what it last published while it led: nobody serves it, and the node re-signs
        // as the first act of a term, so its age and expiry say nothing about the zone (it would turn a
        // standby of two weeks unhealthy for nothing).
        if (epoch.isPresent() && Files.exists(z.publishedFile())) {
            copies.add(file(z));
        } else {
            metrics.unobserved(z.name(), WatchdogMetrics.PUBLISHED_FILE);
        }
        for (Secondary s : secondaries) {
            copies.add(transfer(z.name(), s.name(), s.address(), s.tsig()));
        }
        Instant now = clock.instant();
        NavigableMap<Long, Instant> seen = serialsSeen.computeIfAbsent(z.name(), k -> new TreeMap<>());
        seat.lastPublished(z.name()).ifPresent(s -> seen.putIfAbsent(s, now));
        for (Copy c : copies) {
            if (c.serial.isPresent()
                    && (c.source.equals(WatchdogMetrics.SELF) || c.source.equals(WatchdogMetrics.PUBLISHED_FILE))) {
                seen.putIfAbsent(c.serial.getAsLong(), now);
            }
        }
        while (seen.size() > SERIALS_KEPT) {
            seen.pollFirstEntry();
        }
        long reference = seen.isEmpty() ? 0 : seen.lastKey();
        List<Observation> observations = new ArrayList<>();
        for (Copy c : copies) {
            Observation o;
            if (c.unreadable.isPresent()) {
                o = Observation.unreadable(c.source, c.unreadable.get(), reference);
            } else {
                long serial = c.serial.getAsLong();
                Optional<Instant> behindSince =
                        Optional.ofNullable(seen.higherEntry(serial)).map(Map.Entry::getValue);
                GateVerdict verdict = gate.verify(z.name().name(), c.records, now);
                Optional<String> invalid = verdict.passed() ? Optional.empty() : Optional.of(oneLine(verdict));
                o = Observation.read(c.source, serial, invalid, EarliestRrsig.of(c.records), reference, behindSince);
            }
            observations.add(o);
        }
        ZoneVerdict v = Classifier.classify(z.name(), observations, thresholds, now);
        for (int i = 0; i < observations.size(); i++) {
            metrics.source(z.name(), observations.get(i), v.sources().get(i));
        }
        metrics.severity(z.name(), v.severity(), clock.instant());
        if (v.severity() != Severity.OK) {
            LOG.warn(
                    "node={} zone={} event=watchdog-{} serial={} earliest_expiry={} problems=\"{}\"",
                    node,
                    z.name(),
                    v.severity().name().toLowerCase(Locale.ROOT),
                    v.referenceSerial(),
                    v.earliest().map(e -> e.expiration().toString()).orElse("none"),
                    String.join("; ", v.problems()));
        }
        return v;
    }

    private void act(ZoneVerdict v) {
        OptionalLong epoch = seat.leaderEpoch();
        Instant now = clock.instant();
        if (epoch.isEmpty()) {
            escalatedSerial.remove(v.zone());
            return;
        }
        if (epoch.getAsLong() != leaderEpochSeen) {
            leaderEpochSeen = epoch.getAsLong();
            leaderSince = now;
        }
        if (v.severity() != Severity.CRITICAL) {
            escalatedSerial.remove(v.zone());
            return;
        }
        List<String> critical = v.criticalSources();
        boolean own = critical.contains(WatchdogMetrics.SELF) || critical.contains(WatchdogMetrics.PUBLISHED_FILE);
        String why;
        if (!own) {
            why = "the CRITICAL copies are on secondaries " + critical + "; a new leader would serve them nothing"
                    + " different";
        } else if (Duration.between(leaderSince, now).compareTo(interval) < 0) {
            LOG.warn(
                    "node={} zone={} event=watchdog-critical-new-term epoch={} reason=\"leading for less than one"
                            + " interval; judged again next run before stepping down\"",
                    node,
                    v.zone(),
                    leaderEpochSeen);
            return;
        } else {
            List<String> standbys;
            try {
                standbys = seat.eligibleStandbys();
            } catch (SigningException e) {
                standbys = List.of();
                LOG.warn(
                        "node={} zone={} event=watchdog-standbys-unknown reason=\"{}\"",
                        node,
                        v.zone(),
                        e.getMessage());
            }
            if (!standbys.isEmpty()) {
                String reason = "watchdog: zone " + v.zone() + " CRITICAL, earliest RRSIG expires "
                        + v.earliest().map(e -> e.expiration().toString()).orElse("unknown");
                metrics.steppedDown(v.zone());
                LOG.warn(
                        "node={} zone={} event=watchdog-step-down epoch={} serial={} earliest_expiry={} rrset=\"{}\""
                                + " standbys={} critical_sources={}",
                        node,
                        v.zone(),
                        leaderEpochSeen,
                        v.referenceSerial(),
                        v.earliest().map(e -> e.expiration().toString()).orElse("none"),
                        v.earliest().map(EarliestRrsig::rrset).orElse("none"),
                        standbys,
                        critical);
                seat.stepDown(reason.length() > 200 ? reason.substring(0, 200) : reason);
                escalatedSerial.remove(v.zone());
                return;
            }
            why = "no eligible standby: no other key-synced node is in the election, stepping down would leave"
                    + " nobody signing";
        }
        Long done = escalatedSerial.get(v.zone());
        if (done != null && done == v.referenceSerial()) {
            return; // this episode is already escalated; metrics and /health keep saying so
        }
        escalatedSerial.put(v.zone(), v.referenceSerial());
        metrics.escalated(v.zone());
        LOG.error(
                "node={} zone={} event=watchdog-escalation serial={} earliest_expiry={} rrsig_owner={} rrsig_type={}"
                        + " critical_sources={} reason=\"did not step down: {}\"",
                node,
                v.zone(),
                v.referenceSerial(),
                v.earliest().map(e -> e.expiration().toString()).orElse("none"),
                v.earliest().map(e -> e.owner().toString()).orElse("none"),
                v.earliest().map(e -> Type.string(e.coveredType())).orElse("none"),
                critical,
                why);
    }

    /**
     * What {@code /health} adds for the watchdog: one line per problem of every zone at WARNING or
     * worse in the last run, prefixed with its severity; empty when every zone is OK.
     */
    public List<String> healthReasons() {
        List<String> out = new ArrayList<>();
        for (ZoneVerdict v : last.values()) {
            if (v.severity() != Severity.OK) {
                for (String p : v.problems()) {
                    out.add("watchdog " + v.severity() + ": " + p);
                }
            }
        }
        return out;
    }

    /** The severity of each zone in the last run (empty before the first). */
    public Map<ZoneName, Severity> severities() {
        Map<ZoneName, Severity> out = new LinkedHashMap<>();
        last.forEach((z, v) -> out.put(z, v.severity()));
        return out;
    }

    /** A copy as read: records and serial, or why it could not be read. */
    private record Copy(String source, List<Record> records, OptionalLong serial, Optional<String> unreadable) {
        static Copy failed(String source, String why) {
            return new Copy(source, List.of(), OptionalLong.empty(), Optional.of(why));
        }
    }

    /** A transfer failure in words: a server that refuses by closing the connection gives no message. */
    private static String describe(Exception e) {
        if (e.getMessage() != null) {
            return e.getMessage();
        }
        return e.getClass().getSimpleName()
                + ": the server closed the connection (is this node allowed to transfer the zone from it?)";
    }

    private Copy transfer(ZoneName zone, String source, InetSocketAddress address, Optional<TsigKey> tsig) {
        ZoneTransferIn xfr = ZoneTransferIn.newAXFR(
                zone.name(), address, tsig.map(ExpiryWatchdog::tsig).orElse(null));
        Duration timeout = interval.compareTo(MAX_TRANSFER_TIME) < 0 ? interval : MAX_TRANSFER_TIME;
        xfr.setTimeout(timeout.compareTo(Duration.ofSeconds(2)) < 0 ? Duration.ofSeconds(2) : timeout);
        try {
            xfr.run();
        } catch (IOException | ZoneTransferException e) {
            return Copy.failed(source, "AXFR from " + address + ": " + describe(e));
        }
        if (!xfr.isAXFR()) {
            return Copy.failed(source, "AXFR from " + address + ": answered with an incremental transfer");
        }
        return copy(source, new ArrayList<>(new LinkedHashSet<>(xfr.getAXFR())), "AXFR from " + address);
    }

    private Copy file(WatchedZone z) {
        try {
            return copy(
                    WatchdogMetrics.PUBLISHED_FILE,
                    SignedZoneFile.read(z.publishedFile(), z.name().name()),
                    z.publishedFile().toString());
        } catch (SigningException e) {
            return Copy.failed(WatchdogMetrics.PUBLISHED_FILE, e.getMessage());
        }
    }

    private static Copy copy(String source, List<Record> records, String from) {
        Optional<SOARecord> soa = records.stream()
                .filter(r -> r instanceof SOARecord)
                .map(r -> (SOARecord) r)
                .findFirst();
        if (soa.isEmpty()) {
            return Copy.failed(source, from + ": no SOA record");
        }
        return new Copy(source, records, OptionalLong.of(soa.get().getSerial()), Optional.empty());
    }

    private static TSIG tsig(TsigKey k) {
        return new TSIG(k.algorithm(), k.name().toString(), Base64.getEncoder().encodeToString(k.secret()));
    }

    /** A wildcard listen address is asked on the loopback of its family. */
    private static InetSocketAddress loopback(InetSocketAddress a) {
        if (a.getAddress() != null && a.getAddress().isAnyLocalAddress()) {
            String host = a.getAddress() instanceof Inet6Address ? "::1" : "127.0.0.1";
            return new InetSocketAddress(host, a.getPort());
        }
        return a;
    }

    private static String oneLine(GateVerdict v) {
        String[] lines = v.summary().split("\n");
        StringBuilder b = new StringBuilder(lines[0]);
        for (int i = 1; i < lines.length && i < 3; i++) {
            b.append("; ").append(lines[i].trim());
        }
        return b.toString();
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(MAX_TRANSFER_TIME.toSeconds() + 5, TimeUnit.SECONDS)) {
                LOG.warn("node={} event=watchdog-still-running", node);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
