package org.tandem.signer.node;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.HsmSessions;
import org.tandem.keysync.KeySync;
import org.tandem.keysync.KeySyncException;
import org.tandem.keysync.audit.AuditCheckpoint;
import org.tandem.keysync.audit.AuditCheckpointTimer;
import org.tandem.keysync.audit.AuditLog;
import org.tandem.keysync.audit.AuditLogException;
import org.tandem.keysync.audit.CheckpointPolicy;
import org.tandem.keysync.audit.HsmAuditSigner;
import org.tandem.keysync.grpc.KeySyncService;
import org.tandem.keysync.grpc.TlsMaterialException;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.KeyPolicy;
import org.tandem.keysync.hsm.KeyPolicyException;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ManifestException;
import org.tandem.keysync.manifest.ManifestStore;
import org.tandem.keysync.manifest.VersionedManifest;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.metrics.MetricsServer;
import org.tandem.keysync.proof.KeySetVerifier;
import org.tandem.signer.SigningException;
import org.tandem.signer.election.ClockGuard;
import org.tandem.signer.election.ClockVerdict;
import org.tandem.signer.election.ClusterConnection;
import org.tandem.signer.election.ElectionRole;
import org.tandem.signer.election.ElectionSettings;
import org.tandem.signer.election.ElectionState;
import org.tandem.signer.election.KeySyncVerdict;
import org.tandem.signer.election.KeySyncedElection;
import org.tandem.signer.election.Leadership;
import org.tandem.signer.election.LeadershipListener;
import org.tandem.signer.election.LedgerException;
import org.tandem.signer.election.LossReason;
import org.tandem.signer.election.ProvenKeySetCheck;
import org.tandem.signer.election.PublishLedger;
import org.tandem.signer.gate.GatePolicy;
import org.tandem.signer.gate.ValidationGate;
import org.tandem.signer.grpc.SignerNodeServer;
import org.tandem.signer.lifecycle.PublishedVersion;
import org.tandem.signer.lifecycle.ResolverParentDs;
import org.tandem.signer.lifecycle.RolloverAgent;
import org.tandem.signer.lifecycle.RolloverPolicy;
import org.tandem.signer.lifecycle.ZoneTimings;
import org.tandem.signer.metrics.KeyFacts;
import org.tandem.signer.metrics.NodeHealth;
import org.tandem.signer.metrics.NodeMetrics;
import org.tandem.signer.publish.Retention;
import org.tandem.signer.publish.TransferServer;
import org.tandem.signer.publish.TsigKey;
import org.tandem.signer.publish.ZoneDirectory;
import org.tandem.signer.replication.KeyDestruction;
import org.tandem.signer.replication.KeyReplicator;
import org.tandem.signer.replication.Peer;
import org.tandem.signer.replication.PeerLinks;
import org.tandem.signer.replication.ReplicationPass;
import org.tandem.signer.schedule.ResignPlan;
import org.tandem.signer.schedule.ResignPlanner;
import org.tandem.signer.schedule.SourceWatcher;
import org.tandem.signer.sign.ZoneSigner;
import org.tandem.signer.watchdog.ExpiryWatchdog;
import org.tandem.signer.watchdog.Thresholds;
import org.tandem.signer.zone.ZoneLoadException;

/**
 * The signer-node daemon: the composition root that turns a {@link NodeConfig} into a running node.
 *
 * <p>It opens this node's HSM(s), one ZooKeeper session ({@link ClusterConnection}) shared by the
 * key-synced election, the publish ledger and the manifest store, a transfer server (when
 * configured) that serves only while this node's leadership lease is valid, and one zone worker
 * thread. The worker, once a second: as leader, publishes every zone that is due (first thing in a
 * new term, when its source changed, when its signatures reach the refresh point, or to retry a
 * failed run) through {@link ZoneCycle}; as standby, keeps its view of the cluster's committed
 * serials current. Safety does not depend on the worker's timing: every publish is fenced (lease
 * check, epoch-checked commit in ZooKeeper).
 *
 * <p>Apart from the worker, the {@link ExpiryWatchdog} (its own thread, {@code watchdog:} in
 * {@code node.yaml}) reads back what is served, adds its findings to {@link #health()} and the
 * metrics, and steps this node down when its zone nears expiry while a key-synced standby can take
 * over (F14).
 *
 * <p>Lifecycle: {@link #start} then {@link #close()} (idempotent; stops the worker first, so no
 * signing runs after the election is closed, then the election, the transfer server, ZooKeeper and
 * the HSMs). Threads: public methods are safe from any thread.
 */
