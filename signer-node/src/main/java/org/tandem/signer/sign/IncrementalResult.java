package org.tandem.signer.sign;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.xbill.DNS.Record;

/**
 * What an incremental re-sign changed, as the difference between the zone before and after: every
 * record (RRSIGs, NSEC/NSEC3, SOA included) that left the zone and every one that entered it. An
 * RRset whose TTL or content changed appears whole in both lists. This is what the incremental
 * validation gate checks and what an IXFR would carry.
 *
 * @param serial the new SOA serial
 * @param removed records of the previous zone no longer in the new one
 * @param added records of the new zone not in the previous one
 * @param rrsetsSigned RRsets that got at least one new RRSIG
 * @param signaturesMade RRSIGs made on the HSM in this run
 * @param signaturesReused RRSIGs of the new zone kept from the previous one
 * @param elapsed wall time of the re-sign (not of the gate)
 */
public record IncrementalResult(
        long serial,
        List<Record> removed,
        List<Record> added,
        long rrsetsSigned,
        long signaturesMade,
        long signaturesReused,
        Duration elapsed) {
    public IncrementalResult {
        removed = List.copyOf(removed);
        added = List.copyOf(added);
        Objects.requireNonNull(elapsed, "elapsed");
        if (rrsetsSigned < 0 || signaturesMade < 0 || signaturesReused < 0) {
            throw new IllegalArgumentException("negative counts");
        }
    }
}
