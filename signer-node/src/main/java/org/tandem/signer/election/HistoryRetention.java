package org.tandem.signer.election;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How much of a zone's publish history ({@code <root>/zones/<zone>/history}) the leader keeps, and the
 * pure rule that picks the records to delete ({@link #plan}). ZooKeeper cannot answer a {@code
 * getChildren} larger than the client's {@code jute.maxbuffer} (1 MiB: about 50,000 records), and a
 * history nobody prunes reaches that after about 35 days at one commit a minute; then every signing run
 * fails. Pruning keeps what every reader of the history needs (docs/ledger-history.md):
 *
 * <ol>
 *   <li><b>the newest {@link #keepLast} records</b>: the raw recent trail operators, the coordinator's
 *       preflight and the chaos harness read (serials, epochs, nodes), whatever their age;
 *   <li><b>every record committed within the retention window</b> before now: the published-long-enough
 *       check ({@link PublishLedger#dnskeyHistory}, the coordinator's preflight) looks back one DNSKEY TTL,
 *       the rollover planner's intervals look back TTL + propagation delay + safety margins, and the
 *       planner's "largest DNSKEY TTL of the history" must still see a TTL whose RRsets may be cached. The
 *       window is {@link #window} (default 7 days), never less than the caller's {@code lookBack} (what the
 *       zone's policy needs) plus the largest DNSKEY TTL any stored record carries;
 *   <li><b>the newest record committed before the window</b>: it says what was published when the window
 *       began, so that a key published since before the window is still seen as published since then;
 *   <li><b>the first record that carried each key of the newest DNSKEY RRset</b>: the planner dates a key's
 *       publication by the first version that carried it ({@code RolloverPlanner.dated}), however old;
 *       pruning that record would make the key look published later than it was. A key no longer in the
 *       newest RRset needs no date (the planner treats it as not published);
 *   <li><b>a cap</b> ({@link #maxRecords}): when the window alone holds more (a zone committed every second
 *       for a week), the records inside the window that repeat their predecessor's DNSKEY RRset and TTL go,
 *       oldest first: every DNSKEY reader gives the same answer without them (they change no run of a key's
 *       presence and no TTL). Records that change the DNSKEY RRset are never dropped from the window; if
 *       those alone exceed the cap the plan says so ({@link Plan#overCap}) and the leader logs it.
 * </ol>
 *
 * <p>Records before the window and not kept by rules 1, 3 and 4 leave gaps: from {@link Plan#contiguousFrom}
 * on, the kept records hold every change of the published DNSKEY RRset and TTL; the ledger records that
 * index (as a child name) so that {@link PublishLedger#dnskeyHistory} never walks into the gaps.
 *
 * @param window how far back every record is kept (rule 2), at least one minute
 * @param keepLast how many of the newest records are always kept (rule 1), at least 1
 * @param highWater the record count above which the leader prunes after a commit; at least {@code keepLast}
 * @param maxRecords the cap (rule 5), at least {@code highWater}, at most {@link #MAX_LISTABLE}
 * @param batchSize deletes per ZooKeeper transaction, 1 to 1000
 */
public record HistoryRetention(Duration window, int keepLast, int highWater, int maxRecords, int batchSize) {
    /** Far below the ~50,000 records whose listing exceeds the default 1 MiB jute.maxbuffer. */
    public static final int MAX_LISTABLE = 30_000;

    public static final Duration DEFAULT_WINDOW = Duration.ofDays(7);
    public static final int DEFAULT_KEEP_LAST = 1000;

    /** 7 days, the newest 1000, prune above 2000, cap 20,000, 500 deletes a transaction. */
    public static final HistoryRetention DEFAULT =
            new HistoryRetention(DEFAULT_WINDOW, DEFAULT_KEEP_LAST, 2000, 20_000, 500);

    public HistoryRetention {
        Objects.requireNonNull(window, "window");
        if (window.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException("history window must be at least 1m, got " + window);
        }
        if (keepLast < 1) {
            throw new IllegalArgumentException("history keep-last must be at least 1, got " + keepLast);
        }
        if (highWater < keepLast) {
            throw new IllegalArgumentException(
                    "history high-water " + highWater + " must be at least keep-last " + keepLast);
        }
        if (maxRecords < highWater || maxRecords > MAX_LISTABLE) {
            throw new IllegalArgumentException("history max-records " + maxRecords + " must be between high-water "
                    + highWater + " and " + MAX_LISTABLE);
        }
        if (batchSize < 1 || batchSize > 1000) {
            throw new IllegalArgumentException("history batch size must be 1 to 1000, got " + batchSize);
        }
    }

    /** The default counts with another window (the {@code history-window} setting). */
    public static HistoryRetention withWindow(Duration window) {
        return new HistoryRetention(window, DEFAULT.keepLast, DEFAULT.highWater, DEFAULT.maxRecords, DEFAULT.batchSize);
    }

    /**
     * What to delete.
     *
     * @param delete the indices (into the history given, oldest first) of the records to delete, ascending
     * @param contiguousFrom the index of the oldest kept record from which on every change of the DNSKEY
     *     RRset and TTL is kept (the record of rule 3, else the first in the window); the history's size when
     *     empty
     * @param window the retention window used: {@link #window}, or longer for the policy and the TTLs
     * @param overCap whether the records kept still exceed {@link #maxRecords} (all change the DNSKEY RRset)
     */
    public record Plan(List<Integer> delete, int contiguousFrom, Duration window, boolean overCap) {
        public Plan {
            delete = List.copyOf(delete);
            Objects.requireNonNull(window, "window");
        }
    }

    /**
     * The rule (see the class comment) applied to a zone's stored history at {@code now}. Pure.
     *
     * @param oldestFirst the stored records, oldest first (commit order)
     * @param lookBack the longest interval the zone's policy looks back besides the recorded TTLs
     *     (propagation delay, safety margins, the configured DNSKEY and zone TTLs); zero when unknown
     */
    public Plan plan(List<PublishRecord> oldestFirst, Instant now, Duration lookBack) {
        Objects.requireNonNull(oldestFirst, "oldestFirst");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(lookBack, "lookBack");
        int n = oldestFirst.size();
        long maxTtl = oldestFirst.stream()
                .mapToLong(PublishRecord::dnskeyTtlSeconds)
                .max()
                .orElse(0);
        Duration needed = lookBack.plusSeconds(maxTtl);
        Duration effective = needed.compareTo(window) > 0 ? needed : window;
        if (n == 0) {
            return new Plan(List.of(), 0, effective, false);
        }
        Instant cutoff = now.minus(effective);
        boolean[] keep = new boolean[n];
        boolean[] pinned = new boolean[n]; // kept by rules 1, 3 and 4: never thinned
        for (int i = Math.max(0, n - keepLast); i < n; i++) {
            keep[i] = pinned[i] = true; // rule 1
        }
        int firstInWindow = n;
        for (int i = n - 1; i >= 0 && !oldestFirst.get(i).committedAt().isBefore(cutoff); i--) {
            keep[i] = true; // rule 2
            firstInWindow = i;
        }
        int contiguousFrom = firstInWindow;
        if (firstInWindow > 0) {
            contiguousFrom = firstInWindow - 1;
            keep[contiguousFrom] = pinned[contiguousFrom] = true; // rule 3
        }
        Set<String> newest = new HashSet<>(oldestFirst.get(n - 1).dnskeyFingerprints());
        for (int i = 0; i < n && !newest.isEmpty(); i++) {
            for (String fp : oldestFirst.get(i).dnskeyFingerprints()) {
                if (newest.remove(fp)) {
                    keep[i] = pinned[i] = true; // rule 4
                }
            }
        }
        int kept = 0;
        for (boolean k : keep) {
            kept += k ? 1 : 0;
        }
        for (int i = firstInWindow; i < n && kept > maxRecords; i++) { // rule 5
            if (keep[i] && !pinned[i] && i > 0 && sameDnskeys(oldestFirst.get(i - 1), oldestFirst.get(i))) {
                keep[i] = false;
                kept--;
            }
        }
        List<Integer> delete = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!keep[i]) {
                delete.add(i);
            }
        }
        return new Plan(delete, contiguousFrom, effective, kept > maxRecords);
    }

    /** Same DNSKEY RRset and TTL: the later record changes nothing a DNSKEY reader looks at. */
    static boolean sameDnskeys(PublishRecord before, PublishRecord after) {
        return before.dnskeyTtlSeconds() == after.dnskeyTtlSeconds()
                && before.dnskeyFingerprints().equals(after.dnskeyFingerprints());
    }
}
