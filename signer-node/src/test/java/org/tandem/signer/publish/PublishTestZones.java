package org.tandem.signer.publish;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.sign.SignedZone;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.TXTRecord;

/** Zone versions for the publishing tests: apex SOA and NS, a name server address, numbered hosts. */
public final class PublishTestZones {
    public static final ZoneName ZONE = ZoneName.of("example.test");

    private PublishTestZones() {}

    static Name name(String relative) {
        return Name.fromConstantString(relative.isEmpty() ? ZONE.toString() : relative + "." + ZONE);
    }

    static SOARecord soa(long serial) {
        return new SOARecord(
                ZONE.name(), DClass.IN, 3600, name("ns1"), name("hostmaster"), serial, 3600, 600, 86400, 300);
    }

    /** SOA, NS, ns1 A and {@code hosts} hosts {@code h<i>} with A 192.0.2.x (x = i % 250 + offset). */
    public static SignedZone version(long serial, int hosts, int offset) {
        List<Record> r = new ArrayList<>();
        r.add(soa(serial));
        r.add(new NSRecord(ZONE.name(), DClass.IN, 3600, name("ns1")));
        r.add(a("ns1", 300, "192.0.2.53"));
        for (int i = 0; i < hosts; i++) {
            r.add(a("h" + i, 300, "192.0.2." + ((i + offset) % 250 + 1)));
        }
        return zone(serial, r);
    }

    static SignedZone zone(long serial, List<Record> records) {
        return new SignedZone(ZONE, serial, records, records.size(), 0, Duration.ZERO);
    }

    static ARecord a(String host, long ttl, String ip) {
        try {
            return new ARecord(name(host), DClass.IN, ttl, InetAddress.getByName(ip));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static TXTRecord txt(String host, String text) {
        return new TXTRecord(name(host), DClass.IN, 300, List.of(text));
    }

    /** Replaces the record at {@code index} (SOA first). */
    static SignedZone with(SignedZone base, long serial, int index, Record replacement) {
        List<Record> r = new ArrayList<>(base.records());
        r.set(0, soa(serial));
        r.set(index, replacement);
        return zone(serial, r);
    }
}
