package org.tandem.signer.node;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.tandem.signer.election.PublishRecord;
import org.tandem.signer.lifecycle.RolloverAgent;
import org.tandem.signer.schedule.ResignPlan;
import org.tandem.signer.schedule.ResignPlanner;
import org.tandem.signer.schedule.ZoneResignState;

/**
 * What the daemon knows and plans about one zone: its cycle, the state shown in status and metrics,
 * and what the {@link ResignPlanner} needs. Planning fields are touched only on the daemon's zone
 * worker thread, except {@link #sourceChanged} (the watcher or a reload, any thread); {@link
 * #status()} is an immutable snapshot in a volatile field, readable from any thread.
 */
final class ZoneWork {
    final ZoneCycle cycle;
    private volatile ZoneStatus status;
    /** The GENERATED keys this node's HSM lacks, from the election's last key check. */
    private volatile List<String> localPending = List.of();
    /** The leader's replication agent's last word on the zone's GENERATED keys; empty when not leading. */
    private volatile Optional<List<String>> agentPending = Optional.empty();
    /** The outcome of the last takeover's checks, plus what the first run of that term found. */
    private volatile List<String> takeover = List.of();

    private volatile Optional<Instant> sourceChangedAt = Optional.empty();
    private Optional<Instant> earliestExpiration = Optional.empty();
    private Optional<Instant> lastAttempt = Optional.empty();
    private long publishedInEpoch = -1;
    /** When the run started whose signing failed on this node's HSM; null when none or cleared. */
    private volatile Instant hsmSigningFailureAt;

    /** The rollover agent's last pass: in which term, when, and when its plan's next step falls due. */
    private long rolloverEpoch = -1;

    private Instant rolloverRan = Instant.MIN;
    private Optional<Instant> rolloverNext = Optional.empty();
    /** The rollover agent's last word on the steps it could not take (any thread reads). */
    private volatile List<String> rolloverWaiting = List.of();

    /** How often the rollover agent looks at a zone whose plan names no step due sooner. */
    static final Duration ROLLOVER_RECHECK = Duration.ofMinutes(1);
    /** How often the leader reads the manifest's version to notice an operator's change (keys ds-seen). */
    static final Duration MANIFEST_CHECK = Duration.ofSeconds(5);

    private int manifestSeen = Integer.MIN_VALUE;
    private Instant manifestChecked = Instant.MIN;

    /**
     * {@code stamp}, or {@code now} when the stamp lies after it: the node's wall clock was ahead when the
     * stamp was taken (a clock jump, since corrected). Every "not before stamp + interval" decision goes
     * through it, so that such a stamp delays the zone by one interval at most, not until the clock has
     * caught up with it (a day after a one-day jump).
     */
    static Instant notAfter(Instant stamp, Instant now) {
        return stamp.isAfter(now) ? now : stamp;
    }

    ZoneWork(ZoneCycle cycle) {
        this.cycle = Objects.requireNonNull(cycle, "cycle");
        this.status = ZoneStatus.initial(cycle.zone().name());
    }

    ZoneStatus status() {
        return status.with(agentPending.orElse(localPending), takeover);
    }

    /** The GENERATED keys this node's HSM lacks (the election's key check). */
    void localPending(List<String> lines) {
        localPending = List.copyOf(lines);
    }

    /** What the leader's replication agent found for the zone's GENERATED keys; empty: not leading. */
    void replication(Optional<List<String>> lines) {
        agentPending = lines.map(List::copyOf);
    }

    /** The agent's lines while leading, else none (the message for "no key replicated yet" then uses the HSM's). */
    List<String> replicationLines() {
        return agentPending.orElse(List.of());
    }

    /**
     * Whether the rollover agent should look at the zone now: first in a term, when a step of its last
     * plan has fallen due, or {@link #ROLLOVER_RECHECK} after its last look (an operator's ds-seen).
     */
    boolean rolloverDue(long epoch, Instant now) {
        rolloverRan = notAfter(rolloverRan, now);
        return rolloverEpoch != epoch
                || rolloverNext.filter(t -> !t.isAfter(now)).isPresent()
                || !now.isBefore(rolloverRan.plus(ROLLOVER_RECHECK));
    }

