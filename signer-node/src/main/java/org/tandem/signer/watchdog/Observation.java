package org.tandem.signer.watchdog;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the watchdog read from one source of one zone in one run: the input of {@link Classifier}.
 *
 * @param source {@code self}, {@code published-file} or a secondary's name
 * @param unreadable why the copy could not be read (refused, timeout, no such file); empty when it was
 * @param serial the copy's SOA serial; empty when unreadable
 * @param invalid the gate's refusal of the copy (its summary); empty when it validated or was unreadable
 * @param earliest the copy's earliest-expiring RRSIG; empty when unreadable or unsigned
 * @param referenceSerial the newest serial this node knows was published (its own file, its own
 *     endpoint, the ledger)
 * @param behindSince when the oldest published serial newer than this copy's was first seen; empty
 *     when the copy is current
 */
record Observation(
        String source,
        Optional<String> unreadable,
        OptionalLong serial,
        Optional<String> invalid,
        Optional<EarliestRrsig> earliest,
        long referenceSerial,
        Optional<Instant> behindSince) {
    Observation {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(unreadable, "unreadable");
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(invalid, "invalid");
        Objects.requireNonNull(earliest, "earliest");
        Objects.requireNonNull(behindSince, "behindSince");
        if (unreadable.isPresent() == serial.isPresent()) {
            throw new IllegalArgumentException("source " + source + ": a copy has a serial exactly when it was read");
        }
    }

    /** A source that could not be read. */
    static Observation unreadable(String source, String why, long referenceSerial) {
        return new Observation(
                source,
                Optional.of(why),
                OptionalLong.empty(),
                Optional.empty(),
                Optional.empty(),
                referenceSerial,
                Optional.empty());
    }

    /** A copy that was read and given to the gate. */
    static Observation read(
            String source,
            long serial,
            Optional<String> invalid,
            Optional<EarliestRrsig> earliest,
            long referenceSerial,
            Optional<Instant> behindSince) {
        return new Observation(
                source, Optional.empty(), OptionalLong.of(serial), invalid, earliest, referenceSerial, behindSince);
    }
}
