package org.tandem.signer.watchdog;

import java.time.Instant;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * The RRSIG of a copy that expires first: when, and the RRset it covers.
 *
 * @param expiration the RRSIG's expiration
 * @param owner the owner of the covered RRset
 * @param coveredType the covered type
 */
public record EarliestRrsig(Instant expiration, Name owner, int coveredType) {
    public EarliestRrsig {
        Objects.requireNonNull(expiration, "expiration");
        Objects.requireNonNull(owner, "owner");
    }

    /** The earliest-expiring RRSIG among {@code records}; empty when there is none. */
    static Optional<EarliestRrsig> of(Collection<Record> records) {
        RRSIGRecord first = null;
        for (Record r : records) {
            if (r instanceof RRSIGRecord s && (first == null || s.getExpire().isBefore(first.getExpire()))) {
                first = s;
            }
        }
        return first == null
                ? Optional.empty()
                : Optional.of(new EarliestRrsig(first.getExpire(), first.getName(), first.getTypeCovered()));
    }

    /** {@code www.example.test. AAAA}. */
    String rrset() {
        return owner + " " + Type.string(coveredType);
    }
}
