package org.tandem.signer.watchdog;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.key.ZoneName;

/**
 * The watchdog's judgement of one zone in one run.
 *
 * @param zone the zone
 * @param severity the worst of its sources' (OK when no source was observed)
 * @param sources one verdict per source observed, in observation order
 * @param earliest the earliest-expiring RRSIG over every copy read
 * @param referenceSerial the newest serial known to be published
 */
record ZoneVerdict(
        ZoneName zone,
        Severity severity,
        List<SourceVerdict> sources,
        Optional<EarliestRrsig> earliest,
        long referenceSerial) {
    ZoneVerdict {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(severity, "severity");
        sources = List.copyOf(sources);
        Objects.requireNonNull(earliest, "earliest");
    }

    /** The sources judged CRITICAL. */
    List<String> criticalSources() {
        return sources.stream()
                .filter(s -> s.severity() == Severity.CRITICAL)
                .map(SourceVerdict::source)
                .toList();
    }

    /** Every problem of every source, one line each. */
    List<String> problems() {
        return sources.stream().flatMap(s -> s.problems().stream()).toList();
    }
}
