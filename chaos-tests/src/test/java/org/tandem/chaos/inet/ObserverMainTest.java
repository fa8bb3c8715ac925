package org.tandem.chaos.inet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.chaos.history.ProberEvent;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedErrorCodeOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;
import picocli.CommandLine;

class ObserverMainTest {
    private static final Instant AT = Instant.parse("2026-12-01T12:00:00Z");

    @TempDir
    Path dir;

    @Test
    void readsDurationsInTheHarnessForm() {
        ObserverMain.DurationConverter c = new ObserverMain.DurationConverter();
        assertThat(c.convert("200ms")).isEqualTo(Duration.ofMillis(200));
        assertThat(c.convert("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.convert("1m")).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.convert("PT1.5S")).isEqualTo(Duration.ofMillis(1500));
        assertThatThrownBy(() -> c.convert("soon"))
                .isInstanceOf(CommandLine.TypeConversionException.class)
                .hasMessageContaining("soon");
    }

    @Test
    void readsLiteralAddressesWithPorts() throws Exception {
        ObserverMain.AddressConverter c = new ObserverMain.AddressConverter();
        assertThat(c.convert("10.53.9.2:53")).isEqualTo(new InetSocketAddress(InetAddress.getByName("10.53.9.2"), 53));
        assertThat(c.convert("[::1]:5301")).isEqualTo(new InetSocketAddress(InetAddress.getByName("::1"), 5301));
        assertThatThrownBy(() -> c.convert("resolver.example:53"))
                .isInstanceOf(CommandLine.TypeConversionException.class);
        assertThatThrownBy(() -> c.convert("10.53.9.2:70000")).isInstanceOf(CommandLine.TypeConversionException.class);
    }

    @Test
    void readsTheQueriesFileIncludingUnknownTypes() throws Exception {
        Path f = dir.resolve("queries");
        Files.writeString(
                f,
                "# probes\nwww.example.test. A\n\nnope.example.test A\nexample.test. DNSKEY\nx.example.test. "
                        + "TYPE65280\n");
        List<Query> qs = Query.read(f);
        assertThat(qs)
                .extracting(q -> q.name() + " " + q.typeName())
                .containsExactly(
                        "www.example.test. A",
                        "nope.example.test. A",
                        "example.test. DNSKEY",
                        "x.example.test. TYPE65280");
    }

    @Test
    void namesTheLineOfABadQuery() throws Exception {
        Path f = dir.resolve("queries");
        Files.writeString(f, "www.example.test. A\nwww.example.test. NOSUCHTYPE\n");
        assertThatThrownBy(() -> Query.read(f))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("line 2")
                .hasMessageContaining("NOSUCHTYPE");
        Files.writeString(f, "# nothing\n");
        assertThatThrownBy(() -> Query.read(f)).isInstanceOf(IOException.class).hasMessageContaining("no queries");
    }

    @Test
    void countsValidatedAnswersAndNxdomainAsAd() throws Exception {
        Query q = new Query(Name.fromConstantString("nope.example.test."), Type.A);
        assertThat(Prober.event(AT, q, answer(Rcode.NXDOMAIN, true), 3).kind()).isEqualTo(ProberEvent.Kind.AD);
        assertThat(Prober.event(AT, q, answer(Rcode.NOERROR, true), 3).kind()).isEqualTo(ProberEvent.Kind.AD);
        ProberEvent noAd = Prober.event(AT, q, answer(Rcode.NOERROR, false), 3);
        assertThat(noAd.kind()).isEqualTo(ProberEvent.Kind.OTHER);
        assertThat(noAd.rcode()).isEqualTo("NOERROR");
        assertThat(Prober.event(AT, q, answer(Rcode.REFUSED, false), 3).kind()).isEqualTo(ProberEvent.Kind.OTHER);
        assertThat(noAd.name()).isEqualTo("nope.example.test.");
        assertThat(noAd.type()).isEqualTo("A");
        assertThat(noAd.millis()).isEqualTo(3);
    }

    @Test
    void recordsTheExtendedErrorOfAServfail() throws Exception {
        Message m = answer(Rcode.SERVFAIL, false);
        m.addRecord(
                new OPTRecord(
                        1232,
                        0,
                        0,
                        0,
                        List.of(new ExtendedErrorCodeOption(
                                ExtendedErrorCodeOption.SIGNATURE_EXPIRED, "signature expired from 127.0.0.1"))),
                Section.ADDITIONAL);
        ProberEvent e = Prober.event(AT, new Query(Name.fromConstantString("www.example.test."), Type.A), m, 12);
        assertThat(e.kind()).isEqualTo(ProberEvent.Kind.SERVFAIL);
        assertThat(e.rcode()).isEqualTo("SERVFAIL");
        assertThat(e.ede()).startsWith("7 ").endsWith(": signature expired from 127.0.0.1");
    }

    @Test
    void namesCapturedFilesByZoneAndSerial() {
        assertThat(Capturer.file(Name.fromConstantString("example.test."), 2026120101L))
                .isEqualTo("published/example.test/2026120101.zone");
    }

    @Test
    void exitsWithUsageErrorsAndStartErrors() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        CommandLine cl = new CommandLine(new ObserverMain(o, e)).setErr(new PrintWriter(e, true));
        assertThat(cl.execute("--resolver", "127.0.0.1:1")).isEqualTo(2);
        int rc = new CommandLine(new ObserverMain(o, e))
                .execute(
                        "--resolver",
                        "127.0.0.1:1",
                        "--auth",
                        "127.0.0.1:2",
                        "--zone",
                        "example.test",
                        "--queries",
                        dir.resolve("missing").toString(),
                        "--out",
                        dir.toString());
        assertThat(rc).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("cannot start for zone example.test.")
                .contains("missing");
    }

    private static Message answer(int rcode, boolean ad) {
        Message m = new Message();
        m.getHeader().setFlag(Flags.QR);
        m.getHeader().setRcode(rcode);
        if (ad) {
            m.getHeader().setFlag(Flags.AD);
        }
        m.addRecord(
                Record.newRecord(Name.fromConstantString("nope.example.test."), Type.A, DClass.IN), Section.QUESTION);
        return m;
    }
}
