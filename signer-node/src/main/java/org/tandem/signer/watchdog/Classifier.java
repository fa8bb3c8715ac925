package org.tandem.signer.watchdog;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.key.ZoneName;

/**
 * Judges one zone from what the watchdog read: a pure function of the observations, the thresholds
 * and {@code now}. Per copy:
 *
 * <ul>
 *   <li>unreadable (refused, timed out, no answer): WARNING;
 *   <li>does not validate (the gate refused it): CRITICAL;
 *   <li>serves an older serial than the newest published one, for at least the grace: WARNING (within
 *       the grace it still counts as current: a secondary takes a moment to follow a NOTIFY);
 *   <li>earliest RRSIG expiration minus {@code now} below {@code critical}: CRITICAL, below
 *       {@code warn}: WARNING.
 * </ul>
 *
 * The zone's severity is the worst of its copies'.
 */
final class Classifier {
    private Classifier() {}

    static ZoneVerdict classify(ZoneName zone, List<Observation> observations, Thresholds t, Instant now) {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(t, "thresholds");
        Objects.requireNonNull(now, "now");
        List<SourceVerdict> verdicts = new ArrayList<>();
        Severity worst = Severity.OK;
        long reference = 0;
        for (Observation o : observations) {
            SourceVerdict v = source(zone, o, t, now);
            verdicts.add(v);
            worst = worst.max(v.severity());
            reference = Math.max(reference, o.referenceSerial());
        }
        Optional<EarliestRrsig> earliest = observations.stream()
                .flatMap(o -> o.earliest().stream())
                .min(Comparator.comparing(EarliestRrsig::expiration));
        return new ZoneVerdict(zone, worst, verdicts, earliest, reference);
    }

    static SourceVerdict source(ZoneName zone, Observation o, Thresholds t, Instant now) {
        String at = "zone " + zone + " source " + o.source();
        if (o.unreadable().isPresent()) {
            return new SourceVerdict(
                    o.source(),
                    Severity.WARNING,
                    false,
                    List.of(at + ": cannot be read: " + o.unreadable().get()));
        }
        long serial = o.serial().getAsLong();
        Severity s = Severity.OK;
        boolean ok = true;
        List<String> problems = new ArrayList<>();
        if (o.invalid().isPresent()) {
            s = Severity.CRITICAL;
            ok = false;
            problems.add(at + " serial " + serial + ": does not validate: "
                    + firstLine(o.invalid().get()));
        }
        if (o.behindSince().isPresent()) {
            Duration behind = Duration.between(o.behindSince().get(), now);
            if (behind.compareTo(t.grace()) >= 0) {
                s = s.max(Severity.WARNING);
                ok = false;
                problems.add(at + ": serves serial " + serial + ", older than the published " + o.referenceSerial()
                        + ", for " + seconds(behind));
            }
        }
        if (o.earliest().isPresent()) {
            EarliestRrsig e = o.earliest().get();
            Duration left = Duration.between(now, e.expiration());
            Severity expiry = left.compareTo(t.critical()) < 0
                    ? Severity.CRITICAL
                    : left.compareTo(t.warn()) < 0 ? Severity.WARNING : Severity.OK;
            if (expiry != Severity.OK) {
                s = s.max(expiry);
                problems.add(at + " serial " + serial + ": earliest RRSIG (" + e.rrset() + ") expires " + e.expiration()
                        + ", in " + seconds(left) + ", below "
                        + (expiry == Severity.CRITICAL
                                ? "critical " + seconds(t.critical())
                                : "warn " + seconds(t.warn())));
            }
        }
        return new SourceVerdict(o.source(), s, ok, problems);
    }

    private static String seconds(Duration d) {
        return d.toSeconds() + " s";
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }
}
