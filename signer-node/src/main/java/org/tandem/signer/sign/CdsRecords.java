package org.tandem.signer.sign;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.signer.zone.UnsignedZone;
import org.xbill.DNS.CDNSKEYRecord;
import org.xbill.DNS.CDSRecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/** The CDS and CDNSKEY RRsets (RFC 7344, RFC 8078) a zone carries while its manifest asks the parent for a DS set. */
public final class CdsRecords {
    private CdsRecords() {}

    /**
     * The source with, at the apex, a CDS (SHA-256) and a CDNSKEY for each key of {@code cds}, with the
     * DNSKEY TTL, replacing any CDS or CDNSKEY the source has; the source unchanged when {@code cds} is empty.
     *
     * @param keys the zone's keys in the DNSKEY RRset
     * @throws IllegalStateException a key of {@code cds} is not in {@code keys} (named by fingerprint)
     */
    public static UnsignedZone add(
            UnsignedZone unsigned, Name apex, long dnskeyTtl, List<SigningKey> keys, Set<Fingerprint> cds) {
        if (cds.isEmpty()) {
            return unsigned;
        }
        List<Record> records = new ArrayList<>(unsigned.records().stream()
                .filter(r -> !(r.getName().equals(apex) && (r.getType() == Type.CDS || r.getType() == Type.CDNSKEY)))
                .toList());
        for (Fingerprint fp : new TreeSet<>(cds)) {
            SigningKey k = keys.stream()
                    .filter(x -> x.key().fingerprint().equals(fp))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("zone " + apex
                            + ": the CDS asks for the key with fingerprint " + fp.hex()
                            + ", which is not in the DNSKEY RRset"));
            DNSKEYRecord dnskey = k.key().dnskey(dnskeyTtl);
            records.add(new CDSRecord(apex, DClass.IN, dnskeyTtl, DNSSEC.Digest.SHA256, dnskey));
            records.add(new CDNSKEYRecord(
                    apex,
                    DClass.IN,
                    dnskeyTtl,
                    dnskey.getFlags(),
                    dnskey.getProtocol(),
                    dnskey.getAlgorithm(),
                    dnskey.getKey()));
        }
        return new UnsignedZone(unsigned.origin(), unsigned.soa(), records, unsigned.source());
    }
}
