package org.tandem.chaos.scenario;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One run of one scenario: when the fault came and went, who led before, what the scenario saw, and
 * the invariants it found violated. Filled by the runner, the scenario and the {@link Checker}.
 */
public final class Trial {
    /** One violated invariant: its id ({@code INV-L1}, {@code no-servfail}) and what exactly happened. */
    public record Violation(String invariant, String detail) {}

    final String name;
    final int round;
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
        violations.add(new Violation(invariant, detail));
    }

    /** A takeover by another node is expected (switch failure, kill, pause ...). */
    public void expectTakeover() {
        expectTakeover = true;
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
