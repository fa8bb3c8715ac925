package org.tandem.signer.gate;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.tandem.signer.gate.GateFailure.Reason;
import org.xbill.DNS.Name;

/**
 * The gate's decision on one signed zone. The zone may be published only if {@link #passed()}.
 *
 * @param origin the zone apex
 * @param failures up to {@link #MAX_LISTED_FAILURES} failures, every reason represented, in
 *     canonical owner order
 * @param failureCount every failure found, listed or not
 * @param failureCounts every failure found, by reason
 * @param rrsetsChecked authoritative RRsets whose signatures were checked
 * @param signaturesVerified RRSIG verifications performed with the published public keys
 * @param earliestExpiration the earliest RRSIG expiration in the zone (INV-D3 freshness metric,
 *     taken from the zone as it will be published); empty if the zone has no RRSIG
 * @param elapsed wall time of the check
 */
public record GateVerdict(
        Name origin,
        List<GateFailure> failures,
        long failureCount,
        Map<Reason, Long> failureCounts,
        long rrsetsChecked,
        long signaturesVerified,
        Optional<Instant> earliestExpiration,
        Duration elapsed) {

    /** Failures listed in a verdict; all are counted. */
    public static final int MAX_LISTED_FAILURES = 1000;

    private static final int EXAMPLES_IN_SUMMARY = 3;

    public GateVerdict {
        Objects.requireNonNull(origin, "origin");
        failures = List.copyOf(failures);
        failureCounts = Map.copyOf(failureCounts);
        Objects.requireNonNull(earliestExpiration, "earliestExpiration");
        Objects.requireNonNull(elapsed, "elapsed");
        long sum = failureCounts.values().stream().mapToLong(Long::longValue).sum();
        if (sum != failureCount || failures.size() > failureCount || failures.size() > MAX_LISTED_FAILURES) {
            throw new IllegalArgumentException("inconsistent failure counts: " + failures.size() + " listed, "
                    + failureCount + " counted, " + sum + " by reason");
        }
    }

    /** True only when no check failed: the zone may be published. */
    public boolean passed() {
        return failureCount == 0;
    }

    /**
     * Returns this verdict if the zone passed.
     *
     * @throws GateRefusedException otherwise, with the summary as its message
     */
    public GateVerdict requirePassed() throws GateRefusedException {
        if (!passed()) {
            throw new GateRefusedException(this);
        }
        return this;
    }

    /** Listed failures of one reason. */
    public List<GateFailure> failures(Reason reason) {
        return failures.stream().filter(f -> f.reason() == reason).toList();
    }

    /** How many failures of this reason were found (listed or not). */
    public long count(Reason reason) {
        return failureCounts.getOrDefault(reason, 0L);
    }

    /**
     * A report for the operator: one header line, then one line per reason with its count and
     * description, each followed by up to three examples naming owner, type, key tag and fingerprint.
     */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append("zone=").append(origin).append(passed() ? " PASSED" : " REFUSED");
        if (!passed()) {
            sb.append(": ").append(failureCount).append(failureCount == 1 ? " failure" : " failures");
            if (failures.size() < failureCount) {
                sb.append(" (").append(failures.size()).append(" listed)");
            }
        }
        sb.append("; ")
                .append(rrsetsChecked)
                .append(" RRsets, ")
                .append(signaturesVerified)
                .append(" signatures verified in ")
                .append(String.format(Locale.ROOT, "%.3f s", elapsed.toNanos() / 1e9));
        earliestExpiration.ifPresent(
                e -> sb.append("; earliest RRSIG expiration ").append(e));
        Map<Reason, Long> byReason = new EnumMap<>(Reason.class);
        byReason.putAll(failureCounts);
        byReason.forEach((reason, n) -> {
            sb.append('\n')
                    .append("  ")
                    .append(reason)
                    .append(" x")
                    .append(n)
                    .append(" (")
                    .append(reason.description())
                    .append(')');
            failures(reason).stream()
                    .limit(EXAMPLES_IN_SUMMARY)
                    .forEach(f -> sb.append("\n    ").append(f));
        });
        return sb.toString();
    }
}
