package org.tandem.signer.election;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorTransactionResult;
import org.apache.curator.framework.api.transaction.OperationType;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.manifest.ZooKeeperLayout;

/**
 * The key-synced leader election of one signer node: a Curator {@link LeaderLatch} under {@code
 * <root>/cluster/leader} with participant id = node name, which the node enters only while its {@link
 * KeySyncCheck} passes.
 *
 * <p>Life of a node:
 *
 * <ol>
 *   <li><b>Out</b> ({@link ElectionRole#OUT}): every {@link ElectionSettings#recheckInterval()} it runs
 *       the check; when ZooKeeper is connected, the hold-off has passed and the verdict is synced, it
 *       enters the latch. A node whose HSM lacks a key never enters, even when it is the only node
 *       left; {@link #state()} says why, and the failure is logged at ERROR each time it changes.
 *   <li><b>Candidate</b>: warm standby in the latch; re-checked at the same interval, leaves the latch
 *       when the check fails.
 *   <li><b>Winning</b>: re-proves the keys (a fresh check), then bumps the epoch {@code
 *       <root>/cluster/epoch} in one transaction with a check that its latch node still exists; the
 *       znode's new data version is the {@link Leadership#epoch() epoch}, the fencing token. Only then
 *       are the listeners told {@link LeadershipListener#gained}. A failed re-proof leaves the latch.
 *   <li><b>Leader</b>: confirms with ZooKeeper (reads of its latch node and the epoch) every lease / 3;
 *       the lease is {@link ElectionSettings#leaseFraction() k} × the negotiated session timeout, so
 *       the leader stops before the cluster can expire its session and elect another (INV-L3).
 * </ol>
 *
 * <p>Losing: on SUSPENDED or LOST (INV-L2), the latch reporting another leader, the latch node gone,
 * the epoch moved, a failed re-check (INV-K6), a clock skew beyond the threshold (INV-D5, when built with a {@link
 * ClockGuard}), lease expiry, {@link #stepDown()} or {@link #close()},
 * the node first revokes the {@link Leadership} (so {@link Leadership#isValid()} is false — for
 * SUSPENDED/LOST already on Curator's event thread, before anything else), then tells the listeners
 * {@link LeadershipListener#lost}, then logs. It leaves the latch (a fresh latch node on re-entry, as
 * Druid did against CURATOR-620), stays out for the hold-off, and re-enters only when connected and
 * re-checked.
 *
 * <p>Threads: all transitions, checks and listener calls run on one thread of the election; the
 * heartbeat and the lease watchdog on a second one, so a slow check cannot starve them; public methods
 * are safe from any thread. IMPORTANT: do not call {@link #close()} from a listener and wait
 * for it elsewhere; a call from a listener runs inline.
 *
 * <p>Lifecycle: construct, {@link #addListener}, {@link #start()}, {@link #close()}. The Curator client
 * is borrowed: started by the caller, closed by the caller after this election.
 */
