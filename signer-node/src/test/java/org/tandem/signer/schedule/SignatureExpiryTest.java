package org.tandem.signer.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

class SignatureExpiryTest {
    private static final Name ZONE = Name.fromConstantString("example.com.");
    private static final Instant INCEPTION = Instant.parse("2026-11-30T10:30:00Z");

    private static RRSIGRecord rrsig(String owner, int covered, Instant expire) {
        return new RRSIGRecord(
                Name.fromConstantString(owner),
                DClass.IN,
                3600,
                covered,
                13,
                3600,
                expire,
                INCEPTION,
                12345,
                ZONE,
                new byte[64]);
    }

    @Test
    void findsTheEarliestExpirationAmongAllSignatures() throws Exception {
        Instant early = Instant.parse("2026-12-13T00:00:01Z");
        List<Record> records = List.of(
                new ARecord(
                        Name.fromConstantString("www.example.com."),
                        DClass.IN,
                        300,
                        InetAddress.getByName("192.0.2.1")),
                rrsig("www.example.com.", Type.A, Instant.parse("2026-12-14T00:00:00Z")),
                rrsig("example.com.", Type.SOA, early),
                rrsig("example.com.", Type.DNSKEY, Instant.parse("2026-12-15T00:00:00Z")));

        assertThat(SignatureExpiry.earliest(records)).contains(early);
    }

    @Test
    void anUnsignedZoneHasNone() throws Exception {
        assertThat(SignatureExpiry.earliest(List.of(new ARecord(
                        Name.fromConstantString("www.example.com."),
                        DClass.IN,
                        300,
                        InetAddress.getByName("192.0.2.1")))))
                .isEmpty();
    }
}
