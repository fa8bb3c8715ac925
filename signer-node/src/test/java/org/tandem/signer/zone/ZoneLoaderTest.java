package org.tandem.signer.zone;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tandem.keysync.key.ZoneName;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.HTTPSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SVCBBase;
import org.xbill.DNS.SVCBRecord;
import org.xbill.DNS.Type;
import org.xbill.DNS.UNKRecord;

class ZoneLoaderTest {
    private static final ZoneName ZONE = ZoneName.of("example.com");
    private static final Path PRETEND = Path.of("inline.zone");
    private static final String HEADER = """
            $ORIGIN example.com.
            $TTL 3600
            @               IN SOA   ns1 hostmaster 2025062201 7200 3600 1209600 300
                            IN NS    ns1
            ns1             IN A     192.0.2.1
            """;

    // ---- bad-input corpus: zones/bad/<defect>.zone --------------------------------------------

    /**
     * One defective zone: which file the rejection must name (an included file for a defect inside
     * it), the line, and words the reason must contain.
     */
    record BadZone(String zone, String reportedFile, int line, List<String> words) {
        BadZone(String zone, int line, String... words) {
            this(zone, zone, line, List.of(words));
        }

        @Override
        public String toString() {
            return zone;
        }
    }

    static final List<BadZone> BAD_ZONES = List.of(
            new BadZone("bad-rdata-aaaa.zone", 8, "Invalid address", "2001:db8::g1"),
            new BadZone("class-ch.zone", 8, "class CH is not supported"),
            new BadZone("cname-at-apex.zone", 6, "CNAME at the zone apex example.com."),
            new BadZone("data-below-dname.zone", 9, "below the DNAME at old.example.com. (line 7)", "RFC 6672"),
            new BadZone(
                    "cname-beside-a.zone",
                    8,
                    "CNAME beside other data at www.example.com.",
                    "CNAME at line 8",
                    "A at line 7",
                    "RFC 1034 §3.6.2"),
            new BadZone("empty.zone", 0, "empty zone file"),
            new BadZone("generate-bad-address.zone", 7, "$GENERATE", "Invalid address", "192.0.2.256"),
            new BadZone(
                    // an included file's text is never quoted: the file and line only
                    "include-bad-record.zone",
                    "bad-aaaa.inc",
                    3,
                    List.of("not valid master-file syntax", "the text of an $INCLUDEd file is never shown")),
            new BadZone("include-loop.zone", 7, "$INCLUDE loop", "include-loop.zone is already being read"),
            new BadZone("include-missing.zone", 7, "$INCLUDE file", "include/does-not-exist.inc", "not found"),
            new BadZone("missing-apex-ns.zone", 4, "no NS records at the zone apex example.com."),
            new BadZone("missing-rdata-line-8.zone", 8, "expected an address"),
            new BadZone("missing-soa.zone", 4, "no SOA at the zone apex example.com."),
            new BadZone("no-ttl.zone", 3, "no TTL"),
            new BadZone("out-of-zone.zone", 8, "owner www.example.net. is outside the zone example.com."),
            new BadZone("soa-not-at-apex.zone", 8, "SOA at sub.example.com. is not at the zone apex example.com."),
            new BadZone("syntax-error-line-7.zone", 7, "Invalid address", "192.0.2.300"),
            new BadZone(
                    "two-cnames.zone",
                    8,
                    "more than one CNAME at www.example.com.",
                    "the first is at line 7",
                    "RFC 2181 §10.1"),
            new BadZone("two-soa.zone", 8, "more than one SOA at the zone apex", "the first is at line 4"),
            new BadZone("unknown-directive.zone", 7, "unknown directive $INCLUD"),
            new BadZone("unknown-mnemonic-type.zone", 8, "unknown record type 'DSYNC'", "TYPEnnn \\#", "RFC 3597"),
            new BadZone("unknown-type-bad-length.zone", 8, "invalid unknown RR encoding"));

