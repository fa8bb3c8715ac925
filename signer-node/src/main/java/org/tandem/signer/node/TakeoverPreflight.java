package org.tandem.signer.node;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.tandem.signer.election.TakeoverCheck;
import org.tandem.signer.election.TakeoverVerdict;

/**
 * The automatic takeover's preflight: what a node that has just won the election checks, zone by
 * zone, before it bumps the epoch and signs ({@link ZoneCycle#takeoverChecks}): every check of the
 * coordinator's preflight that does not need the old leader. The keys were re-proven by the
 * election's key-sync check just before. Each zone's outcome goes into its status ({@code
 * takeover_checks}); the election logs every line and leaves when one refuses.
 *
 * <p>Threads: called on the election's thread; reads the zone cycles' configuration and their
 * thread-safe collaborators only.
 */
final class TakeoverPreflight implements TakeoverCheck {
    private final Collection<ZoneWork> zones;
    private final Clock clock;

    /** @param zones the daemon's zones (a live view) */
    TakeoverPreflight(Collection<ZoneWork> zones, Clock clock) {
        this.zones = Objects.requireNonNull(zones, "zones");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public TakeoverVerdict check() {
        Instant now = clock.instant();
        List<TakeoverVerdict.Outcome> all = new ArrayList<>();
        for (ZoneWork w : List.copyOf(zones)) {
            List<TakeoverVerdict.Outcome> outcomes = w.cycle.takeoverChecks(now, w.replicationLines());
            w.takeover(outcomes.stream().map(TakeoverPreflight::line).toList());
            all.addAll(outcomes);
        }
        return new TakeoverVerdict(now, all);
    }

    /** The status line of one outcome: {@code canary: passed: …} (the zone is the status entry's). */
    static String line(TakeoverVerdict.Outcome o) {
        return o.check() + ": " + o.result().display() + ": " + o.detail();
    }
}
