package org.tandem.coordinator.view;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.tandem.proto.signer.v1.PublishedZone;

/**
 * One committed publication from the publish ledger ({@code PublishedZone}): serial, epoch, node,
 * time, and the fingerprints of its DNSKEY RRset with that RRset's TTL (empty / 0 when the record
 * predates those fields: unknown).
 */
public record LedgerEntry(
        long serial,
        long epoch,
        String node,
        Instant committedAt,
        List<String> dnskeyFingerprints,
        long dnskeyTtlSeconds) {
    public LedgerEntry {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(committedAt, "committedAt");
        dnskeyFingerprints = List.copyOf(dnskeyFingerprints);
    }

    /** From the stored record. */
    public static LedgerEntry of(PublishedZone p) {
        return new LedgerEntry(
                Integer.toUnsignedLong(p.getSerial()),
                p.getEpoch(),
                p.getNode(),
                Instant.ofEpochMilli(p.getCommittedAtMillis()),
                p.getDnskeyFingerprintsList().stream()
                        .map(s -> s.toLowerCase(Locale.ROOT))
                        .toList(),
                p.getDnskeyTtlSeconds());
    }

    /** Whether the record says which keys were published. */
    public boolean knowsDnskeys() {
        return !dnskeyFingerprints.isEmpty();
    }

    /**
     * Since when the key is in every committed version: the commit time of the oldest record of the
     * unbroken run of records containing it that ends with the last record; {@link Instant#MIN} when
     * the run reaches back to the zone's first publication (no older DNSKEY RRset exists that a
     * resolver could hold); empty when the last record does not contain it or does not say. A record
     * without fingerprints (unknown) breaks the run.
     *
     * @param history oldest first
     */
    public static Optional<Instant> publishedSince(List<LedgerEntry> history, String fingerprint) {
        Instant since = null;
        for (int i = history.size() - 1; i >= 0; i--) {
            LedgerEntry r = history.get(i);
            if (!r.knowsDnskeys() || !r.dnskeyFingerprints().contains(fingerprint)) {
                break;
            }
            since = i == 0 ? Instant.MIN : r.committedAt();
        }
        return Optional.ofNullable(since);
    }
}