public final class SignerNodeDaemon implements NodeControl, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SignerNodeDaemon.class);
    /** How often the zone worker looks at its zones. */
    static final Duration TICK = Duration.ofSeconds(1);
    /** How often the key metrics re-read the manifests. */
    static final Duration KEY_METRICS_INTERVAL = Duration.ofSeconds(30);
    /** How long start waits for ZooKeeper before going on without it (the node then stays out). */
    static final Duration CONNECT_WAIT = Duration.ofSeconds(10);
    /** Timeout of each query of {@code parent.check: resolver} (resolver and every parent name server). */
    private static final Duration PARENT_DS_TIMEOUT = Duration.ofSeconds(3);

    /** How often each zone's manifest is read for DELETED keys (and a failed destruction retried). */
    static final Duration KEY_DESTRUCTION_INTERVAL = Duration.ofSeconds(5);

    /** Deadline of each call of the replication agent to a peer's KeySync service. */
    static final Duration REPLICATION_DEADLINE = Duration.ofSeconds(5);

    private final NodeConfig config;
    private final Clock clock;
    private final List<Hsm> hsms = new ArrayList<>();
    private final Map<ZoneName, ZoneWork> zones = new LinkedHashMap<>();
    private final ScheduledExecutorService worker;
    private ClusterConnection cluster;
    private KeySyncedElection election;
    private ClockGuard clockGuard;
    private PublishLedger ledger;
    private TransferServer transfer;
    private ResignPlanner planner;
    private NodeMetrics metrics;
    private MetricsServer metricsServer;
    private SignerNodeServer grpc;
    /** The node's audit log, shared by KeySync, the KeySync service and the SignerNode service. */
    private AuditLog audit;

    private AuditCheckpointTimer checkpoints;
    private SourceWatcher watcher;
    private PeerLinks peerLinks;
    private KeyReplicator replicator;
    /** Destroys the keys the manifest lists as DELETED on this node's HSMs, leader or standby. */
    private KeyDestruction keyDestruction;
    /** The rollover agent (zones whose policy has keys:), run by the leader on the worker thread. */
    private RolloverAgent rolloverAgent;
    /** The replication agent's last pass (worker thread writes, status reads). */
    private volatile ReplicationPass lastPass;

    private volatile long replicatedInEpoch = -1;
    /** When the last pass ended (worker thread only): the next one starts a re-check interval later. */
    private Instant lastPassEnded = Instant.MIN;

    private volatile boolean closed;
    /** The cluster's epoch as this node last read it from ZooKeeper (a standby's view), 0 unknown. */
    private volatile long clusterEpoch;

    private volatile ExpiryWatchdog watchdog;
    /** For tests only: stalls the zone worker while a file exists (see {@link SigningStall}). */
    private final SigningStall stall = SigningStall.fromSystemProperty();

    private ManifestStore manifests;
    /** Re-opens a removed HSM token without a restart (INV-K6). */
    private TokenRecovery recovery;
    /** When the key metrics last read the manifests (worker thread only). */
    private Instant keyMetricsRead;

    private SignerNodeDaemon(NodeConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "zones-" + config.name());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts the node. Fails only for what the operator must fix before the node can run at all (an
     * HSM that cannot be opened, a transfer address that cannot be bound); an unreachable ZooKeeper
     * is not one of them (the node starts, stays out of the election, and says so in status).
     *
     * @throws NodeStartException naming the part that failed; everything opened is closed again
     * @throws InterruptedException if interrupted while starting; everything opened is closed again
     */
    public static SignerNodeDaemon start(NodeConfig config, Clock clock)
            throws NodeStartException, InterruptedException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(clock, "clock");
        SignerNodeDaemon d = new SignerNodeDaemon(config, clock);
        try {
            d.open();
            return d;
        } catch (NodeStartException | InterruptedException | RuntimeException e) {
            d.close();
            throw e;
        }
    }

    private void open() throws NodeStartException, InterruptedException {
        try {
            hsms.addAll(HsmSessions.open(config.hsms()));
            KeyPolicy.requireAll(hsms); // no key the user PIN alone could take out (docs/security/hsm.md)
        } catch (HsmException e) {
            throw new NodeStartException(config.name(), "HSM", e.getMessage(), e);
        } catch (KeyPolicyException e) {
            throw new NodeStartException(config.name(), "HSM key attributes", e.getMessage(), e);
        }
        // One audit log for KeySync, the KeySync service and the orders received over gRPC, its chain
        // head signed by the node's audit key in its (first) HSM, generated there on first start.
        try {
            HsmAuditSigner signer = HsmAuditSigner.open(hsms.get(0), config.name());
            audit = AuditLog.open(config.hsmConfig().auditLog(), clock, signer, CheckpointPolicy.DEFAULT);
            checkpoints = AuditCheckpointTimer.start(audit);
            LOG.info(
                    "node={} event=audit-log file={} key={} hsm={} public_key_sha256={}",
                    config.name(),
                    audit.file(),
                    signer.keyLabel(),
                    signer.hsm(),
                    AuditCheckpoint.fingerprint(signer.publicKey()));
        } catch (HsmException e) {
            throw new NodeStartException(
                    config.name(), "audit-signing key in HSM " + hsms.get(0).id(), e.getMessage(), e);
        } catch (AuditLogException e) {
            throw new NodeStartException(
                    config.name(), "audit log " + config.hsmConfig().auditLog(), e.getMessage(), e);
        }
        ZooKeeperConfig zk = config.zookeeper();
        try {
            cluster = ClusterConnection.connect(zk.clientSettings(), zk.root(), zk.sessionTimeout(), CONNECT_WAIT);
        } catch (TlsMaterialException e) {
            throw new NodeStartException(config.name(), "ZooKeeper TLS (zookeeper.tls)", e.getMessage(), e);
        }
        ManifestStore store = cluster.manifests();
        manifests = store;
        ledger = cluster.ledger(clock);
        KeySetVerifier verifier = new KeySetVerifier(clock, new SecureRandom());
        List<ZoneName> names = config.zones().stream().map(ZoneConfig::name).toList();
        clockGuard = cluster.clockGuard(config.name(), config.clock().maxSkew(), clock);
        try {
            peerLinks = PeerLinks.open(
                    config.peers().stream()
                            .map(p -> new Peer(p.name(), p.endpoint().toString()))
                            .toList(),
                    config.tls());
            KeySync keySync =
                    new KeySync(hsms, store, audit, clock, "tandem@" + config.name() + " replication", verifier);
            replicator = new KeyReplicator(config.name(), keySync, verifier, peerLinks, clock, REPLICATION_DEADLINE);
            keyDestruction = new KeyDestruction(
                    config.name(),
                    new KeySync(hsms, store, audit, clock, "tandem@" + config.name() + " key-destruction", verifier),
                    clock,
                    KEY_DESTRUCTION_INTERVAL);
            rolloverAgent = new RolloverAgent(
                    config.name(),
                    RolloverAgent.Keys.of(keySync, hsms.get(0).id()),
                    clock,
                    new ResolverParentDs(PARENT_DS_TIMEOUT));
        } catch (TlsMaterialException e) {
            throw new NodeStartException(config.name(), "peer channels", e.getMessage(), e);
        }
        if (config.peers().isEmpty()) {
            LOG.warn(
                    "node={} event=no-peers reason=\"node.yaml lists no peers: as leader this node promotes a new "
                            + "(GENERATED) key to PUBLISHED as soon as its own HSM proves it, without checking that "
                            + "the other nodes hold it; list the other nodes under peers\"",
                    config.name());
        }
        if (config.publish().transfer().isPresent()) {
            try {
                transfer = TransferServer.start(
                        TransferSettings.from(config.publish().transfer().get()), this::mayServe, clock);
            } catch (SigningException e) {
                throw new NodeStartException(config.name(), "transfer server", e.getMessage(), e);
            }
        }
        ZoneSigner signer = new ZoneSigner();
        ValidationGate gate = new ValidationGate(GatePolicy.defaults());
        for (ZoneConfig z : config.zones()) {
            ZoneDirectory dir = new ZoneDirectory(z.outputDirectory(), Retention.all());
            zones.put(
                    z.name(),
                    new ZoneWork(new ZoneCycle(
                            z,
                            hsms.get(0),
                            store,
                            verifier,
                            signer,
                            gate,
                            ledger,
                            dir,
                            Optional.ofNullable(transfer),
                            this::mayServe,
                            clock,
                            clockGuard)));
        }
        // The automatic takeover runs the preflight checks that do not need the old leader before it
        // bumps the epoch (docs/architecture.md, "Election and fencing").
        election = cluster.election(
                config.name(),
                new ProvenKeySetCheck(store, hsms, verifier, () -> names, clock),
                ElectionSettings.DEFAULTS,
                clock,
                clockGuard,
                new TakeoverPreflight(zones.values(), clock));
        planner = new ResignPlanner(config.resign().floor(), clock);
        metrics = new NodeMetrics(
                config.name(),
                names,
                config.peers().stream().map(PeerConfig::name).toList(),
                this::status);
        if (transfer != null) {
            NodeMetrics m = metrics;
            transfer.listener(m::transfer);
        }
        try {
            metricsServer = MetricsServer.start(
                    config.metricsListen().host(),
                    config.metricsListen().port(),
                    metrics::scrape,
                    () -> health().reasons());
        } catch (IOException e) {
            throw new NodeStartException(
                    config.name(), "metrics endpoint " + config.metricsListen(), e.getMessage(), e);
        }
        try {
            // KeySync next to SignerNode: the coordinator asks Inventory with its own nonce.
            KeySyncService keySync = new KeySyncService(
                    config.name(), hsms, clock, audit, "tandem@" + config.name() + " keysync-server", store, verifier);
            grpc = SignerNodeServer.start(
                    config.grpcListen().host(),
                    config.grpcListen().port(),
                    config.tls(),
                    this,
                    config.name(),
                    audit,
                    clock,
                    keySync);
        } catch (IOException | TlsMaterialException e) {
            throw new NodeStartException(config.name(), "gRPC endpoint " + config.grpcListen(), e.getMessage(), e);
        }
        Map<ZoneName, Path> sources = new LinkedHashMap<>();
        config.zones().forEach(z -> sources.put(z.name(), z.source()));
        try {
            watcher = SourceWatcher.start(sources, config.resign().debounce(), zone -> {
                ZoneWork w = zones.get(zone);
                if (w != null) {
                    w.sourceChanged(clock.instant());
                    LOG.info("zone={} event=source-changed", zone);
                }
            });
        } catch (IOException e) {
            throw new NodeStartException(config.name(), "source watch", e.getMessage(), e);
        }
        election.addListener(new LeadershipListener() {
            @Override
            public void gained(Leadership leadership) {
                LOG.info("node={} event=leader epoch={} zones={}", config.name(), leadership.epoch(), names);
                worker.execute(SignerNodeDaemon.this::tick);
            }

            @Override
            public void lost(Leadership leadership, LossReason reason) {
                zones.values().forEach(w -> w.replication(Optional.empty()));
                LOG.warn(
                        "node={} event=leadership-lost epoch={} reason={}",
                        config.name(),
                        leadership.epoch(),
                        reason.display());
            }
        });
        election.start();
        recovery = new TokenRecovery(config.name(), hsms, clock, metrics.registry());
        recovery.start();
        worker.scheduleWithFixedDelay(this::tick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
        watchdog = startWatchdog();
        LOG.info(
                "node={} site={} event=started hsms={} zones={} zookeeper={} transfer={} peers={}",
                config.name(),
                config.site(),
                hsms.stream().map(h -> h.id().toString()).toList(),
                names,
                cluster.connectString(),
                transfer == null ? "off" : transfer.address(),
                config.peers().stream().map(p -> p.name() + "@" + p.endpoint()).toList());
    }

    /**
     * The expiry watchdog on its own thread (F14): it reads back what is served and steps this node
     * down through {@link #stepDown} when the zone nears expiry while a key-synced standby can take over.
     */
    private ExpiryWatchdog startWatchdog() throws NodeStartException {
        WatchdogConfig w = config.watchdog();
        List<ExpiryWatchdog.Secondary> secondaries = new ArrayList<>();
        for (WatchdogConfig.SecondaryConfig s : w.secondaries()) {
            secondaries.add(new ExpiryWatchdog.Secondary(
                    s.name(),
                    new InetSocketAddress(s.address().host(), s.address().port()),
                    tsigKey(s.tsig(), "watchdog secondary " + s.name() + " TSIG")));
        }
        Optional<TsigKey> selfTsig =
                tsigKey(config.publish().transfer().flatMap(TransferConfig::tsig), "publish.transfer.tsig");
        List<ExpiryWatchdog.WatchedZone> watched = config.zones().stream()
                .map(z -> new ExpiryWatchdog.WatchedZone(
                        z.name(), new ZoneDirectory(z.outputDirectory(), Retention.all()).currentFile(z.name())))
                .toList();
        return ExpiryWatchdog.start(
                config.name(),
                watched,
                secondaries,
                selfTsig,
                new Thresholds(w.warn(), w.critical(), w.interval()),
                w.interval(),
                new WatchdogSeat(),
                metrics.registry(),
                clock);
    }

    private Optional<TsigKey> tsigKey(Optional<TsigConfig> tsig, String what) throws NodeStartException {
        if (tsig.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(TsigKey.fromFile(
                    tsig.get().name().toString(),
                    tsig.get().algorithm(),
                    tsig.get().secretFile()));
        } catch (SigningException e) {
            throw new NodeStartException(config.name(), what, e.getMessage(), e);
        }
    }

    /** The watchdog's view of this node in the cluster. */
    private final class WatchdogSeat implements ExpiryWatchdog.ClusterSeat {
        @Override
        public OptionalLong leaderEpoch() {
            Optional<Leadership> l =
                    closed ? Optional.empty() : election.leadership().filter(Leadership::isValid);
            return l.map(x -> OptionalLong.of(x.epoch())).orElse(OptionalLong.empty());
        }

        @Override
        public Optional<InetSocketAddress> servingAddress() {
            return transferAddress();
        }

        @Override
        public OptionalLong lastPublished(ZoneName zone) {
            ZoneWork w = zones.get(zone);
            return w == null ? OptionalLong.empty() : w.status().serial();
        }

        @Override
        public List<String> eligibleStandbys() throws SigningException {
            return election.otherCandidates();
        }

        @Override
        public void stepDown(String reason) {
            try {
                SignerNodeDaemon.this.stepDown(new StepDownOrder("watchdog", reason, Optional.empty()));
            } catch (NodeControlException e) {
                LOG.error("node={} event=watchdog-step-down-failed reason=\"{}\"", config.name(), e.getMessage());
            }
        }
    }

    /** The transfer server's permit: this node leads and its lease is valid (INV-L3). */
    private boolean mayServe() {
        return !closed && election.leadership().map(Leadership::isValid).orElse(false);
    }

    /** One look at every zone, on the worker thread. */
    private void tick() {
        if (closed) {
            return;
        }
        try {
            stall.awaitIfStalled(config.name());
            Optional<Leadership> lead = election.leadership().filter(Leadership::isValid);
            updateKeySync(election.state());
            updateKeyMetrics();
            if (lead.isPresent()) {
                Optional<ReplicationPass> pass = Optional.empty();
                try {
                    pass = replicate(lead.get());
                } catch (RuntimeException e) {
                    // a bug in the agent must not stop the zones from being signed: keys stay GENERATED
                    LOG.error("node={} event=replication-error the keys stay unpublished", config.name(), e);
                }
                for (ZoneWork w : zones.values()) {
                    Set<Fingerprint> proven = pass.flatMap(
                                    p -> p.zone(w.cycle.zone().name()))
                            .map(z -> z.proven().stream()
                                    .map(DnssecKey::fingerprint)
                                    .collect(Collectors.toSet()))
                            .orElse(Set.of());
                    rollover(w, lead.get(), proven);
                }
            } else {
                zones.values().forEach(w -> w.replication(Optional.empty()));
            }
            for (ZoneWork w : zones.values()) {
                if (closed || Thread.currentThread().isInterrupted()) {
                    return;
                }
                Instant now = clock.instant();
                if (lead.isPresent() && lead.get().isValid()) {
                    ResignPlan plan = w.plan(planner, lead.get().epoch(), now);
                    w.planned(plan.due());
                    if (plan.due().isAfter(now)) {
                        continue;
                    }
                    w.attempted(now);
                    boolean firstOfTerm = w.newTerm(lead.get().epoch());
                    String why = firstOfTerm
                            ? "new leadership term, epoch " + lead.get().epoch()
                            : plan.reason().name().toLowerCase().replace('_', '-');
                    long started = System.nanoTime();
                    ZoneCycle.Outcome o = w.cycle.publish(lead.get(), why, firstOfTerm, w.replicationLines());
                    if (o instanceof ZoneCycle.Outcome.Published p) {
                        metrics.published(w.cycle.zone().name(), Duration.ofNanos(System.nanoTime() - started));
                        metrics.signed(w.cycle.zone().name(), p.zone().elapsed());
                        if (firstOfTerm) {
                            w.takeoverRun(p.notes());
                            for (String note : p.notes()) {
                                LOG.info(
                                        "node={} zone={} event=first-publication-check epoch={} {}",
                                        config.name(),
                                        w.cycle.zone().name(),
                                        lead.get().epoch(),
                                        note);
                            }
                        }
                        w.published(p, lead.get().epoch(), now);
                        pruneHistory(w, lead.get());
                        rollover(w, lead.get(), Set.of()); // a step dated by this publication may be due
                    } else {
                        ZoneCycle.Outcome.Stopped stop = (ZoneCycle.Outcome.Stopped) o;
                        if (stop.stage() == ZoneCycle.Stage.GATE) {
                            metrics.gateFailed(w.cycle.zone().name());
                        } else if (stop.stage() == ZoneCycle.Stage.CANARY) {
                            metrics.canaryFailed(w.cycle.zone().name());
                        } else if (stop.stage() == ZoneCycle.Stage.CLOCK) {
                            metrics.clockRefused(w.cycle.zone().name());
                        }
                        w.stopped(stop);
                        if (stop.hsmFault()) {
                            // the HSM failed under the run (F10): prove the keys now and leave the
                            // election at once if they fail, not at the next periodic re-check
                            election.recheckNow("zone " + w.cycle.zone().name() + " signing run stopped at "
                                    + stop.stage().name().toLowerCase(Locale.ROOT) + ": " + stop.reason());
                        }
                    }
                } else {
                    try {
                        w.committed(ledger.last(w.cycle.zone().name()));
                        clusterEpoch = ledger.currentEpoch();
                    } catch (LedgerException e) {
                        LOG.debug(
                                "zone={} event=ledger-unreadable reason=\"{}\"",
                                w.cycle.zone().name(),
                                e.getMessage());
                    }
                }
            }
            if (!closed) {
                // every node, leader or standby: the keys the manifest lists as DELETED leave this node's HSMs
                // (after the zones' work, which it never holds up: a failure is logged and retried)
                keyDestruction.run(List.copyOf(zones.keySet()));
                Map<ZoneName, Integer> failing = new HashMap<>();
                keyDestruction.failing().forEach(d -> failing.merge(d.key().zone(), 1, Integer::sum));
                zones.keySet().forEach(z -> metrics.keyDestructionFailing(z, failing.getOrDefault(z, 0)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("node={} event=zone-worker-error", config.name(), e);
        } catch (VirtualMachineError e) {
            LOG.error("node={} event=zone-worker-error fatal=true the zones are no longer worked on", config.name(), e);
            throw e;
        } catch (Error e) {
            // an Error thrown out of a scheduled task cancels every later run without a word: the leader
            // would keep its leadership and publish nothing (a LinkageError, an AssertionError of a library)
            LOG.error("node={} event=zone-worker-error", config.name(), e);
        }
    }

    /**
     * The leader's replication agent (docs/architecture.md): right after winning, before the first signing
     * of the term, and then every election re-check interval. Keys it promotes make their zones due
     * for a run at once (the DNSKEY RRset changes).
     */
    private Optional<ReplicationPass> replicate(Leadership lead) {
        Instant now = clock.instant();
        if (replicatedInEpoch == lead.epoch()
                && now.isBefore(
                        ZoneWork.notAfter(lastPassEnded, now).plus(ElectionSettings.DEFAULTS.recheckInterval()))) {
            return Optional.empty();
        }
        List<ZoneName> names = List.copyOf(zones.keySet());
        ReplicationPass pass = replicator.run(
                names,
                lead::isValid,
                z -> zones.get(z).cycle.zone().policy().rollover().managed());
        lastPassEnded = clock.instant();
        lastPass = pass;
        replicatedInEpoch = lead.epoch();
        for (ReplicationPass.ZoneOutcome z : pass.zones()) {
            ZoneWork w = zones.get(z.zone());
            w.replication(Optional.of(z.pending()));
            if (!z.promoted().isEmpty()) {
                w.sourceChanged(clock.instant());
                LOG.info(
                        "node={} zone={} event=keys-promoted keys={} reason=\"proven on every node; the zone is "
                                + "re-signed with them in the DNSKEY RRset\"",
                        config.name(),
                        z.zone(),
                        z.promoted().stream()
                                .map(k -> k.role() + " " + k.keyTag() + " fp "
                                        + k.fingerprint().shortHex())
                                .toList());
            }
        }
        return Optional.of(pass);
    }

    /**
     * After a commit: the leader deletes the zone's history records the retention does not keep
     * ({@link PublishLedger#prune}, fenced by the epoch; it lists the history only above the high-water
     * mark). A failure stops nothing: the signing goes on and the next commit tries again.
     */
    private void pruneHistory(ZoneWork w, Leadership lead) {
        ZoneConfig z = w.cycle.zone();
        RolloverPolicy rollover = z.policy().rollover();
        // what the zone's readers look back besides the recorded TTLs: RFC 7583 Dprp, IpubS, IretS and TTLkey
        Duration lookBack = rollover.propagationDelay()
                .plus(rollover.publishSafety())
                .plus(rollover.retireSafety())
                .plusSeconds(z.policy().dnskeyTtl());
        try {
            PublishLedger.Pruned pruned =
                    ledger.prune(lead, z.name(), config.zookeeper().history(), lookBack);
            metrics.history(z.name(), pruned.pruned(), pruned.remaining());
        } catch (LedgerException | RuntimeException e) {
            LOG.warn(
                    "node={} zone={} event=history-prune-failed reason=\"{}\"; the next commit tries again",
                    config.name(),
                    z.name(),
                    e.getMessage());
        }
    }

    /**
     * The rollover agent for one zone whose policy has {@code keys:} (docs/key-lifecycle.md): when the
     * zone is due for it ({@link ZoneWork#rolloverDue}) or the replication pass just proved one of its new
     * keys on every node. A manifest it changed makes the zone due for a run at once.
     */
    private void rollover(ZoneWork w, Leadership lead, Set<Fingerprint> proven) {
        ZoneConfig z = w.cycle.zone();
        if (!z.policy().rollover().managed() || !lead.isValid()) {
            return;
        }
        Instant now = clock.instant();
        if (proven.isEmpty() && !w.rolloverDue(lead.epoch(), now)) {
            if (!w.manifestCheckDue(now)) {
                return;
            }
            try {
                int version = manifests.version(z.name().toString()).orElse(-1);
                if (!w.manifestChanged(version, now)) {
                    return; // nothing new: neither a due step nor an operator's change (keys ds-seen)
                }
            } catch (ManifestException e) {
                return; // the next check reads it again
            }
        }
        try {
            ZoneTimings timings = w.cycle.timings();
            List<PublishedVersion> history = ledger.history(z.name()).stream()
                    .filter(r -> !r.dnskeyFingerprints().isEmpty()) // records from before the ledger kept them
                    .map(r -> new PublishedVersion(
                            r.serial(),
                            r.committedAt(),
                            r.dnskeyFingerprints().stream()
                                    .map(Fingerprint::parse)
                                    .collect(Collectors.toSet()),
                            Duration.ofSeconds(r.dnskeyTtlSeconds())))
                    .toList();
            RolloverAgent.Outcome o =
                    rolloverAgent.run(z.name(), z.policy().rollover(), timings, history, proven, lead::isValid);
            w.rolledOver(o, lead.epoch(), now);
        } catch (ZoneLoadException | LedgerException | KeySyncException | RuntimeException e) {
            LOG.warn(
                    "node={} zone={} event=rollover-agent-failed reason=\"{}\"; the keys stay as they are",
                    config.name(),
                    z.name(),
                    e.getMessage());
            w.rolloverFailed(lead.epoch(), now, e.getMessage());
        }
    }

    private void updateKeySync(ElectionState state) {
        Optional<KeySyncVerdict> v = state.lastCheck();
        if (v.isEmpty()) {
            return;
        }
        for (ZoneWork w : zones.values()) {
            String prefix = "zone " + w.cycle.zone().name();
            List<String> mine = v.get().problems().stream()
                    .filter(p -> p.contains(prefix) || !p.startsWith("zone "))
                    .toList();
            w.keySync(mine.isEmpty(), mine, v.get().checkedAt());
            w.localPending(v.get().pending().stream()
                    .filter(p -> p.startsWith(prefix + " "))
                    .map(p -> p.substring(prefix.length() + 1))
                    .toList());
        }
    }

    /**
     * Reads every zone's manifest into the key metrics, at most every {@link #KEY_METRICS_INTERVAL};
     * a zone whose manifest cannot be read keeps the series of the last read (and logs it).
     */
    private void updateKeyMetrics() {
        Instant now = clock.instant();
        if (keyMetricsRead != null
                && now.isBefore(ZoneWork.notAfter(keyMetricsRead, now).plus(KEY_METRICS_INTERVAL))) {
            return;
        }
        keyMetricsRead = now;
        for (ZoneName zone : zones.keySet()) {
            try {
                Optional<VersionedManifest> read = manifests.read(zone.toString());
                List<KeyFacts> facts = new ArrayList<>();
                if (read.isPresent()) {
                    ZoneKeySet keySet = ZoneKeySet.fromProto(
                            read.get().manifest(), read.get().version());
                    for (ZoneKeySet.Entry e : keySet.entries()) {
                        // the manifest plans no lifetime and no rollover today: those series stay empty
                        facts.add(new KeyFacts(
                                e.key().role(),
                                e.key().keyTag(),
                                e.key().algorithm(),
                                e.state(),
                                e.created(),
                                Optional.empty(),
                                Map.of()));
                    }
                }
                metrics.keys(zone, facts);
            } catch (ManifestException | RuntimeException e) {
                // a manifest the metrics cannot read must not stop the signing; the election reports it
                LOG.debug("zone={} event=key-metrics-unread reason=\"{}\"", zone, e.getMessage());
            }
        }
    }

    /** The node's configuration. */
    public NodeConfig config() {
        return config;
    }

    /** The transfer server's address, when one is configured. */
    public Optional<InetSocketAddress> transferAddress() {
        return Optional.ofNullable(transfer).map(TransferServer::address);
    }

    @Override
    public NodeStatus status() {
        ElectionState e = election.state();
        NodeRole role = role(e);
        List<String> reasons = role == NodeRole.LEADER || role == NodeRole.STANDBY ? List.of() : List.of(e.reason());
        Duration lease = role == NodeRole.LEADER ? e.leaseRemaining().orElse(Duration.ZERO) : Duration.ZERO;
        List<ZoneStatus> z = zones.values().stream().map(ZoneWork::status).toList();
        // A standby reports the cluster's epoch as it last read it (the coordinator checks that the
        // standby's view is current); a leader its own.
        long epoch = Math.max(e.epoch().orElse(0), role == NodeRole.LEADER ? 0 : clusterEpoch);
        return new NodeStatus(
                config.name(),
                config.site(),
                role,
                epoch,
                lease.isNegative() ? Duration.ZERO : lease,
                reasons,
                z,
                clock.instant(),
                Optional.of(clockStatus()),
                peers(role, e));
    }

    /** The peers as the last replication pass of this leadership term found them; unknown otherwise. */
    private List<NodeStatus.PeerStatus> peers(NodeRole role, ElectionState e) {
        ReplicationPass pass = lastPass;
        boolean current = role == NodeRole.LEADER
                && pass != null
                && e.epoch().isPresent()
                && replicatedInEpoch == e.epoch().getAsLong();
        List<NodeStatus.PeerStatus> out = new ArrayList<>();
        for (PeerConfig p : config.peers()) {
            Optional<ReplicationPass.PeerOutcome> o = current
                    ? pass.peers().stream()
                            .filter(x -> x.peer().equals(p.name()))
                            .findFirst()
                    : Optional.empty();
            out.add(new NodeStatus.PeerStatus(
                    p.name(),
                    p.endpoint().toString(),
                    o.map(x -> OptionalInt.of(x.keysPending())).orElse(OptionalInt.empty()),
                    o.map(ReplicationPass.PeerOutcome::problems).orElse(List.of())));
        }
        return out;
    }

    /** The clock guard's extrapolated verdict, no round trip (INV-D5). */
    private ClockStatus clockStatus() {
        ClockVerdict v = clockGuard.verdict();
        return new ClockStatus(v.skew(), v.maxSkew(), v.ok(), v.describe());
    }

    private NodeRole role(ElectionState e) {
        if (closed || e.role() == ElectionRole.CLOSED) {
            return NodeRole.STOPPED;
        }
        if (e.role() == ElectionRole.LEADER
                && election.leadership().map(Leadership::isValid).orElse(false)) {
            return NodeRole.LEADER;
        }
        if (e.role() == ElectionRole.CANDIDATE) {
            return NodeRole.STANDBY;
        }
        return NodeRole.NOT_ELIGIBLE;
    }

    /** Whether the node can do its job now, with the reasons when it cannot: what {@code /health} answers. */
    public NodeHealth health() {
        NodeHealth h = NodeHealth.from(status());
        List<String> reasons = new ArrayList<>(h.reasons());
        if (recovery != null) {
            reasons.addAll(recovery.problems());
        }
        if (watchdog != null) {
            reasons.addAll(watchdog.healthReasons());
        }
        if (keyDestruction != null) {
            reasons.addAll(keyDestruction.problems());
        }
        return new NodeHealth(reasons);
    }

    /** The port of the gRPC endpoint (the chosen one when configured with port 0). */
    public int grpcPort() {
        return grpc.port();
    }

    /** The port of the metrics endpoint (the chosen one when configured with port 0). */
    public int metricsPort() {
        return metricsServer.port();
    }

    @Override
    public void reload(List<ZoneName> names) throws NodeControlException {
        if (closed) {
            throw new NodeRefusedException(config.name(), "the node is stopping");
        }
        Instant now = clock.instant();
        for (ZoneName z : names) {
            ZoneWork w = zones.get(z);
            if (w != null) {
                w.sourceChanged(now);
            }
        }
        LOG.info("node={} event=reload zones={}", config.name(), names);
        worker.execute(this::tick);
    }

    @Override
    public SelfTestResult selfTest() throws NodeControlException {
        Instant started = clock.instant();
        long t0 = System.nanoTime();
        List<ZoneSelfTest> results = new ArrayList<>();
        try {
            for (ZoneWork w : zones.values()) {
                results.add(w.cycle.selfTest());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NodeUnavailableException(config.name(), "self-test interrupted", e);
        }
        SelfTestResult r = new SelfTestResult(results, started, Duration.ofNanos(System.nanoTime() - t0));
        LOG.info("node={} event=self-test passed={} zones={}", config.name(), r.passed(), results.size());
        return r;
    }

    @Override
    public StepDownResult stepDown(StepDownOrder order) throws NodeControlException {
        Objects.requireNonNull(order, "order");
        Optional<Leadership> l = election.leadership();
        LOG.warn(
                "node={} event=step-down-ordered by={} reason=\"{}\" was-leader={}",
                config.name(),
                order.caller(),
                order.reason(),
                l.isPresent());
        // The hold-off the caller asked for, else the election's default (the one it was built with).
        Duration holdOff = order.holdOff().orElse(ElectionSettings.DEFAULTS.holdOff());
        election.stepDown(holdOff);
        Instant until = clock.instant().plus(holdOff);
        return new StepDownResult(l.isPresent(), l.map(Leadership::epoch).orElse(0L), until);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (recovery != null) {
            recovery.close();
        }
        if (watchdog != null) {
            watchdog.close();
        }
        worker.shutdownNow();
        try {
            if (!worker.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("node={} event=zone-worker-still-running", config.name());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (watcher != null) {
            watcher.close();
        }
        if (election != null) {
            election.close();
        }
        if (grpc != null) {
            grpc.close();
        }
        if (metricsServer != null) {
            metricsServer.close();
        }
        if (transfer != null) {
            transfer.close();
        }
        if (peerLinks != null) {
            peerLinks.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (checkpoints != null) {
            checkpoints.close(); // the closing checkpoint, signed while the HSM is still open
        }
        for (Hsm h : hsms) {
            h.close();
        }
        LOG.info("node={} event=stopped", config.name());
    }
}
