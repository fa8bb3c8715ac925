package org.tandem.signer.zone;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.tandem.keysync.key.ZoneName;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;

/**
 * A zone as loaded from its master file and checked: apex SOA and NS present, every record at or
 * below the origin, no CNAME beside other data. Contains no DNSSEC records the signer makes itself
 * (RRSIG, NSEC, NSEC3, NSEC3PARAM, and the apex DNSKEY/CDS/CDNSKEY/ZONEMD are the signer's).
 *
 * @param origin the zone apex
 * @param soa the apex SOA record
 * @param records every record, SOA included, in file order
 * @param source the master file it came from (for messages)
 */
public record UnsignedZone(ZoneName origin, SOARecord soa, List<Record> records, Path source) {
    public UnsignedZone {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(soa, "soa");
        records = List.copyOf(records);
        Objects.requireNonNull(source, "source");
    }
}
