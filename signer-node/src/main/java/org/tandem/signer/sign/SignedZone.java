package org.tandem.signer.sign;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.tandem.keysync.key.ZoneName;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.Record;

/**
 * A signed zone, not yet verified nor written: every record in canonical order (RFC 4034 §6: owner
 * names, then type, then RDATA; owner names in lower case; RRSIGs at their owner in the place of
 * type 46, which is also the order RFC 8976 digests).
 *
 * @param origin the zone apex
 * @param serial the new SOA serial
 * @param records every record of the signed zone
 * @param signedRrsets RRsets that were signed (RRSIG RRsets not counted)
 * @param signatures RRSIG records made
 * @param elapsed wall time of the run
 * @param unpublishedSigners the DNSKEY records of the keys that signed without being in the DNSKEY RRset (an
 *     algorithm rollover's PRE_ACTIVE and POST_ACTIVE keys, RFC 6781 §4.1.4): the validation gate verifies
 *     their RRSIGs with them; empty otherwise
 */
public record SignedZone(
        ZoneName origin,
        long serial,
        List<Record> records,
        long signedRrsets,
        long signatures,
        Duration elapsed,
        List<DNSKEYRecord> unpublishedSigners) {
    /** A zone signed only by keys in its DNSKEY RRset. */
    public SignedZone(
            ZoneName origin, long serial, List<Record> records, long signedRrsets, long signatures, Duration elapsed) {
        this(origin, serial, records, signedRrsets, signatures, elapsed, List.of());
    }

    public SignedZone {
        Objects.requireNonNull(origin, "origin");
        records = List.copyOf(records);
        unpublishedSigners = List.copyOf(unpublishedSigners);
        Objects.requireNonNull(elapsed, "elapsed");
        if (signedRrsets < 0 || signatures < 0) {
            throw new IllegalArgumentException("negative counts");
        }
    }

    /** Signatures per second of wall time (0 when nothing was timed). */
    public double signaturesPerSecond() {
        double s = elapsed.toNanos() / 1e9;
        return s > 0 ? signatures / s : 0;
    }
}
