package org.tandem.signer.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tandem.signer.gate.TestSigner.NOW;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.tandem.signer.gate.GateFailure.Reason;
import org.xbill.DNS.Record;

/**
 * Every case of {@link GateValidationTest}, run again with each zone it judges also judged by the
 * incremental gate: opened on the passing zone the case started from (the signed fixture, or a zone
 * the case had the full gate pass first), given the difference as the records removed and added,
 * it must find the same failures, reason by reason and count by count. The full gate's verdict is
 * what the inherited assertions then check, so a case here fails when either gate strays.
 *
 * <p>A case added to {@link GateValidationTest} is covered here without a change.
 */
class IncrementalGateDifferentialTest extends GateValidationTest {
    /** Zones the full gate passed in this case: where a change may start from. */
    private final List<List<Record>> passing = new ArrayList<>();

    /** Zones compared over the whole class. */
    private static final AtomicInteger COMPARED = new AtomicInteger();

    @Override
    GateVerdict verify(List<Record> zone) throws InterruptedException {
        GateVerdict full = super.verify(zone);
        List<Record> base = closestPassing(zone);
        Diff diff = Diff.of(base, zone);
        IncrementalGate incremental = open(base);

        GateVerdict changed = incremental.check(diff.removed(), diff.added(), NOW);

        assertThat(reasons(changed))
                .as(
                        "the incremental gate on %d removed and %d added records; its failures:\n%s\n"
                                + "the full gate's:\n%s",
                        diff.removed().size(), diff.added().size(), changed.summary(), full.summary())
                .isEqualTo(reasons(full));
        COMPARED.incrementAndGet();
        if (full.passed()) {
            passing.add(zone);
        }
        return full;
    }

    @AfterAll
    static void theCasesWentThroughTheOverride() {
        // all but the cases that build their own gates (other policies, thread counts) judge through verify()
        assertThat(COMPARED.get()).isGreaterThanOrEqualTo(25);
    }

    private static IncrementalGate open(List<Record> base) throws InterruptedException {
        try {
            return IncrementalGate.open(GatePolicy.defaults(), ORIGIN, base, NOW);
        } catch (GateRefusedException e) {
            throw new AssertionError("a zone the full gate passed does not open the incremental gate", e);
        }
    }

    private List<List<Record>> bases() {
        List<List<Record>> all = new ArrayList<>(List.of(nsecZone, nsec3Zone, optOutZone));
        all.addAll(passing);
        return all;
    }

    /** The passing zone with the fewest records removed or added on the way to {@code zone}. */
    private List<Record> closestPassing(List<Record> zone) {
        List<Record> best = null;
        int bestSize = Integer.MAX_VALUE;
        for (List<Record> base : bases()) {
            Diff d = Diff.of(base, zone);
            int size = d.removed().size() + d.added().size();
            if (size < bestSize) {
                best = base;
                bestSize = size;
            }
        }
        return best;
    }

    private static Map<Reason, Long> reasons(GateVerdict v) {
        Map<Reason, Long> out = new HashMap<>(v.failureCounts());
        out.values().removeIf(n -> n == 0);
        return out;
    }

    /** The records of {@code from} not in {@code to}, and of {@code to} not in {@code from}, TTL included. */
    record Diff(List<Record> removed, List<Record> added) {
        static Diff of(List<Record> from, List<Record> to) {
            Map<String, List<Record>> left = new HashMap<>();
            for (Record r : from) {
                left.computeIfAbsent(key(r), k -> new ArrayList<>()).add(r);
            }
            List<Record> added = new ArrayList<>();
            for (Record r : to) {
                List<Record> same = left.get(key(r));
                if (same == null || same.isEmpty()) {
                    added.add(r);
                } else {
                    same.remove(same.size() - 1);
                }
            }
            List<Record> removed = new ArrayList<>();
            left.values().forEach(removed::addAll);
            return new Diff(removed, added);
        }

        private static String key(Record r) {
            return r.getName().canonicalize() + " " + r.getTTL() + " " + r.getDClass() + " " + r.getType() + " "
                    + r.rdataToString();
        }
    }
}
