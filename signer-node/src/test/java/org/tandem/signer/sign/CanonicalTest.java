package org.tandem.signer.sign;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

class CanonicalTest {
    private static final Name APEX = Name.fromConstantString("example.test.");

    private static List<Record> records(String text) {
        return TestZones.parse("example.test.", "@ 300 IN SOA ns hm 1 2 3 4 5\n" + text)
                .records()
                .subList(1, 1 + (int) text.lines().count());
    }

    private static byte[] ours(RRSIGRecord sig, PreparedRrset p) {
        return Canonical.signingInput(sig, p.rrsetPart());
    }

    private static RRSIGRecord template(Name owner, int type, long ttl) {
        return new RRSIGRecord(
                owner,
                1,
                ttl,
                type,
                13,
                ttl,
                Instant.parse("2026-12-06T00:00:00Z"),
                Instant.parse("2026-11-22T00:00:00Z"),
                4711,
                APEX,
                new byte[0]);
    }

    @Test
    void signingInputEqualsDnsjavasForTypesWhoseNamesAreDownCasedAndForWildcards() {
        for (String text : List.of(
                "mx 300 IN MX 20 MAIL1.Example.Test.\nmx 300 IN MX 10 a.example.test.",
                "WWW 300 IN TXT \"zulu\"\nwww 300 IN TXT \"alpha\"\nwww 300 IN TXT \"alpha\"",
                "*.W 300 IN A 192.0.2.1",
                "s 300 IN SRV 0 0 443 Target.Example.Test.",
                "n 300 IN TYPE65280 \\# 3 010203")) {
            List<Record> rs = records(text);
            Name owner = rs.get(0).getName().canonicalize();
            int type = rs.get(0).getType();
            PreparedRrset p = PreparedRrset.of(owner, type, rs);
            RRSIGRecord t = template(owner, type, 300);
            RRset rrset = new RRset();
            rs.forEach(rrset::addRR);
            assertThat(ours(t, p)).as(text).isEqualTo(DNSSEC.digestRRset(t, rrset));
        }
    }

    @Test
    void laterTypesKeepTheCaseOfNamesInTheirRdataUnlikeDnsjava() {
        Record svcb = records("svc 300 IN SVCB 1 Target.Example.Test. alpn=h2").get(0);
        String rfc = new String(Canonical.rdata(svcb), StandardCharsets.ISO_8859_1);
        String dnsjava = new String(svcb.rdataToWireCanonical(), StandardCharsets.ISO_8859_1);
        assertThat(rfc).contains("Target").contains("Example");
        assertThat(dnsjava).doesNotContain("Target"); // RFC 3597 §7 says otherwise; BIND, Knot, ldns agree
        assertThat(Canonical.downcasesRdataNames(Type.NSEC)).isFalse(); // RFC 6840 §5.1
        assertThat(Canonical.downcasesRdataNames(Type.MX)).isTrue();
    }

    @Test
    void preparedRrsetDropsDuplicatesSortsByRdataAndAppliesTheLowestTtl() {
        List<Record> rs = records("a 600 IN A 192.0.2.2\nA 300 IN A 192.0.2.1\na 900 IN A 192.0.2.2");
        PreparedRrset p = PreparedRrset.of(Name.fromConstantString("a.example.test."), Type.A, rs);
        assertThat(p.size()).isEqualTo(2);
        assertThat(p.ttl()).isEqualTo(300);
        assertThat(p.ttlAdjusted()).isTrue();
        assertThat(p.records()).extracting(Record::rdataToString).containsExactly("192.0.2.1", "192.0.2.2");
        assertThat(p.records()).allSatisfy(r -> {
            assertThat(r.getTTL()).isEqualTo(300);
            assertThat(r.getName().toString()).isEqualTo("a.example.test.");
        });
    }

    @Test
    void rrsigLabelsLeaveOutTheRootAndAWildcardLabel() {
        assertThat(Canonical.rrsigLabels(Name.fromConstantString("*.w.example.test.")))
                .isEqualTo(3);
        assertThat(Canonical.rrsigLabels(Name.fromConstantString("w.example.test.")))
                .isEqualTo(3);
        assertThat(Canonical.rrsigLabels(APEX)).isEqualTo(2);
    }
}
