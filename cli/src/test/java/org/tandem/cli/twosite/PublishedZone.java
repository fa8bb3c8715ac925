package org.tandem.cli.twosite;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;

/**
 * What a node published, read from the zone file in its container: the SOA serial and the DNSKEY
 * RRset (each key as {@code <flags> <protocol> <algorithm> <base64 key>}), parsed with dnsjava.
 *
 * @param serial the SOA serial (RFC 1982 arithmetic is not needed here: the tests' serials do not wrap)
 * @param dnskeys the DNSKEY RDATA of every key in the apex RRset
 * @param soaSigners the key tags of the RRSIGs over the apex SOA (the keys that sign the zone's data)
 * @param text the whole file
 */
record PublishedZone(long serial, Set<String> dnskeys, Set<Integer> soaSigners, String text) {
    PublishedZone {
        Objects.requireNonNull(dnskeys, "dnskeys");
        Objects.requireNonNull(soaSigners, "soaSigners");
        Objects.requireNonNull(text, "text");
        dnskeys = Set.copyOf(dnskeys);
        soaSigners = Set.copyOf(soaSigners);
    }

    /** Parses a signed zone file of {@code zone}. */
    static PublishedZone parse(String zone, String text) throws IOException {
        Name origin = Name.fromString(zone);
        long serial = -1;
        Set<String> keys = new TreeSet<>();
        Set<Integer> signers = new TreeSet<>();
        try (Master master = new Master(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), origin)) {
            Record r;
            while ((r = master.nextRecord()) != null) {
                if (r instanceof SOARecord soa && r.getName().equals(origin)) {
                    serial = soa.getSerial();
                } else if (r instanceof DNSKEYRecord && r.getName().equals(origin)) {
                    keys.add(r.rdataToString());
                } else if (r instanceof RRSIGRecord sig
                        && r.getName().equals(origin)
                        && sig.getTypeCovered() == Type.SOA) {
                    signers.add(sig.getFootprint());
                }
            }
        }
        if (serial < 0) {
            throw new IOException("no SOA at " + zone + " in the published zone:\n" + text);
        }
        return new PublishedZone(serial, keys, signers, text);
    }

    /** Whether the DNSKEY RRset holds a key whose public key field is {@code base64Key} (spaces ignored). */
    boolean hasKey(String base64Key) {
        String k = base64Key.replace(" ", "");
        return dnskeys.stream().anyMatch(d -> d.replace(" ", "").endsWith(k));
    }
}