    /** Whether the manifest's version should be read again ({@link #MANIFEST_CHECK} after the last read). */
    boolean manifestCheckDue(Instant now) {
        manifestChecked = notAfter(manifestChecked, now);
        return !now.isBefore(manifestChecked.plus(MANIFEST_CHECK));
    }

    /** Records the manifest's version read now; true when it changed since the last read (not on the first). */
    boolean manifestChanged(int version, Instant now) {
        manifestChecked = now;
        boolean changed = manifestSeen != Integer.MIN_VALUE && manifestSeen != version;
        manifestSeen = version;
        return changed;
    }

    /** Records the rollover agent's pass. */
    void rolledOver(RolloverAgent.Outcome o, long epoch, Instant now) {
        rolloverEpoch = epoch;
        rolloverRan = now;
        rolloverNext = o.nextDue();
        rolloverWaiting = o.waiting();
        if (o.changed()) {
            sourceChanged(now); // the DNSKEY RRset or the signing keys changed: re-sign at once
        }
    }

    /** A pass that could not run (source, ledger or manifest unreadable): tried again after the recheck. */
    void rolloverFailed(long epoch, Instant now, String why) {
        rolloverEpoch = epoch;
        rolloverRan = now;
        rolloverNext = Optional.empty();
        rolloverWaiting = List.of("rollover agent: " + why);
    }

    /** The steps the rollover agent could not take in its last pass, with why. */
    List<String> rolloverWaiting() {
        return rolloverWaiting;
    }

    /** The outcome of a takeover's checks (replaces the last one's). */
    void takeover(List<String> lines) {
        takeover = List.copyOf(lines);
    }

    /**
     * What the first run of a term found ({@code check: result: detail} lines, e.g. expiry-safe): they
     * replace the takeover lines of the same checks.
     */
    void takeoverRun(List<String> lines) {
        Set<String> checks = new HashSet<>();
        lines.forEach(l -> checks.add(l.substring(0, Math.max(0, l.indexOf(':')))));
        List<String> all = new ArrayList<>(takeover);
        all.removeIf(l -> checks.contains(l.substring(0, Math.max(0, l.indexOf(':')))));
        all.addAll(lines);
        takeover = List.copyOf(all);
    }

    /** The source changed (file watch, {@code signerctl reload}); the leader re-signs when the floor allows. */
    void sourceChanged(Instant at) {
        if (sourceChangedAt.isEmpty()) {
            sourceChangedAt = Optional.of(at);
        }
    }

    /**
     * The plan for the leader of {@code epoch}: a new term always publishes first (with a serial
     * above the old leader's, so the new epoch has its own version and the transfer server something
     * to serve), otherwise the planner decides (refresh point, source change, floor after the last
     * attempt).
     */
    ResignPlan plan(ResignPlanner planner, long epoch, Instant now) {
        // stamps from a wall clock that was ahead and came back would hold the zone until the clock catches up
        // written only when set and ahead: the watcher sets it only when it is empty, so no change is lost
        Optional<Instant> changed = sourceChangedAt;
        if (changed.isPresent() && changed.get().isAfter(now)) {
            sourceChangedAt = Optional.of(now);
        }
        lastAttempt = lastAttempt.map(t -> notAfter(t, now));
        ZoneResignState state = new ZoneResignState(
                cycle.zone().name(),
                publishedInEpoch == epoch ? earliestExpiration : Optional.empty(),
                sourceChangedAt,
                lastAttempt);
        return planner.plan(state, cycle.zone().policy(), now);
    }

    /** True until the zone is published in the term of {@code epoch}. */
    boolean newTerm(long epoch) {
        return publishedInEpoch != epoch;
    }

    void attempted(Instant at) {
        lastAttempt = Optional.of(at);
    }

    /** Records a publication. */
    void published(ZoneCycle.Outcome.Published p, long epoch, Instant startedAt) {
        publishedInEpoch = epoch;
        hsmSigningFailureAt = null;
        earliestExpiration = p.verdict().earliestExpiration();
        if (sourceChangedAt.filter(t -> !t.isAfter(startedAt)).isPresent()) {
            sourceChangedAt = Optional.empty(); // taken in by this run (a later change stays pending)
        }
        ZoneStatus s = status;
        status = new ZoneStatus(
                s.zone(),
                OptionalLong.of(p.record().serial()),
                Optional.of(p.record().committedAt()),
                earliestExpiration,
                CheckState.PASSED,
                "",
                CheckState.PASSED,
                "",
                KeySyncState.SYNCED,
                List.of(),
                Optional.empty());
    }

