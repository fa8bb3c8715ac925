package org.tandem.signer.lifecycle;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.tandem.keysync.key.Fingerprint;

/**
 * The planner's answer: every step it can name now (due now or later), earliest first, and the
 * findings. Empty for a zone whose policy has no {@code keys:}.
 */
public record RolloverPlan(List<RolloverAction> actions, List<RolloverFinding> findings) {
    public RolloverPlan {
        actions = actions.stream()
                .sorted(Comparator.comparing(RolloverAction::due))
                .toList();
        findings = List.copyOf(findings);
    }

    public static RolloverPlan empty() {
        return new RolloverPlan(List.of(), List.of());
    }

    /** The steps that may be taken at {@code now}. */
    public List<RolloverAction> due(Instant now) {
        return actions.stream().filter(a -> a.dueAt(now)).toList();
    }

    /** When the planner should be asked again: the earliest step not yet due. */
    public Optional<Instant> nextDue(Instant now) {
        return actions.stream()
                .map(RolloverAction::due)
                .filter(t -> t.isAfter(now))
                .findFirst();
    }

    /** The next step that concerns {@code key}, for the timeline's "next transition". */
    public Optional<RolloverAction> next(Fingerprint key) {
        return actions.stream()
                .filter(a -> a.key().filter(key::equals).isPresent())
                .findFirst();
    }
}
