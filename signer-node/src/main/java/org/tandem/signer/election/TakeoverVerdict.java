package org.tandem.signer.election;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.key.ZoneName;

/**
 * The outcome of a {@link TakeoverCheck}: one line per zone and check.
 *
 * @param checkedAt when the checks ran
 * @param outcomes every check of every zone, in order
 */
public record TakeoverVerdict(Instant checkedAt, List<Outcome> outcomes) {
    /** What one check found. */
    public enum Result {
        PASSED,
        /** The node must not lead: the detail names zone, role, key tag, fingerprint and the check. */
        REFUSED,
        /** Not run here (e.g. nothing to check yet, or checked later); the detail says why. */
        NOT_RUN;

        /** Lower-case, for logs and status. */
        public String display() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * @param zone the zone, empty for a check of the whole node
     * @param check the check's name, as in the coordinator's preflight ({@code published-long-enough})
     * @param result passed, refused or not run
     * @param detail one sentence
     */
    public record Outcome(Optional<ZoneName> zone, String check, Result result, String detail) {
        public Outcome {
            Objects.requireNonNull(zone, "zone");
            Objects.requireNonNull(check, "check");
            Objects.requireNonNull(result, "result");
            Objects.requireNonNull(detail, "detail");
        }

        /** {@code zone example.com.: canary: passed: …}. */
        public String describe() {
            return zone.map(z -> "zone " + z + ": ").orElse("") + check + ": " + result.display() + ": " + detail;
        }
    }

    public TakeoverVerdict {
        Objects.requireNonNull(checkedAt, "checkedAt");
        outcomes = List.copyOf(outcomes);
    }

    /** True when some check refuses the takeover. */
    public boolean refused() {
        return outcomes.stream().anyMatch(o -> o.result() == Result.REFUSED);
    }

    /** The refusals, one line each; empty when the node may lead. */
    public List<String> refusals() {
        return outcomes.stream()
                .filter(o -> o.result() == Result.REFUSED)
                .map(Outcome::describe)
                .toList();
    }

    /** The outcomes of one zone. */
    public List<Outcome> of(ZoneName zone) {
        return outcomes.stream()
                .filter(o -> o.zone().filter(zone::equals).isPresent())
                .toList();
    }
}