    /** Records a run that stopped; the planner's floor spaces the retries. */
    void stopped(ZoneCycle.Outcome.Stopped s) {
        if (s.stage() == ZoneCycle.Stage.NOT_LEADER) {
            return;
        }
        ZoneStatus z = status;
        CheckState gate = s.stage() == ZoneCycle.Stage.GATE ? CheckState.FAILED : z.gate();
        CheckState canary = s.stage() == ZoneCycle.Stage.CANARY ? CheckState.FAILED : z.canary();
        KeySyncState keys = s.stage() == ZoneCycle.Stage.KEYS ? KeySyncState.NOT_SYNCED : z.keySync();
        String gateText =
                gate == CheckState.FAILED ? (s.stage() == ZoneCycle.Stage.GATE ? s.reason() : z.gateFailure()) : "";
        String canaryText = canary == CheckState.FAILED
                ? (s.stage() == ZoneCycle.Stage.CANARY ? s.reason() : z.canaryFailure())
                : "";
        List<String> keyReasons = keys == KeySyncState.NOT_SYNCED
                ? (s.stage() == ZoneCycle.Stage.KEYS ? List.of(s.reason()) : z.keySyncReasons())
                : List.of();
        // A rejected source, a failed write or a fence: shown as a gate failure, the check that keeps
        // the last good zone published, so that health fails and names it.
        if (s.stage() == ZoneCycle.Stage.SOURCE
                || s.stage() == ZoneCycle.Stage.WRITE
                || s.stage() == ZoneCycle.Stage.SIGN) {
            gate = CheckState.FAILED;
            gateText = s.stage().name().toLowerCase() + ": " + s.reason();
        }
        // the run's start: a key-sync check made after it saw the HSM after the failure's cause
        hsmSigningFailureAt =
                s.stage() == ZoneCycle.Stage.SIGN && s.hsmFault() ? lastAttempt.orElseGet(Instant::now) : null;
        if (s.stage() == ZoneCycle.Stage.NO_SIGNER) {
            gate = CheckState.FAILED;
            gateText = "not signed: " + s.reason();
        }
        ZoneStatus.Copy c = new ZoneStatus.Copy(z);
        c.gate = gate;
        c.gateFailure = gateText;
        c.canary = canary;
        c.canaryFailure = canaryText;
        c.keySync = keys;
        c.keySyncReasons = keyReasons;
        status = c.build();
    }

    /** Standby view: what the cluster last committed for the zone, from the ledger. */
    void committed(Optional<PublishRecord> last) {
        status = status.with(c -> {
            c.serial = last.map(r -> OptionalLong.of(r.serial())).orElse(c.serial);
            c.lastPublish = last.map(PublishRecord::committedAt).or(() -> c.lastPublish);
            c.nextResign = Optional.empty();
        });
    }

    /** The next re-sign, for status. */
    void planned(Instant due) {
        status = status.with(c -> c.nextResign = Optional.of(due));
    }

    /** The key-sync state the election's last check found for this zone. */
    void keySync(boolean synced, List<String> reasons) {
        status = status.with(c -> {
            c.keySync = synced ? KeySyncState.SYNCED : KeySyncState.NOT_SYNCED;
            c.keySyncReasons = synced ? List.of() : reasons;
        });
    }

    /**
     * As {@link #keySync(boolean, List)}, from a check made at {@code checkedAt}: a signing failure of
     * this node's HSM is cleared by a passing check made after it (the keys are proven on the HSM
     * again), so that a node that lost its HSM while leading and got it back is healthy as a standby
     * (it publishes nothing that would clear it).
     */
    void keySync(boolean synced, List<String> reasons, Instant checkedAt) {
        keySync(synced, reasons);
        Instant failed = hsmSigningFailureAt;
        if (synced && failed != null && !checkedAt.isBefore(notAfter(failed, checkedAt))) {
            hsmSigningFailureAt = null;
            status = status.with(c -> {
                c.gate = CheckState.PASSED;
                c.gateFailure = "";
            });
        }
    }
}