    static List<BadZone> badZones() {
        return BAD_ZONES;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badZones")
    void rejectsBadZoneNamingFileLineAndReason(BadZone bad) throws Exception {
        Path file = resource("bad/" + bad.zone());

        ZoneLoadException e = catchThrowableOfType(ZoneLoadException.class, () -> ZoneLoader.load(file, ZONE));

        assertThat(e).as("%s must be rejected", bad.zone()).isNotNull();
        assertThat(e.file().getFileName()).hasToString(bad.reportedFile());
        assertThat(e.line()).as("line in %s", e.getMessage()).isEqualTo(bad.line());
        assertThat(e.reason()).contains(bad.words());
        assertThat(e.getMessage()).startsWith(e.file() + ":" + bad.line() + ": " + e.reason());
    }

    @Test
    void corpusHasACaseForEveryBadZone() throws Exception {
        Set<String> files;
        try (Stream<Path> list = Files.list(resource("bad"))) {
            files = list.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".zone"))
                    .collect(Collectors.toSet());
        }

        assertThat(files)
                .containsExactlyInAnyOrderElementsOf(
                        BAD_ZONES.stream().map(BadZone::zone).toList());
    }

    @Test
    void rejectionNamesTheRecordWhenKnown() throws Exception {
        ZoneLoadException e = catchThrowableOfType(
                ZoneLoadException.class, () -> ZoneLoader.load(resource("bad/cname-beside-a.zone"), ZONE));

        assertThat(e.record()).hasValueSatisfying(r -> assertThat(r).contains("www.example.com.", "CNAME", "ns1"));
        assertThat(e.getMessage()).endsWith("(record: " + e.record().orElseThrow() + ")");
    }

    @Test
    void rejectsUnknownTypeNameButAcceptsTheSameTypeInRfc3597Form() throws Exception {
        assertThatThrownBy(() ->
                        ZoneLoader.parse(HEADER + "_dsync IN DSYNC CDS 1 5359 scanner.example.net.\n", ZONE, PRETEND))
                .isInstanceOf(ZoneLoadException.class)
                .hasMessageStartingWith("inline.zone:6: unknown record type 'DSYNC'");

        // DSYNC (type 66): CDS, scheme 1, port 5359, scanner.example.net.
        UnsignedZone zone = ZoneLoader.parse(
                HEADER + "_dsync IN TYPE66 \\# 26 003B0114EF077363616E6E6572076578616D706C65036E657400\n",
                ZONE,
                PRETEND);

        assertThat(only(zone, 66)).isInstanceOf(UNKRecord.class);
        assertThat(only(zone, 66).rdataToString())
                .isEqualTo("\\# 26 003B0114EF077363616E6E6572076578616D706C65036E657400");
    }

    @Test
    void readsAKnownTypeWrittenInRfc3597Form() throws Exception {
        UnsignedZone zone = ZoneLoader.parse(HEADER + "www IN A \\# 4 C0000250\n", ZONE, PRETEND);

        assertThat(only(zone, Type.A, "www.example.com."))
                .isEqualTo(
                        new ARecord(Name.fromString("www.example.com."), 1, 3600, InetAddress.getByName("192.0.2.80")));
    }

    @Test
    void rejectsMissingZoneFileNamingIt(@TempDir Path dir) {
        Path missing = dir.resolve("nope.zone");

        ZoneLoadException e = catchThrowableOfType(ZoneLoadException.class, () -> ZoneLoader.load(missing, ZONE));

        assertThat(e.file()).isEqualTo(missing);
        assertThat(e.line()).isZero();
        assertThat(e.reason()).isEqualTo("zone file " + missing + " not found");
        assertThat(e.getMessage()).isEqualTo(missing + ":0: zone file " + missing + " not found");
    }

    @Test
    void rejectsAZoneFileThatCannotBeReadNamingIt(@TempDir Path dir) throws IOException {
        Path directory = Files.createDirectory(dir.resolve("example.com.zone"));

        ZoneLoadException e = catchThrowableOfType(ZoneLoadException.class, () -> ZoneLoader.load(directory, ZONE));

        assertThat(e.file()).isEqualTo(directory);
        assertThat(e.reason()).contains(directory.toString(), "is a directory");
    }

    @Test
    void rejectsAFileOfOnlyCommentsAndDirectivesAsEmpty() {
        assertThatThrownBy(() -> ZoneLoader.parse("; nothing here\n$TTL 300\n\n", ZONE, PRETEND))
                .isInstanceOf(ZoneLoadException.class)
                .hasMessageStartingWith("inline.zone:0: empty zone file");
    }

    @Test
    void rejectsCnameBesideDataWhateverTheCaseOfTheOwner() {
        assertThatThrownBy(() -> ZoneLoader.parse(HEADER + "Foo IN CNAME ns1\nfOO IN TXT \"x\"\n", ZONE, PRETEND))
                .isInstanceOf(ZoneLoadException.class)
                .hasMessageStartingWith("inline.zone:7: CNAME beside other data at Foo.example.com.");
    }

    @Test
    void countsLinesOfCrLfFiles() {
        String crlf = (HEADER + "www IN A 192.0.2.80\nbad IN AAAA 2001:db8::g\n").replace("\n", "\r\n");

        assertThatThrownBy(() -> ZoneLoader.parse(crlf, ZONE, PRETEND))
                .isInstanceOf(ZoneLoadException.class)
                .hasMessageStartingWith("inline.zone:7: Invalid address");
    }

    @Test
    void countsLinesThroughMixedLineEndingsQuotesAndComments() {
        // Lines 1-5 header (LF), 6 CR, 7 CRLF, 8-9 a record in parentheses, 10 a blank owner, 11 bad.
        String text = HEADER
                + "txt IN TXT \"a ; not a comment ( \\\" \"\r"
                + "; only a comment\r\n"
                + "long IN TXT ( \"x\" ; comment inside\n"
                + "  \"y\" )\n"
                + "     IN A 192.0.2.7\n"
                + "bad IN MX ten mail\n";

        ZoneLoadException e =
                catchThrowableOfType(ZoneLoadException.class, () -> ZoneLoader.parse(text, ZONE, PRETEND));

        assertThat(e.line()).as(e.getMessage()).isEqualTo(11);
        assertThat(e.record()).hasValue("bad.example.com.");
    }

    @Test
    void reportsTheLineOfAMultiLineRecordsDefect() {
        String text = HEADER
                + "txt IN TXT ( \"one\"\n \"two\"\n ; comment\n \"three\" )\n"
                + "mx IN MX ( 10\n  mail..example.com. )\n";

        ZoneLoadException e =
                catchThrowableOfType(ZoneLoadException.class, () -> ZoneLoader.parse(text, ZONE, PRETEND));

        assertThat(e.line()).isEqualTo(11);
        assertThat(e.reason()).contains("invalid empty label");
        assertThat(e.record()).hasValue("mx.example.com.");
    }

    // ---- good input ------------------------------------------------------------------------------

    @Test
    void loadsEveryTypeIncludingSvcbHttpsAndAnRfc3597UnknownType() throws Exception {
        UnsignedZone zone = ZoneLoader.load(resource("good/all-types.zone"), ZONE);

        assertThat(zone.records().stream().map(Record::getType).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder(
                        Type.SOA,
                        Type.NS,
                        Type.MX,
                        Type.TXT,
                        Type.CAA,
                        Type.HTTPS,
                        Type.A,
                        Type.AAAA,
                        Type.SSHFP,
                        Type.TLSA,
                        Type.URI,
                        Type.SRV,
                        Type.SVCB,
                        Type.OPENPGPKEY,
                        Type.SMIMEA,
                        Type.NAPTR,
                        Type.HINFO,
                        Type.RP,
                        Type.LOC,
                        Type.DNAME,
                        Type.CNAME,
                        65280);
        assertThat(zone.records()).hasSize(28);
        assertThat(zone.soa().getSerial()).isEqualTo(2025062201L);
        assertThat(zone.soa().getMinimum()).isEqualTo(300);

        Record unknown = only(zone, 65280);
        assertThat(unknown).isInstanceOf(UNKRecord.class);
        assertThat(unknown.getName()).hasToString("new.example.com.");
        assertThat(unknown.rdataToString()).isEqualTo("\\# 4 01020304");

        HTTPSRecord https = (HTTPSRecord) only(zone, Type.HTTPS, "example.com.");
        assertThat(https.getSvcParamKeys()).contains(SVCBBase.ALPN, SVCBBase.IPV4HINT, SVCBBase.IPV6HINT);
        SVCBRecord svcb = (SVCBRecord) only(zone, Type.SVCB);
        assertThat(svcb.getTargetName()).hasToString("svc.example.net.");
        assertThat(svcb.getSvcParamKeys()).contains(SVCBBase.ALPN, SVCBBase.PORT);
        assertThat(zone.records()).allSatisfy(r -> assertThat(r.getTTL()).isEqualTo(3600));
    }

    @Test
    void keepsRecordsInFileOrder() throws Exception {
        UnsignedZone zone = ZoneLoader.load(resource("good/all-types.zone"), ZONE);

        assertThat(zone.records().get(0)).isSameAs(zone.soa());
        assertThat(zone.records().get(zone.records().size() - 1).getType()).isEqualTo(65280);
    }

    @Test
    void includesFilesRelativeToTheIncludingFileWithTheirOrigin() throws Exception {
        Path file = resource("good/include.zone");

        UnsignedZone zone = ZoneLoader.load(file, ZONE);

        assertThat(zone.source()).isEqualTo(file);
        assertThat(zone.records().stream().map(r -> r.getName() + " " + r.getTTL() + " " + Type.string(r.getType())))
                .containsExactly(
                        "example.com. 3600 SOA",
                        "example.com. 3600 NS",
                        "ns1.example.com. 3600 A",
                        "www.example.com. 3600 A",
                        "sub.example.com. 600 NS",
                        "ns.sub.example.com. 600 A",
                        // back in include.zone: its origin and $TTL are as they were
                        "after.example.com. 3600 A");
    }

    @Test
    void includesRelativeToThePretendSourceWhenParsingText() throws Exception {
        Path pretend = resource("good/include.zone");

        UnsignedZone zone = ZoneLoader.parse(Files.readString(pretend, UTF_8), ZONE, pretend);

        assertThat(zone.records()).hasSize(7);
    }

    @Test
    void expandsGenerate() throws Exception {
        UnsignedZone zone = ZoneLoader.load(resource("good/generate.zone"), ZONE);

        assertThat(zone.records().stream().skip(3).map(r -> r.toString().replace('\t', ' ')))
                .containsExactly(
                        "host-1.example.com. 3600 IN A 192.0.2.1",
                        "host-2.example.com. 3600 IN A 192.0.2.2",
                        "host-3.example.com. 3600 IN A 192.0.2.3",
                        "host-4.example.com. 3600 IN A 192.0.2.4",
                        "dyn-010.example.com. 300 IN AAAA 2001:db8:0:0:0:0:0:10",
                        "dyn-015.example.com. 300 IN AAAA 2001:db8:0:0:0:0:0:15",
                        "dyn-020.example.com. 300 IN AAAA 2001:db8:0:0:0:0:0:20",
                        "alias-1.example.com. 3600 IN CNAME host-1.example.com.",
                        "alias-2.example.com. 3600 IN CNAME host-2.example.com.");
    }

    @Test
    void keepsOwnerNamesAsWrittenWithEscapesAndWildcards() throws Exception {
        UnsignedZone zone = ZoneLoader.load(resource("good/names.zone"), ZONE);

        assertThat(zone.soa().getName()).hasToString("Example.COM.");
        assertThat(zone.records().stream().map(r -> r.getName().toString()).distinct())
                .containsExactly(
                        "Example.COM.",
                        "NS1.Example.COM.",
                        "WWW.Example.COM.",
                        "*.Example.COM.",
                        "*.Wild.Example.COM.",
                        "a\\.b.Example.COM.",
                        "sp\\032ace.Example.COM.",
                        "caf\\195\\169.Example.COM.",
                        "Mixed.Case.Sub.Example.COM.");
        assertThat(zone.records().stream().filter(r -> r.getName().isWild())).hasSize(2);
        assertThat(only(zone, Type.TXT).rdataToString()).isEqualTo("\"quote \\\" semicolon ; backslash \\\\ octal A\"");
    }

    @Test
    void loadsDelegationsWithGlue() throws Exception {
        UnsignedZone zone = ZoneLoader.load(resource("good/delegations.zone"), ZONE);

        assertThat(zone.records()).hasSize(13);
        assertThat(zone.records().stream()
                        .filter(r -> r.getType() == Type.NS)
                        .map(r -> r.getName().toString())
                        .distinct())
                .containsExactly("example.com.", "child.example.com.", "other.example.com.", "a.b.deep.example.com.");
        assertThat(only(zone, Type.DS).getName()).hasToString("child.example.com.");
        assertThat(only(zone, Type.A, "ns1.child.example.com.")).isNotNull();
        assertThat(only(zone, Type.AAAA, "ns2.child.example.com.")).isNotNull();
    }

    @Test
    void removesTheSignersOwnRecordsFromASignedZoneWithOneWarningPerType() throws Exception {
        UnsignedZone zone;
        List<String> warnings;
        try (CapturedLog log = new CapturedLog()) {
            zone = ZoneLoader.load(resource("good/signed.zone"), ZONE);
            warnings = log.warnings();
        }

        assertThat(zone.records().stream().map(r -> r.getName() + " " + Type.string(r.getType())))
                .containsExactly("example.com. SOA", "example.com. NS", "ns1.example.com. A", "www.example.com. CNAME");
        assertThat(warnings)
                .hasSize(8)
                .allSatisfy(w -> assertThat(w).contains("zone=example.com.", "the signer makes them itself"));
        assertThat(String.join("\n", warnings))
                .contains(
                        "removed 3 NSEC record(s)",
                        "removed 5 RRSIG record(s)",
                        "removed 1 NSEC3 record(s)",
                        "removed 1 NSEC3PARAM record(s)",
                        "removed 2 DNSKEY record(s)",
                        "removed 1 CDS record(s)",
                        "removed 1 CDNSKEY record(s)",
                        "removed 1 ZONEMD record(s)");
        // in order of first appearance, each naming where that was
        assertThat(warnings.get(0)).contains("removed 5 RRSIG record(s)", "signed.zone:5:");
        assertThat(warnings.get(7)).contains("removed 1 NSEC3 record(s)", "signed.zone:29:");
    }

    @Test
    void keepsDnskeyCdsAndCdnskeyBelowTheApex() throws Exception {
        String text = HEADER
                + "sub IN NS ns1\n"
                + "sub IN CDS 54321 13 2 F9C7AF7EBCBF098B9F5F37361D1B168BB2E5B98D930CEEF0F055377A8C94DB61\n"
                + "key IN DNSKEY 256 3 13 ("
                + " AHPsJm1PtK2/PRBKpxT58RAy/Yq22IKfxAtSyG9khdeSjMLr1GRvP+PzdL4R2QW/S+J1+obziJ2CqffcXkHdMg== )\n";

        UnsignedZone zone = ZoneLoader.parse(text, ZONE, PRETEND);

        assertThat(zone.records()).extracting(Record::getType).contains(Type.CDS, Type.DNSKEY);
    }

    @Test
    void givesAnRrsetWithDifferentTtlsTheLowestAndWarnsOnce() throws Exception {
        String text = HEADER
                + "www 300 IN A 192.0.2.1\nwww 600 IN A 192.0.2.2\nWWW 100 IN A 192.0.2.3\nmail 60 IN A 192.0.2.25\n";
        UnsignedZone zone;
        List<String> warnings;
        try (CapturedLog log = new CapturedLog()) {
            zone = ZoneLoader.parse(text, ZONE, PRETEND);
            warnings = log.warnings();
        }

        assertThat(zone.records().subList(3, 6))
                .extracting(r -> r.getName().toString().toLowerCase(Locale.ROOT))
                .containsOnly("www.example.com.");
        assertThat(zone.records().subList(3, 6))
                .allSatisfy(r -> assertThat(r.getTTL()).isEqualTo(100));
        assertThat(zone.records().get(3).getName()).hasToString("www.example.com.");
        assertThat(zone.records().get(5).getName()).hasToString("WWW.example.com.");
        assertThat(warnings)
                .singleElement()
                .satisfies(w -> assertThat(w)
                        .contains(
                                "owner=www.example.com. type=A",
                                "300 at inline.zone:6, 600 at inline.zone:7, 100 at inline.zone:8",
                                "using the lowest, 100",
                                "RFC 2181 §5.2"));
    }

    @Test
    void dropsExactDuplicatesSilentlyKeepingTheFirstAsWritten() throws Exception {
        String text = HEADER + "www IN A 192.0.2.80\nWWW IN A 192.0.2.80\nwww IN A 192.0.2.80\n"
                + "www IN TXT \"a\"\nwww IN TXT \"b\"\n";
        UnsignedZone zone;
        List<String> warnings;
        try (CapturedLog log = new CapturedLog()) {
            zone = ZoneLoader.parse(text, ZONE, PRETEND);
            warnings = log.warnings();
        }

        assertThat(zone.records().stream().skip(3).map(r -> r.getName() + " " + r.rdataToString()))
                .containsExactly("www.example.com. 192.0.2.80", "www.example.com. \"a\"", "www.example.com. \"b\"");
        assertThat(warnings).isEmpty();
    }

    @Test
    void takesARelativeOriginRelativeToTheCurrentOne() throws Exception {
        UnsignedZone zone = ZoneLoader.parse(HEADER + "$ORIGIN sub\nwww IN A 192.0.2.9\n", ZONE, PRETEND);

        assertThat(zone.records().get(3).getName()).hasToString("www.sub.example.com.");
    }

    @Test
    void givesAnSoaWithoutTtlItsMinimum() throws Exception {
        UnsignedZone zone = ZoneLoader.parse(
                "@ IN SOA ns1.example.com. h.example.com. 1 7200 3600 1209600 300\n  IN NS ns1.example.com.\n",
                ZONE,
                PRETEND);

        assertThat(zone.records()).allSatisfy(r -> assertThat(r.getTTL()).isEqualTo(300));
    }

    private static Record only(UnsignedZone zone, int type) {
        List<Record> found =
                zone.records().stream().filter(r -> r.getType() == type).toList();
        assertThat(found).as("records of type %s", Type.string(type)).hasSize(1);
        return found.get(0);
    }

    private static Record only(UnsignedZone zone, int type, String owner) {
        List<Record> found = zone.records().stream()
                .filter(r -> r.getType() == type && r.getName().toString().equals(owner))
                .toList();
        assertThat(found)
                .as("records of type %s at %s", Type.string(type), owner)
                .hasSize(1);
        return found.get(0);
    }

    @Test
    void consecutiveRecordsOfOneOwnerShareItsNameAndANewOriginParsesAgain() throws Exception {
        UnsignedZone zone = ZoneLoader.parse(HEADER + """
                d1              IN NS    ns1.d1.example.net.
                d1              IN NS    ns2.d1.example.org.
                d1              IN DS    12345 13 2 0000000000000000000000000000000000000000000000000000000000000000
                $ORIGIN sub.example.com.
                d1              IN NS    ns1.d1.example.net.
                """, ZONE, PRETEND);
        List<Record> d1 = zone.records().stream()
                .filter(r -> r.getName().getLabelString(0).equals("d1"))
                .toList();
        assertThat(d1).hasSize(4);
        assertThat(d1.get(1).getName()).isSameAs(d1.get(0).getName());
        assertThat(d1.get(2).getName()).isSameAs(d1.get(0).getName());
        assertThat(d1.get(3).getName()).hasToString("d1.sub.example.com.");
        assertThat(d1.get(0).getName()).hasToString("d1.example.com.");
    }

    private static Path resource(String name) throws URISyntaxException {
        URL url = Objects.requireNonNull(ZoneLoaderTest.class.getResource("/zones/" + name), name);
        return Path.of(url.toURI());
    }
}
