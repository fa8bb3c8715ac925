package org.tandem.signer.gate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.tandem.signer.gate.GateFailure.Reason;

/**
 * Failures of one check (or one chunk of a check): counts every failure, keeps the first {@link
 * #EXAMPLES_PER_REASON} of each reason. Not thread-safe: each worker fills its own and the caller
 * merges them in zone order, so the listing does not depend on thread timing.
 */
final class FailureLog {
    static final int EXAMPLES_PER_REASON = GateVerdict.MAX_LISTED_FAILURES;

    private final EnumMap<Reason, Long> counts = new EnumMap<>(Reason.class);
    private final EnumMap<Reason, List<GateFailure>> examples = new EnumMap<>(Reason.class);

    void add(GateFailure failure) {
        counts.merge(failure.reason(), 1L, Long::sum);
        List<GateFailure> list = examples.computeIfAbsent(failure.reason(), r -> new ArrayList<>());
        if (list.size() < EXAMPLES_PER_REASON) {
            list.add(failure);
        }
    }

    void addAll(FailureLog other) {
        other.counts.forEach((reason, n) -> counts.merge(reason, n, Long::sum));
        other.examples.forEach((reason, list) -> {
            List<GateFailure> mine = examples.computeIfAbsent(reason, r -> new ArrayList<>());
            for (GateFailure f : list) {
                if (mine.size() >= EXAMPLES_PER_REASON) {
                    break;
                }
                mine.add(f);
            }
        });
    }

    boolean isEmpty() {
        return counts.isEmpty();
    }

    long total() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    Map<Reason, Long> counts() {
        return new EnumMap<>(counts);
    }

    /**
     * At most {@code max} failures, taken round-robin over the reasons so that a storm of one kind
     * (a million bad signatures) cannot hide another (one broken NSEC link); sorted by owner in
     * canonical order, then type.
     */
    List<GateFailure> listed(int max) {
        List<GateFailure> out = new ArrayList<>();
        for (int i = 0; out.size() < max; i++) {
            boolean any = false;
            for (List<GateFailure> list : examples.values()) {
                if (i < list.size() && out.size() < max) {
                    out.add(list.get(i));
                    any = true;
                }
            }
            if (!any) {
                break;
            }
        }
        out.sort(Comparator.comparing(GateFailure::owner)
                .thenComparingInt(GateFailure::type)
                .thenComparing(GateFailure::reason));
        return out;
    }
}