public final class KeySyncedElection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KeySyncedElection.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
    private static final long HOLD_OFF_SLACK_MILLIS = 20;

    private final CuratorFramework client;
    private final ZooKeeperLayout paths;
    private final String node;
    private final KeySyncCheck check;
    private final ElectionSettings settings;
    private final Clock clock;
    private final LongSupplier nanoTime;
    /** INV-D5; null: no clock check (tests of the election alone). */
    private final ClockGuard clockGuard;
    /** Run after winning, before the epoch bump; null: none (tests of the election alone). */
    private final TakeoverCheck takeoverCheck;

    private final List<LeadershipListener> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService executor;
    /** Heartbeat and lease watchdog, apart from the election thread so that a slow check cannot delay them. */
    private final ScheduledExecutorService ticker;

    private final ConnectionStateListener connectionListener = this::connectionChanged;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Thread electionThread;

    // Written only on the election thread; volatile for state().
    private volatile ElectionRole role = ElectionRole.NEW;
    private volatile String reason = "not started";
    private volatile Instant since;
    private volatile KeySyncVerdict lastCheck;
    private volatile TakeoverVerdict lastTakeover;
    private List<String> lastLoggedTakeover = List.of();
    private volatile Leadership current;
    private LeaderLatch latch;
    private long holdOffUntilNanos;
    private boolean holdingOff;
    private String lastLoggedProblem = "";
    private ScheduledFuture<?> heartbeat;
    private ScheduledFuture<?> watchdog;

    /**
     * An election of the parts in {@code setup}: with its clock guard and takeover check, if it has them.
     *
     * @throws IllegalArgumentException if the root is not a valid ZooKeeper path
     */
    public KeySyncedElection(ElectionSetup setup) {
        Objects.requireNonNull(setup, "setup");
        this.client = setup.client();
        this.paths = new ZooKeeperLayout(setup.root());
        this.node = setup.node();
        this.check = setup.check();
        this.settings = setup.settings();
        this.clock = setup.clock();
        this.nanoTime = setup.nanoTime();
        this.clockGuard = setup.clockGuard();
        this.takeoverCheck = setup.takeoverCheck();
        this.since = clock.instant();
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "election-" + node);
            t.setDaemon(true);
            electionThread = t;
            return t;
        });
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "election-lease-" + node);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Adds a listener; call before {@link #start()} so that no {@code gained} is missed.
     *
     * @throws IllegalStateException if closed
     */
    public void addListener(LeadershipListener listener) {
        Objects.requireNonNull(listener, "listener");
        if (closed.get()) {
            throw new IllegalStateException("election of node " + node + " is closed");
        }
        listeners.add(listener);
    }

    /**
     * Starts taking part: the first check runs at once, on the election thread; returns immediately.
     *
     * @throws IllegalStateException if already started or closed, or the client is not started
     */
    public void start() {
        if (client.getState() != CuratorFrameworkState.STARTED) {
            throw new IllegalStateException("Curator client must be started, is " + client.getState());
        }
        if (closed.get() || !started.compareAndSet(false, true)) {
            throw new IllegalStateException("election of node " + node + " already started or closed");
        }
        client.getConnectionStateListenable().addListener(connectionListener);
        executor.execute(() -> setRole(ElectionRole.OUT, "starting"));
        executor.scheduleWithFixedDelay(
                guarded("re-check", this::recheck),
                0,
                settings.recheckInterval().toMillis(),
                TimeUnit.MILLISECONDS);
        LOG.info("election started node={} latch={} recheck={}", node, paths.latchPath(), settings.recheckInterval());
    }

    /** This node's participant id. */
    public String node() {
        return node;
    }

    /** The current leadership, if this node holds a valid one now. */
    public Optional<Leadership> leadership() {
        Leadership l = current;
        return l != null && l.isValid() ? Optional.of(l) : Optional.empty();
    }

    /**
     * A snapshot for status and metrics. A leadership whose lease ran out shows as {@link
     * ElectionRole#OUT} at once, even before the election thread has noticed.
     */
    public ElectionState state() {
        Leadership l = current;
        ElectionRole r = role;
        String why = reason;
        if (r == ElectionRole.LEADER && (l == null || !l.isValid())) {
            r = ElectionRole.OUT;
            why = l == null
                    ? why
                    : "lost: " + l.revocation().map(LossReason::display).orElse("lease-expired");
        }
        boolean leads = r == ElectionRole.LEADER;
        return new ElectionState(
                node,
                r,
                leads ? OptionalLong.of(l.epoch()) : OptionalLong.empty(),
                leads ? Optional.of(l.leaseRemaining()) : Optional.empty(),
                Optional.ofNullable(lastCheck),
                why,
                since,
                Optional.ofNullable(lastTakeover));
    }

    /**
     * Gives up leadership (if held) and stays out of the election for the settings' hold-off, so
     * another node can win; then re-enters after a fresh check. Returns at once; the listeners hear
     * {@code lost(…, STEPPED_DOWN)}.
     */
    public void stepDown() {
        stepDown(settings.holdOff());
    }

    /**
     * As {@link #stepDown()}, staying out for {@code holdOff} (an operator's or coordinator's order).
     * A node already out of the election stays out at least until {@code holdOff} from now.
     */
    public void stepDown(Duration holdOff) {
        if (holdOff.isNegative()) {
            throw new IllegalArgumentException("hold-off must not be negative, got " + holdOff);
        }
        submit(() -> {
            if (role == ElectionRole.LEADER || role == ElectionRole.CANDIDATE) {
                loseOrLeave(LossReason.STEPPED_DOWN, "", holdOff);
            } else if (role == ElectionRole.OUT) {
                holdOff(holdOff, true);
            }
        });
    }

    /**
     * Runs the key-sync re-check now, on the election thread, instead of at the next {@link
     * ElectionSettings#recheckInterval()}: for a signing run that failed where the HSM may be at fault
     * (INV-K6). A leader or candidate whose check fails leaves the election at once ({@link
     * LossReason#KEYS_NOT_SYNCED}); one whose check passes stays. Returns at once.
     */
    public void recheckNow(String why) {
        LOG.warn("election node={} event=recheck-now reason=\"{}\"", node, why);
        submit(guarded("re-check after a signing failure", this::recheck));
    }

    /**
     * The other nodes in the election now: the participant ids of every latch node but this node's.
     * Only a node whose key set is proven (and whose clock agrees with ZooKeeper's) enters the latch
     * and stays in it, so each one named is a key-synced standby that could take over if this node
     * stepped down. Reads ZooKeeper on the caller's thread (one list, one read per participant).
     *
     * @throws LedgerUnavailableException when ZooKeeper cannot be read
     */
    public List<String> otherCandidates() throws LedgerUnavailableException {
        String path = paths.latchPath();
        List<String> children;
        try {
            children = client.getChildren().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        } catch (Exception e) {
            // Curator's forPath declares Exception
            throw new LedgerUnavailableException(null, path, "listing the election's participants", e);
        }
        List<String> others = new ArrayList<>();
        for (String child : children) {
            String childPath = path + "/" + child;
            try {
                String id = new String(client.getData().forPath(childPath), StandardCharsets.UTF_8);
                if (!id.equals(node) && !others.contains(id)) {
                    others.add(id);
                }
            } catch (KeeperException.NoNodeException e) {
                // the participant left between the listing and the read: not a candidate
            } catch (Exception e) {
                throw new LedgerUnavailableException(null, childPath, "reading an election participant", e);
            }
        }
        return List.copyOf(others);
    }

    /**
     * Revokes any leadership ({@code lost(…, CLOSED)}), leaves the latch and stops the election
     * thread, waiting up to 10 s for it; idempotent. Does not close the Curator client.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Leadership l = current;
        if (l != null) {
            l.revoke(LossReason.CLOSED);
        }
        client.getConnectionStateListenable().removeListener(connectionListener);
        Runnable shutdown = () -> {
            loseOrLeave(LossReason.CLOSED);
            setRole(ElectionRole.CLOSED, "closed");
        };
        ticker.shutdownNow();
        if (Thread.currentThread() == electionThread) {
            shutdown.run();
            executor.shutdown();
            return;
        }
        try {
            executor.execute(shutdown);
        } catch (RejectedExecutionException e) {
            shutdown.run();
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("election node={} thread did not stop within {}", node, CLOSE_WAIT);
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
        LOG.info("election closed node={}", node);
    }

    @Override
    public String toString() {
        return "KeySyncedElection[node=" + node + " root=" + paths.root() + " role=" + role + "]";
    }

    // ---- events --------------------------------------------------------------------------------

    /** Curator's connection-state thread: revoke synchronously first, then hand over to our thread. */
    private void connectionChanged(CuratorFramework c, ConnectionState newState) {
        switch (newState) {
            case SUSPENDED, LOST -> {
                LossReason why = newState == ConnectionState.SUSPENDED ? LossReason.SUSPENDED : LossReason.LOST;
                Leadership l = current;
                if (l != null) {
                    l.revoke(why);
                }
                submit(() -> {
                    if (role == ElectionRole.LEADER || role == ElectionRole.CANDIDATE) {
                        loseOrLeave(why);
                    }
                });
            }
            case RECONNECTED, CONNECTED -> submit(this::recheck);
            default -> {
                // READ_ONLY: this client never asks for read-only mode.
            }
        }
    }

    private void recheck() {
        if (closed.get()) {
            return;
        }
        String clockProblem = sampleClock();
        if (clockProblem == null) {
            return; // interrupted: closing
        }
        switch (role) {
            case OUT -> {
                if (holdingOff && nanoTime.getAsLong() - holdOffUntilNanos < 0) {
                    return;
                }
                holdingOff = false;
                if (!client.getZookeeperClient().isConnected()) {
                    setReasonOnly("ZooKeeper not connected");
                    return;
                }
                if (!clockProblem.isEmpty()) {
                    setReasonOnly(clockProblem);
                    return;
                }
                KeySyncVerdict verdict = runCheck();
                if (verdict == null) {
                    return;
                }
                if (verdict.synced()) {
                    enterLatch();
                } else {
                    setReasonOnly("key-sync check failed: " + verdict.describe());
                }
            }
            case CANDIDATE, LEADER -> {
                if (!clockProblem.isEmpty()) {
                    loseOrLeave(LossReason.CLOCK_SKEW, clockProblem);
                    return;
                }
                KeySyncVerdict verdict = runCheck();
                if (verdict != null && !verdict.synced()) {
                    loseOrLeave(LossReason.KEYS_NOT_SYNCED, verdict.describe());
                }
            }
            default -> {
                // NEW before the first task, CLOSED after the last: nothing to do.
            }
        }
    }

    /**
     * Samples the clock guard (when there is one, and ZooKeeper is connected; otherwise the last
     * reading is extrapolated): "" when the clock is fine, the refusal line when not, null when
     * interrupted (closing).
     */
    private String sampleClock() {
        if (clockGuard == null) {
            return "";
        }
        ClockVerdict v;
        try {
            v = client.getZookeeperClient().isConnected() ? clockGuard.sample() : clockGuard.verdict();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        return v.ok() ? "" : v.describe();
    }

    /** The clock guard's extrapolated verdict, no round trip: "" fine, else the refusal line. */
    private String clockProblemNow() {
        if (clockGuard == null) {
            return "";
        }
        ClockVerdict v = clockGuard.verdict();
        return v.ok() ? "" : v.describe();
    }

    /** Runs the check; null when interrupted (closing). Logs a changed failure at ERROR. */
    private KeySyncVerdict runCheck() {
        KeySyncVerdict verdict;
        try {
            verdict = check.check();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (RuntimeException e) {
            // The check is a plug-in: a bug in it must not kill the election thread; it counts as "not synced".
            verdict = KeySyncVerdict.notSynced(clock.instant(), List.of(), List.of("key-sync check threw " + e));
        }
        lastCheck = verdict;
        String problem = verdict.synced() ? "" : verdict.describe();
        if (!problem.equals(lastLoggedProblem)) {
            if (verdict.synced()) {
                LOG.info("election node={} key-synced again: {}", node, verdict.describe());
            } else {
                LOG.error("election node={} not key-synced, not taking part: {}", node, problem);
            }
            lastLoggedProblem = problem;
        }
        return verdict;
    }

    /**
     * Runs the takeover check; null when interrupted (closing). Logs every outcome, one line each, when
     * they differ from the last win's (a node refused again and again for the same reason says so once).
     */
    private TakeoverVerdict runTakeoverCheck() {
        TakeoverVerdict verdict;
        try {
            verdict = takeoverCheck.check();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (RuntimeException e) {
            verdict = new TakeoverVerdict(
                    clock.instant(),
                    List.of(new TakeoverVerdict.Outcome(
                            Optional.empty(),
                            "takeover-check",
                            TakeoverVerdict.Result.REFUSED,
                            "the takeover check threw " + e)));
        }
        lastTakeover = verdict;
        List<String> lines = verdict.outcomes().stream()
                .map(TakeoverVerdict.Outcome::describe)
                .toList();
        if (!lines.equals(lastLoggedTakeover)) {
            for (TakeoverVerdict.Outcome o : verdict.outcomes()) {
                if (o.result() == TakeoverVerdict.Result.REFUSED) {
                    LOG.error("election node={} event=takeover-check {}", node, o.describe());
                } else {
                    LOG.info("election node={} event=takeover-check {}", node, o.describe());
                }
            }
            lastLoggedTakeover = lines;
        } else {
            LOG.debug("election node={} event=takeover-check same outcome as the last win", node);
        }
        if (verdict.refused()) {
            LOG.error(
                    "election node={} event=takeover-refused the node does not lead: {}",
                    node,
                    String.join("; ", verdict.refusals()));
        }
        return verdict;
    }

    private void enterLatch() {
        LeaderLatch l = new LeaderLatch(client, paths.latchPath(), node, LeaderLatch.CloseMode.SILENT);
        l.addListener(
                new LeaderLatchListener() {
                    @Override
                    public void isLeader() {
                        won(l);
                    }

                    @Override
                    public void notLeader() {
                        if (l == latch && role == ElectionRole.LEADER) {
                            // A suspended or lost connection revokes the term (connectionChanged), and the
                            // latch reports it too, on its own listener: Curator calls the two in no fixed
                            // order. The loss is named by what revoked the term, or, when the latch came
                            // first, by the connection it lost.
                            Leadership t = current;
                            LossReason latchSays = client.getZookeeperClient().isConnected()
                                    ? LossReason.NOT_LEADER
                                    : LossReason.SUSPENDED;
                            loseOrLeave(t == null ? latchSays : t.revocation().orElse(latchSays));
                        }
                    }
                },
                executor);
        try {
            l.start();
        } catch (Exception e) {
            // LeaderLatch.start declares `throws Exception`; it fails only on misuse or a closed client.
            setReasonOnly("cannot enter the latch at " + paths.latchPath() + ": " + e);
            LOG.error("election node={} cannot enter the latch: {}", node, e.toString());
            return;
        }
        latch = l;
        setRole(ElectionRole.CANDIDATE, "key-synced, waiting for leadership");
        LOG.info("election node={} entered latch={}", node, paths.latchPath());
    }

    /** The latch says we lead: re-prove, bump the epoch, then grant. */
    private void won(LeaderLatch l) {
        if (l != latch || closed.get() || role != ElectionRole.CANDIDATE) {
            return;
        }
        long wonAt = nanoTime.getAsLong();
        LOG.info("election node={} event=latch-won proving the keys and running the takeover checks", node);
        KeySyncVerdict verdict = runCheck();
        if (verdict == null) {
            return;
        }
        if (!verdict.synced()) {
            loseOrLeave(LossReason.KEYS_NOT_SYNCED, verdict.describe());
            return;
        }
        String clockProblem = clockProblemNow();
        if (!clockProblem.isEmpty()) {
            loseOrLeave(LossReason.CLOCK_SKEW, clockProblem);
            return;
        }
        if (takeoverCheck != null) {
            TakeoverVerdict takeover = runTakeoverCheck();
            if (takeover == null) {
                return; // interrupted: closing
            }
            if (takeover.refused()) {
                loseOrLeave(LossReason.TAKEOVER_REFUSED, String.join("; ", takeover.refusals()));
                return;
            }
        }
        String ourPath = l.getOurPath();
        if (ourPath == null || !l.hasLeadership()) {
            return; // the latch changed its mind meanwhile; notLeader or a new isLeader follows
        }
        long sentAt = nanoTime.getAsLong();
        long epoch;
        try {
            epoch = bumpEpoch(ourPath);
        } catch (KeeperException.NoNodeException e) {
            LOG.warn("election node={} latch node {} gone while winning; leaving", node, ourPath);
            loseOrLeave(LossReason.LATCH_NODE_GONE);
            return;
        } catch (Exception e) {
            // Curator declares `throws Exception`; any failure to bump means we may not lead.
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return;
            }
            loseOrLeave(LossReason.NOT_LEADER, "could not bump the epoch at " + paths.epochPath() + ": " + e);
            return;
        }
        if (l != latch || !l.hasLeadership() || !client.getZookeeperClient().isConnected()) {
            loseOrLeave(LossReason.NOT_LEADER);
            return;
        }
        Duration session = Duration.ofMillis(client.getZookeeperClient().getLastNegotiatedSessionTimeoutMs());
        Duration lease = settings.lease(session);
        Leadership leadership =
                new Leadership(node, epoch, ourPath, paths.epochPath(), clock.instant(), lease, sentAt, nanoTime);
        current = leadership;
        setRole(ElectionRole.LEADER, "leading under epoch " + epoch);
        long beat = Math.max(1, lease.toMillis() / 3);
        heartbeat = ticker.scheduleWithFixedDelay(
                guarded("heartbeat", () -> confirm(leadership)), beat, beat, TimeUnit.MILLISECONDS);
        long watch = Math.max(5, lease.toMillis() / 10);
        watchdog = ticker.scheduleWithFixedDelay(
                guarded("lease watchdog", () -> watch(leadership)), watch, watch, TimeUnit.MILLISECONDS);
        for (LeadershipListener listener : listeners) {
            try {
                listener.gained(leadership);
            } catch (RuntimeException e) {
                LOG.error("election node={} listener {} failed on gained: {}", node, listener, e.toString(), e);
            }
        }
        LOG.info(
                "election node={} epoch={} leading lease={} session={} latch={} takeover_ms={}",
                node,
                epoch,
                lease,
                session,
                ourPath,
                TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - wonAt));
    }

    /**
     * One transaction: our latch node still exists, and the epoch znode's data version moves up by one.
     * Creates the epoch znode (version 0) first if the cluster has none, so the first epoch is 1.
     */
    private long bumpEpoch(String ourPath) throws Exception {
        String epochPath = paths.epochPath();
        try {
            client.create()
                    .creatingParentContainersIfNeeded()
                    .withMode(CreateMode.PERSISTENT)
                    .forPath(epochPath, new byte[0]);
        } catch (KeeperException.NodeExistsException e) {
            // the usual case: the cluster has had leaders before
        }
        List<CuratorTransactionResult> results = client.transaction()
                .forOperations(
                        client.transactionOp().check().forPath(ourPath),
                        client.transactionOp().setData().forPath(epochPath, node.getBytes(StandardCharsets.UTF_8)));
        Stat stat = results.stream()
                .filter(CuratorTransactionResult.ofTypeAndPath(OperationType.SET_DATA, epochPath)::apply)
                .findFirst()
                .map(CuratorTransactionResult::getResultStat)
                .orElseThrow(() -> new IllegalStateException("epoch transaction returned no setData result"));
        return stat.getVersion();
    }

    /** Heartbeat: two cheap background reads; the latch node's existence confirms the lease. */
    private void confirm(Leadership l) {
        if (l != current || !l.isValid()) {
            return;
        }
        long sentAt = nanoTime.getAsLong();
        try {
            client.checkExists()
                    .inBackground((c, event) -> {
                        if (event.getResultCode() == KeeperException.Code.OK.intValue() && event.getStat() != null) {
                            l.confirmed(sentAt);
                        } else if (event.getResultCode() == KeeperException.Code.NONODE.intValue()) {
                            l.revoke(LossReason.LATCH_NODE_GONE);
                            submit(() -> lose(l, LossReason.LATCH_NODE_GONE));
                        }
                    })
                    .forPath(l.latchNode());
            client.checkExists()
                    .inBackground((c, event) -> {
                        Stat s = event.getStat();
                        if (event.getResultCode() == KeeperException.Code.OK.intValue()
                                && s != null
                                && s.getVersion() != l.epoch()) {
                            l.revoke(LossReason.EPOCH_MOVED);
                            submit(() -> lose(l, LossReason.EPOCH_MOVED));
                        }
                    })
                    .forPath(l.epochPath());
        } catch (Exception e) {
            // Curator declares `throws Exception` even for background calls; a failed send confirms nothing.
            LOG.debug("election node={} heartbeat not sent: {}", node, e.toString());
        }
    }

    /** On the ticker: an expired lease is revoked here (isValid does it) and the loss handed to the election thread. */
    private void watch(Leadership l) {
        if (l != current) {
            return;
        }
        String clockProblem = clockProblemNow();
        if (!clockProblem.isEmpty() && l.revoke(LossReason.CLOCK_SKEW)) {
            LOG.error("election node={} epoch={} {}; revoking leadership", node, l.epoch(), clockProblem);
            submit(() -> lose(l, LossReason.CLOCK_SKEW, clockProblem));
        } else if (!l.isValid()) {
            LossReason why = l.revocation().orElse(LossReason.LEASE_EXPIRED);
            submit(() -> lose(l, why));
        }
    }

    private void lose(Leadership l, LossReason why) {
        lose(l, why, "");
    }

    private void lose(Leadership l, LossReason why, String detail) {
        if (l == current) {
            loseOrLeave(why, detail);
        }
    }

    /**
     * Revoke (if leading), tell the listeners, leave the latch, go out for the hold-off, then log. The
     * reason passed to the listeners is the first revocation's.
     */
    private void loseOrLeave(LossReason why) {
        loseOrLeave(why, "");
    }

    private void loseOrLeave(LossReason why, String detail) {
        loseOrLeave(why, detail, settings.holdOff());
    }

    private void loseOrLeave(LossReason why, String detail, Duration holdOff) {
        Leadership l = current;
        LossReason effective = why;
        if (l != null) {
            l.revoke(why);
            effective = l.revocation().orElse(why);
            current = null;
            cancel(heartbeat);
            cancel(watchdog);
            heartbeat = null;
            watchdog = null;
            for (LeadershipListener listener : listeners) {
                try {
                    listener.lost(l, effective);
                } catch (RuntimeException e) {
                    LOG.error("election node={} listener {} failed on lost: {}", node, listener, e.toString(), e);
                }
            }
        }
        leaveLatch();
        holdOff(holdOff, false);
        String suffix = detail.isEmpty() ? "" : ": " + detail;
        setRole(ElectionRole.OUT, (l != null ? "lost: " : "left: ") + effective.display() + suffix);
        if (l != null) {
            LOG.warn(
                    "election node={} epoch={} leadership lost reason={}{}",
                    node,
                    l.epoch(),
                    effective.display(),
                    suffix);
        } else {
            LOG.info("election node={} left the election reason={}{}", node, effective.display(), suffix);
        }
    }

    /**
     * Stays out of the election for {@code holdOff} from now; with {@code extendOnly}, never ends an
     * existing hold-off sooner.
     */
    private void holdOff(Duration holdOff, boolean extendOnly) {
        long until = nanoTime.getAsLong() + holdOff.toNanos();
        if (extendOnly && holdingOff && until - holdOffUntilNanos < 0) {
            return;
        }
        holdingOff = true;
        holdOffUntilNanos = until;
        // Re-check as soon as the hold-off ends rather than at the next periodic re-check: a standby
        // that left on a SUSPENDED whose session survived (the chaos harness's switch failure with the
        // standby connected through the dead site) re-enters up to a re-check interval earlier.
        try {
            executor.schedule(
                    guarded("re-check after the hold-off", this::recheck),
                    holdOff.toMillis() + HOLD_OFF_SLACK_MILLIS,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private void leaveLatch() {
        LeaderLatch l = latch;
        latch = null;
        if (l == null) {
            return;
        }
        try {
            l.close(LeaderLatch.CloseMode.SILENT);
        } catch (IOException | IllegalStateException e) {
            // The node is deleted in the background (guaranteed); an expired session deletes it anyway.
            LOG.debug("election node={} latch close: {}", node, e.toString());
        }
    }

    /**
     * A periodic task that survives its own failure: a scheduled executor silently stops repeating a
     * task that throws, which would freeze the node in its current role. Only RuntimeExceptions are
     * caught (bugs, or Curator misuse after close); they are logged with the node.
     */
    private Runnable guarded(String what, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("election node={} {} failed: {}", node, what, e.toString(), e);
            }
        };
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    private void submit(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            // closed: nothing more to do
        }
    }

    private void setRole(ElectionRole r, String why) {
        if (r != role) {
            since = clock.instant();
        }
        role = r;
        reason = why;
    }

    private void setReasonOnly(String why) {
        reason = why;
    }
}
