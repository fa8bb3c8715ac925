package org.tandem.chaos.scenario;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One run of one scenario: when the fault came and went, who led before, what the scenario saw, and
 * the invariants it found violated. Filled by the runner, the scenario and the {@link Checker}.
 */
public final class Trial {
    /** One violated invariant: its id ({@code INV-L1}, {@code no-servfail}) and what exactly happened. */
    public record Violation(String invariant, String detail) {}

    /** A node the scenario cut off from ZooKeeper: its lease has run out by {@code at}; {@code epoch} was its term. */
    public record LeaseLoss(Instant at, long epoch) {}

    final String name;
    final int round;
    /** The seed of the scenario's own random choices (drawn from the run's seed under a random nemesis). */
    long seed = System.nanoTime();

    Instant start;
    Instant end;
    Instant faultAt;
    Instant healedAt;
    String fault = "";
    String leaderBefore = "";
    long serialBefore = -1;
    long epochBefore = -1;
    boolean expectTakeover;
    Double takeoverSeconds;
    Double ledgerTakeoverSeconds;
    long maxConcurrentLeaders;
    long widestSampleGapMillis;
    long publishedVersions;
    /** How often the churn driver changed the zone source during the trial. */
    long sourceChanges;

    final Map<String, LeaseLoss> leaseLosses = new LinkedHashMap<>();
    /** The checks run on this trial, by id, in the order first run. */
    final Set<String> checks = new LinkedHashSet<>();

    final long[] prober = new long[4];
    final List<String> notes = new ArrayList<>();
    final List<Violation> violations = new ArrayList<>();

    Trial(String name, int round) {
        this.name = name;
        this.round = round;
    }

    /** The fault is injected now. */
    public void fault(String what) {
        faultAt = Instant.now();
        fault = what;
    }

    /** The fault is healed now. */
    public void healed() {
        healedAt = Instant.now();
    }

    public void note(String text) {
        notes.add(text);
    }

    public void violate(String invariant, String detail) {
        checks.add(invariant);
        violations.add(new Violation(invariant, detail));
    }

    /** The check {@code id} runs on this trial (it passes unless violated). */
    public void check(String id) {
        checks.add(id);
    }

    /** Whether the check {@code id} found nothing. */
    public boolean passed(String id) {
        return violations.stream().noneMatch(v -> v.invariant().equals(id));
    }

    /**
     * {@code node}, leading in {@code epoch}, was cut off from ZooKeeper at {@code cutAt}: from {@code
     * cutAt + lease} on it must commit nothing in that epoch (checked on the ledger, {@code INV-L3}).
     */
    public void leaseLost(String node, long epoch, Instant cutAt, Duration lease) {
        leaseLosses.put(node, new LeaseLoss(cutAt.plus(lease), epoch));
    }

    /** A takeover by another node is expected (switch failure, kill, pause ...). */
    public void expectTakeover() {
        expectTakeover = true;
    }

    /** The seed for the scenario's own random choices: the same seed replays them. */
    public long seed() {
        return seed;
    }

    public String leaderBefore() {
        return leaderBefore;
    }

    public long serialBefore() {
        return serialBefore;
    }

    public long epochBefore() {
        return epochBefore;
    }

    /** When the fault was healed, or now if it is not yet. */
    public Instant healedAtOrNow() {
        return healedAt != null ? healedAt : Instant.now();
    }

    public Instant faultAt() {
        return faultAt;
    }

    public boolean passed() {
        return violations.isEmpty();
    }

    public String name() {
        return name;
    }

    public List<Violation> violations() {
        return List.copyOf(violations);
    }

    public Double takeoverSeconds() {
        return takeoverSeconds;
    }

    Duration duration() {
        return Duration.between(start, end == null ? Instant.now() : end);
    }
}
