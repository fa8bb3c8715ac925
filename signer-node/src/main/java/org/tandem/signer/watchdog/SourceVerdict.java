package org.tandem.signer.watchdog;

import java.util.List;
import java.util.Objects;

/**
 * The watchdog's judgement of one copy of a zone.
 *
 * @param source {@code self}, {@code published-file} or a secondary's name
 * @param severity how bad
 * @param ok the copy was read, is current (not behind beyond the grace) and validates
 * @param problems one line per problem, each naming the source; empty when {@link Severity#OK}
 */
record SourceVerdict(String source, Severity severity, boolean ok, List<String> problems) {
    SourceVerdict {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(severity, "severity");
        problems = List.copyOf(problems);
    }
}
