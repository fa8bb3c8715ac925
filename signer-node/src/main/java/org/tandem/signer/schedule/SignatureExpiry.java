package org.tandem.signer.schedule;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;

/**
 * The earliest RRSIG expiration of a zone, the one figure that says how long the zone stays valid
 * without a re-sign (INV-D3). Feed it the records of the zone <em>as published</em> (e.g. read back
 * through {@code SignedZoneFile.read}), not the signer's intent: that is what resolvers see, and
 * what {@code tandem_zone_rrsig_earliest_expiry_timestamp_seconds} and {@link ResignPlanner} use.
 *
 * <p>Pure and thread-safe.
 */
public final class SignatureExpiry {
    private SignatureExpiry() {}

    /**
     * The earliest expiration over every RRSIG record among {@code records}.
     *
     * @return empty when there is no RRSIG at all (an unsigned zone)
     */
    public static Optional<Instant> earliest(Iterable<? extends Record> records) {
        Objects.requireNonNull(records, "records");
        Instant earliest = null;
        for (Record r : records) {
            if (r instanceof RRSIGRecord sig) {
                Instant expire = sig.getExpire();
                if (earliest == null || expire.isBefore(earliest)) {
                    earliest = expire;
                }
            }
        }
        return Optional.ofNullable(earliest);
    }
}
