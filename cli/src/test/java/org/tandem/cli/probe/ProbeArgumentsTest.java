package org.tandem.cli.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.cli.SignerctlCommand;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.Name;

/** Bad arguments and trust anchors: UNKNOWN (3) with one line naming what is wrong; no query is sent. */
class ProbeArgumentsTest {
    private static final Name ZONE = Name.fromConstantString("example.test.");
    private static final DNSKEYRecord KSK = new DNSKEYRecord(
            ZONE, DClass.IN, 3600, 257, DNSKEYRecord.Protocol.DNSSEC, DNSSEC.Algorithm.ECDSAP256SHA256, new byte[64]);
    private static final DNSKEYRecord OTHER = new DNSKEYRecord(
            ZONE, DClass.IN, 3600, 257, DNSKEYRecord.Protocol.DNSSEC, DNSSEC.Algorithm.ECDSAP256SHA256, filled(64, 7));

    @TempDir
    Path dir;

    private static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }

    private record Run(int code, String out) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        int code = SignerctlCommand.run(args, new PrintWriter(out), new PrintWriter(new StringWriter()));
        return new Run(code, out.toString());
    }

    @Test
    void missingZoneIsUnknownWithOneLine() {
        Run r = run("probe", "--server", "127.0.0.1", "--trust-anchor", "/nonexistent");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.out())
                .isEqualTo("TANDEM PROBE UNKNOWN - .: .: missing required option --zone; 0 names checked "
                        + "| names=0 problems=1\n");
    }

    @Test
    void badWarnIsUnknownNamingTheOption() {
        Run r = run(
                "probe",
                "--zone",
                "example.test",
                "--server",
                "127.0.0.1",
                "--trust-anchor",
                "/x",
                "--warn",
                "three days");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.out()).startsWith("TANDEM PROBE UNKNOWN - example.test.: example.test.: --warn takes a number");
    }

    @Test
    void unreadableTrustAnchorIsUnknownNamingTheFile() {
        Path missing = dir.resolve("missing.anchor");
        Run r = run(
                "probe",
                "--zone",
                "example.test",
                "--server",
                "127.0.0.1:5353",
                "--trust-anchor",
                missing.toString(),
                "--json");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.out().strip())
                .startsWith("{\"status\":\"UNKNOWN\",\"code\":3,\"zone\":\"example.test.\"")
                .contains("cannot read trust anchor file " + missing)
                .doesNotContain("\n");
    }

    @Test
    void unknownOptionIsUnknownWithOneLineToo() {
        Run r = run("probe", "--zone", "example.test", "--frobnicate");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.out())
                .startsWith("TANDEM PROBE UNKNOWN - .: .: unknown argument(s): --frobnicate;")
                .hasLineCount(1);
    }

    @Test
    void trustAnchorMatchesItsKeyByDsOrDnskeyAndNoOther() throws Exception {
        String ds = new DSRecord(ZONE, DClass.IN, 3600, DNSSEC.Digest.SHA256, KSK).toString();
        TrustAnchor byDs = TrustAnchor.parse(ds + "\n", ZONE, "ds.anchor");
        assertThat(byDs.matches(KSK)).isTrue();
        assertThat(byDs.matches(OTHER)).isFalse();
        assertThat(byDs.keyTags()).containsExactly(KSK.getFootprint());
        TrustAnchor byKey = TrustAnchor.parse(KSK + "\n", ZONE, "key.anchor");
        assertThat(byKey.matches(KSK)).isTrue();
        assertThat(byKey.matches(OTHER)).isFalse();
    }

    @Test
    void trustAnchorForAnotherZoneOrEmptyIsRefusedNamingTheFile() throws Exception {
        Path other = dir.resolve("other.anchor");
        Files.writeString(
                other,
                new DSRecord(Name.fromConstantString("other.test."), DClass.IN, 3600, DNSSEC.Digest.SHA256, KSK)
                        + "\n");
        assertThatThrownBy(() -> TrustAnchor.read(other, ZONE))
                .isInstanceOf(ProbeUnknownException.class)
                .hasMessageContaining(other.toString())
                .hasMessageContaining("no DS or DNSKEY record for example.test.");
        assertThatThrownBy(() -> TrustAnchor.parse("this is not a record\n", ZONE, "junk.anchor"))
                .isInstanceOf(ProbeUnknownException.class)
                .hasMessageContaining("junk.anchor");
    }

    @Test
    void durationsReadAsOperatorsWriteThem() {
        assertThat(Durations.parse("--warn", "3d")).isEqualTo(Duration.ofDays(3));
        assertThat(Durations.parse("--timeout", "5s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(Durations.parse("--warn", "90m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("--warn", "12H")).isEqualTo(Duration.ofHours(12));
        assertThat(Durations.parse("--warn", "2w")).isEqualTo(Duration.ofDays(14));
        assertThatThrownBy(() -> Durations.parse("--warn", "3")).hasMessageContaining("--warn");
        assertThat(Durations.format(Duration.ofHours(50))).isEqualTo("2d 2h");
        assertThat(Durations.format(Duration.ofMinutes(-90))).isEqualTo("-1h 30m");
    }
}
