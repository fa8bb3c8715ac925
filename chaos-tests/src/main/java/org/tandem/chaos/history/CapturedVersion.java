package org.tandem.chaos.history;

import java.time.Instant;
import java.util.Objects;

/**
 * One zone version the authoritative server (the secondary in the "internet" site) was seen serving:
 * one line of {@code captures.jsonl}. The observer polls the server's SOA and takes every new serial
 * by AXFR into {@code published/<zone>/<serial>.zone}.
 *
 * @param at when the observer first saw the serial at the authoritative server
 * @param zone the zone, absolute ({@code example.test.})
 * @param serial the SOA serial
 * @param file the file it was written to, relative to the run's report directory
 * @param sha256Hex SHA-256 of the file's bytes (the AXFR in canonical order, one record per line)
 * @param records how many records the transfer had
 * @param contentSha256Hex the canonical content digest ({@link ZoneDigest}), the one the publish ledger
 *     records: a version is matched to its commit by this, not by its serial alone; null in records
 *     written before the field existed (the checker then computes it from {@code file})
 */
public record CapturedVersion(
        Instant at, String zone, long serial, String file, String sha256Hex, int records, String contentSha256Hex) {
    public CapturedVersion {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(sha256Hex, "sha256Hex");
    }
}
