package org.tandem.signer.schedule;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.tandem.signer.sign.SigningPolicy;

/**
 * Plans when a zone is next re-signed: the earliest of (no signed version yet → now), (a source
 * change → when it was noticed) and (the earliest RRSIG expiration − the policy's refresh), but
 * never before {@code now} and never sooner than a floor after the last attempt, so that a zone
 * whose runs fail, or whose source changes many times a second, does not make the node spin.
 *
 * <p>Contracts: {@link #plan} is pure (no I/O, no clock of its own); {@link #next} is the same with
 * {@code now} from the injected clock. Immutable and thread-safe. IMPORTANT: the floor delays even
 * a zone whose signatures are past their refresh point; keep it far below the refresh (seconds
 * against days), which the constructor cannot know and {@link #plan} therefore checks per policy.
 */
public final class ResignPlanner {
    /** Default floor: at most one run of a zone every 10 seconds. */
    public static final Duration DEFAULT_FLOOR = Duration.ofSeconds(10);

    private final Duration floor;
    private final Clock clock;

    /**
     * @param floor the minimum time from the start of one run of a zone to the start of the next;
     *     zero or positive
     * @param clock the clock {@link #next} reads
     */
    public ResignPlanner(Duration floor, Clock clock) {
        this.floor = Objects.requireNonNull(floor, "floor");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (floor.isNegative()) {
            throw new IllegalArgumentException("floor must not be negative, got " + floor);
        }
    }

    /** The floor this planner keeps between two runs of a zone. */
    public Duration floor() {
        return floor;
    }

    /** {@link #plan} at the clock's instant. */
    public ResignPlan next(ZoneResignState state, SigningPolicy policy) {
        return plan(state, policy, clock.instant());
    }

    /**
     * When the zone is next due.
     *
     * @param state what is known about the zone
     * @param policy its signing policy (the refresh)
     * @param now the instant to plan at
     * @throws IllegalArgumentException when the floor is not shorter than the policy's refresh
     *     (the floor could then hold back a refresh past expiry)
     */
    public ResignPlan plan(ZoneResignState state, SigningPolicy policy, Instant now) {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(now, "now");
        if (floor.compareTo(policy.refresh()) >= 0) {
            throw new IllegalArgumentException("zone " + state.zone() + ": re-sign floor " + floor
                    + " must be shorter than the policy's refresh " + policy.refresh());
        }
        Instant due;
        ResignReason reason;
        if (state.earliestExpiration().isEmpty()) {
            due = now;
            reason = ResignReason.NEVER_SIGNED;
        } else {
            // RFC 4034 §3.1.5: a signature is unusable after its expiration; re-sign once less
            // than the refresh is left (INV-D3).
            due = state.earliestExpiration().get().minus(policy.refresh());
            reason = ResignReason.REFRESH;
            if (state.sourceChangedAt().isPresent()
                    && state.sourceChangedAt().get().isBefore(due)) {
                due = state.sourceChangedAt().get();
                reason = ResignReason.SOURCE_CHANGED;
            }
        }
        if (due.isBefore(now)) {
            due = now;
        }
        boolean held = false;
        if (state.lastAttempt().isPresent()) {
            Instant earliest = state.lastAttempt().get().plus(floor);
            if (earliest.isAfter(due)) {
                due = earliest;
                held = true;
            }
        }
        return new ResignPlan(state.zone(), due, reason, held);
    }
}
