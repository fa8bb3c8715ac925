package org.tandem.signer.sign;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tandem.signer.zone.UnsignedZone;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;
import org.xbill.DNS.ZoneMDRecord;

/** RFC 8976 Appendix A test vectors. */
class ZonemdDigestTest {
    private static final Name EXAMPLE = Name.fromConstantString("example.");

    /** RFC 8976 A.1, "simple EXAMPLE zone". */
    static final String SIMPLE = """
            example.      86400  IN  SOA     ns1 admin 2018031900 1800 900 604800 86400
                          86400  IN  NS      ns1
                          86400  IN  NS      ns2
                          86400  IN  ZONEMD  2018031900 1 1 ( c68090d90a7aed71 6bc459f9340e3d7c 1370d4d24b7e2fc3
                                             a1ddc0b9a87153b9 a9713b3c9ae5cc27 777f98b8e730044c )
            ns1           3600   IN  A       203.0.113.63
            ns2           3600   IN  AAAA    2001:db8::63
            """;

    /** RFC 8976 A.2, "complex EXAMPLE zone": occluded, duplicate, out-of-zone, upper case, wildcard. */
    static final String COMPLEX = """
            example.      86400  IN  SOA     ns1 admin 2018031900 1800 900 604800 86400
                          86400  IN  NS      ns1
                          86400  IN  NS      ns2
                          86400  IN  ZONEMD  2018031900 1 1 ( a3b69bad980a3504 e1cffcb0fd6397f9 3848071c93151f55
                                             2ae2f6b1711d4bd2 d8b39808226d7b9d b71e34b72077f8fe )
            ns1           3600   IN  A       203.0.113.63
            NS2           3600   IN  AAAA    2001:db8::63
            occluded.sub  7200   IN  TXT     "I'm occluded but must be digested"
            sub           7200   IN  NS      ns1
            duplicate     300    IN  TXT     "I must be digested just once"
            duplicate     300    IN  TXT     "I must be digested just once"
            foo.test.     555    IN  TXT     "out-of-zone data must be excluded"
            UPPERCASE     3600   IN  TXT     "canonicalize uppercase owner names"
            *             777    IN  PTR     dont-forget-about-wildcards
            mail          3600   IN  MX      20 MAIL1
            mail          3600   IN  MX      10 Mail2.Example.
            sortme        3600   IN  AAAA    2001:db8::5:61
            sortme        3600   IN  AAAA    2001:db8::3:62
            sortme        3600   IN  AAAA    2001:db8::4:63
            sortme        3600   IN  AAAA    2001:db8::1:65
            sortme        3600   IN  AAAA    2001:db8::2:64
            non-apex      900    IN  ZONEMD  2018031900 1 1 ( 616c6c6f77656420 6275742069676e6f 7265642e20616c6c
                                             6f77656420627574 2069676e6f726564 2e20616c6c6f7765 )
            """;

    @Test
    void simpleExampleZoneOfRfc8976AppendixA1() {
        assertDigestMatchesTheZonesOwnZonemd(
                SIMPLE,
                "c68090d90a7aed716bc459f9340e3d7c1370d4d24b7e2fc3"
                        + "a1ddc0b9a87153b9a9713b3c9ae5cc27777f98b8e730044c");
    }

    @Test
    void complexExampleZoneOfRfc8976AppendixA2() {
        assertDigestMatchesTheZonesOwnZonemd(
                COMPLEX,
                "a3b69bad980a3504e1cffcb0fd6397f93848071c93151f55"
                        + "2ae2f6b1711d4bd2d8b39808226d7b9db71e34b72077f8fe");
    }

    @Test
    void orderOfTheInputDoesNotMatter() {
        List<Record> records =
                new ArrayList<>(TestZones.parse("example.", COMPLEX).records());
        byte[] inFileOrder = ZonemdDigest.sha384Simple(EXAMPLE, records);
        Collections.reverse(records);
        assertThat(ZonemdDigest.sha384Simple(EXAMPLE, records)).isEqualTo(inFileOrder);
        Collections.shuffle(records, new Random(7));
        assertThat(ZonemdDigest.sha384Simple(EXAMPLE, records)).isEqualTo(inFileOrder);
    }

    @Test
    void buildsTheApexRecord() {
        byte[] digest = new byte[48];
        ZoneMDRecord r = ZonemdDigest.record(EXAMPLE, 3600, 42, digest);
        assertThat(r.getScheme()).isEqualTo(1);
        assertThat(r.getHashAlgorithm()).isEqualTo(1);
        assertThat(r.getSerial()).isEqualTo(42);
        assertThat(r.getTTL()).isEqualTo(3600);
    }

    private static void assertDigestMatchesTheZonesOwnZonemd(String text, String expectedHex) {
        UnsignedZone zone = TestZones.parse("example.", text);
        ZoneMDRecord published = (ZoneMDRecord) zone.records().stream()
                .filter(r -> r.getType() == Type.ZONEMD && r.getName().equals(EXAMPLE))
                .findFirst()
                .orElseThrow();
        assertThat(HexFormat.of().formatHex(published.getDigest())).isEqualTo(expectedHex);
        byte[] digest = ZonemdDigest.sha384Simple(EXAMPLE, zone.records());
        assertThat(HexFormat.of().formatHex(digest)).isEqualTo(expectedHex);
    }
}
