package org.tandem.chaos.history;

import java.time.Instant;
import java.util.Objects;

/**
 * One answer (or its absence) the prober got from the validating resolver: one line of {@code
 * prober.jsonl}.
 *
 * @param at when the query was sent (wall clock of the prober's host, which the harness does not fake)
 * @param name the query name, absolute
 * @param type the query type mnemonic ({@code A}, {@code TYPE65280}, ...)
 * @param kind how the answer is counted
 * @param rcode the response code mnemonic ({@code NOERROR}, {@code NXDOMAIN}, {@code SERVFAIL}); empty on timeout
 * @param ede the extended DNS error (RFC 8914) the resolver gave, {@code "code text"}, or empty
 * @param millis how long the answer took, ms (the timeout on a timeout)
 */
public record ProberEvent(Instant at, String name, String type, Kind kind, String rcode, String ede, long millis) {
    /** The answer kinds the report counts. */
    public enum Kind {
        /** NOERROR or NXDOMAIN with the AD bit: the resolver validated it. */
        AD,
        /** SERVFAIL: the resolver could not give a validated answer (bogus, expired, unreachable). */
        SERVFAIL,
        /** No answer within the prober's timeout. */
        TIMEOUT,
        /** Anything else: an answer without AD, REFUSED, a malformed reply. */
        OTHER
    }

    public ProberEvent {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(rcode, "rcode");
        Objects.requireNonNull(ede, "ede");
    }
}
