package org.tandem.signer.sign;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.nsec.Nsec3Parameters;
import org.tandem.signer.zone.UnsignedZone;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;

/** Zones for signer tests, parsed with dnsjava's {@code Master} (the loader is another package's). */
final class TestZones {
    /**
     * The defects a signer gets wrong first, in one zone: a wildcard, empty non-terminals (one above
     * data, one above only an insecure delegation), secure and insecure delegations with glue and
     * occluded data, upper-case and escaped owners, an RFC 3597 type, SVCB/HTTPS with an upper-case
     * target, CAA, TLSA, MX with an upper-case exchange, a multi-record TXT in file order.
     */
    static final String DEFECTS = """
            $ORIGIN example.test.
            $TTL 3600
            @           IN SOA ns1 hostmaster 2024010101 7200 3600 1209600 300
            @           IN NS  ns1
            @           IN NS  ns2.example.net.
            @           IN MX  10 Mail.Example.Test.
            @           IN CAA 0 issue "letsencrypt.org"
            @           IN HTTPS 1 . alpn=h2,h3
            ns1         IN A   192.0.2.1
            ns1         IN AAAA 2001:db8::1
            www         IN A   192.0.2.10
            www         IN TXT "zulu" "one"
            www         IN TXT "alpha"
            *.wild      IN A   192.0.2.20
            *.wild      IN TXT "wildcard"
            a.b.c.ent   IN A   192.0.2.30
            secure      IN NS  ns.secure
            secure      IN DS  12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
            ns.secure   IN A   192.0.2.40
            insecure    IN NS  ns.insecure
            insecure    IN NS  ns.other.net.
            ns.insecure IN A   192.0.2.41
            deep.below.insecure IN TXT "occluded"
            d.only-insecure IN NS ns.other.net.
            UPPER.Case  IN A   192.0.2.50
            esc\\.aped  IN A   192.0.2.51
            \\@at       IN TXT "escaped at sign"
            _443._tcp.www IN TLSA 3 1 1 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
            svc         IN SVCB 1 Target.Example.Test. alpn=h2 port=8443
            svc         IN HTTPS 1 Target.Example.Test. alpn=h2
            Target      IN A   192.0.2.60
            new         IN TYPE65280 \\# 4 0A0B0C0D
            """;

    private TestZones() {}

    /**
     * The policies every signer test runs under, two threads each: NSEC, NSEC3, NSEC3 opt-out, NSEC with
     * ZONEMD, NSEC3 opt-out with ZONEMD; a {@code @MethodSource} of (name, policy).
     */
    static Stream<Arguments> policies() {
        SigningPolicy base = SigningPolicy.defaults().withThreads(2);
        return Stream.of(
                Arguments.of("nsec", base),
                Arguments.of("nsec3", base.withNsec3(Nsec3Parameters.DEFAULT)),
                Arguments.of("nsec3-optout", base.withNsec3(Nsec3Parameters.DEFAULT.withOptOut(true))),
                Arguments.of("nsec-zonemd", base.withZonemd(true)),
                Arguments.of(
                        "nsec3-optout-zonemd",
                        base.withNsec3(Nsec3Parameters.DEFAULT.withOptOut(true)).withZonemd(true)));
    }

    static UnsignedZone parse(String origin, String text) {
        List<Record> records = new ArrayList<>();
        SOARecord soa = null;
        try (Master m =
                new Master(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), Name.fromString(origin))) {
            Record r;
            while ((r = m.nextRecord()) != null) {
                records.add(r);
                if (r instanceof SOARecord s) {
                    soa = s;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (soa == null) {
            throw new IllegalArgumentException("no SOA");
        }
        return new UnsignedZone(ZoneName.of(origin), soa, records, Path.of("test/" + origin + "zone"));
    }

    static UnsignedZone defects() {
        return parse("example.test.", DEFECTS);
    }

    /**
     * The defect zone plus apex CDS and CDNSKEY RRsets for {@code ksk} (RFC 7344), which the KSK
     * signs.
     */
    static UnsignedZone defectsWithCds(DnssecKey ksk) {
        DNSKEYRecord dnskey = ksk.dnskey(3600);
        DSRecord ds = new DSRecord(dnskey.getName(), DClass.IN, 3600, DNSSEC.Digest.SHA256, dnskey);
        return parse(
                "example.test.",
                DEFECTS + "@ IN CDS " + ds.rdataToString() + "\n@ IN CDNSKEY " + dnskey.rdataToString() + "\n");
    }

    /** A KSK and a ZSK of {@code zone} on {@code hsm}. */
    static List<SigningKey> kskAndZsk(InMemoryHsm hsm, ZoneName zone, Algorithm alg) throws HsmException {
        HsmKey ksk = hsm.generate(new KeySpec(zone, KeyRole.KSK, alg));
        HsmKey zsk = hsm.generate(new KeySpec(zone, KeyRole.ZSK, alg));
        return List.of(
                new SigningKey(ksk.publicKey().orElseThrow(), hsm, ksk.ref()),
                new SigningKey(zsk.publicKey().orElseThrow(), hsm, zsk.ref()));
    }

    /** A KSK and a ZSK (P-256) generated on a real token, as signing keys. */
    static List<SigningKey> kskAndZskOn(Pkcs11Hsm hsm, ZoneName zone) throws HsmException {
        HsmKey ksk = hsm.generate(new KeySpec(zone, KeyRole.KSK, Algorithm.ECDSAP256SHA256));
        HsmKey zsk = hsm.generate(new KeySpec(zone, KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
        return List.of(
                new SigningKey(ksk.publicKey().orElseThrow(), hsm, ksk.ref()),
                new SigningKey(zsk.publicKey().orElseThrow(), hsm, zsk.ref()));
    }
}
