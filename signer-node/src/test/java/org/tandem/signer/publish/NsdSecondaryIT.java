package org.tandem.signer.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tandem.signer.publish.PublishTestZones.ZONE;
import static org.tandem.signer.publish.PublishTestZones.a;
import static org.tandem.signer.publish.PublishTestZones.version;
import static org.tandem.signer.publish.PublishTestZones.with;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.signer.sign.SignedZone;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real secondary: NSD (Debian nsd) on the loopback with the transfer server as its primary, TSIG
 * on transfers and NOTIFY. It gets the zone after a NOTIFY (AXFR), then the next version by IXFR
 * after the next NOTIFY, and answers with the new serial.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NsdSecondaryIT {
    private static final String KEY = "tandem-xfr";

    private Path dir;
    private Process nsd;
    private int nsdPort;
    private TransferServer server;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        Prerequisites.requireTool("nsd", "nsd");
        dir = tmp;
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        String secret = Base64.getEncoder().encodeToString(raw);
        Path secretFile = dir.resolve("tsig.secret");
        Files.writeString(secretFile, secret + "\n");
        Files.setPosixFilePermissions(secretFile, PosixFilePermissions.fromString("rw-------"));

        nsdPort = DnsWire.freePort();
        server = TransferServer.start(TransferConfig.on(new InetSocketAddress(DnsWire.LOOPBACK, 0))
                        .withTsig(TsigKey.fromFile(KEY, "hmac-sha256", secretFile))
                        .withNotify(List.of(new InetSocketAddress(DnsWire.LOOPBACK, nsdPort)))
                        .withNotifyRetries(5, Duration.ofMillis(500)),
                ServingPermit.always(), Clock.systemUTC());

        Path conf = dir.resolve("nsd.conf");
        Files.writeString(conf, String.join("\n",
                "server:",
                "  ip-address: 127.0.0.1@" + nsdPort,
                "  port: " + nsdPort,
                "  username: \"\"",
                "  chroot: \"\"",
                "  database: \"\"",
                "  zonesdir: \"" + dir + "\"",
                "  zonelistfile: \"" + dir.resolve("zone.list") + "\"",
                "  xfrdfile: \"" + dir.resolve("xfrd.state") + "\"",
                "  xfrdir: \"" + dir + "\"",
                "  pidfile: \"" + dir.resolve("nsd.pid") + "\"",
                "  logfile: \"" + dir.resolve("nsd.log") + "\"",
                "  verbosity: 2",
                "  xfrd-reload-timeout: 0",
                "remote-control:",
                "  control-enable: no",
                "key:",
                "  name: \"" + KEY + "\"",
                "  algorithm: hmac-sha256",
                "  secret: \"" + secret + "\"",
                "zone:",
                "  name: \"example.test\"",
                "  zonefile: \"example.test.zone\"",
                "  request-xfr: 127.0.0.1@" + server.port() + " " + KEY,
                "  allow-notify: 127.0.0.1 " + KEY,
                ""));
        Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-------"));
        nsd = new ProcessBuilder("nsd", "-d", "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("nsd.out").toFile())
                .start();
        DnsWire.pollUntil(Duration.ofSeconds(20), () -> "NSD answers on port " + nsdPort + "\n" + log(), () -> {
            try {
                return nsd.isAlive() && answer(ZONE.name(), Type.SOA) != null;
            } catch (IOException e) {
                return false;
            }
        });
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (nsd != null) {
                nsd.destroy();
                if (!nsd.waitFor(10, TimeUnit.SECONDS)) {
                    nsd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        } finally {
            if (server != null) {
                server.stop();
            }
        }
    }

    @Test
    void nsdTransfersAfterNotifyThenTakesTheNextVersionByIxfr() throws Exception {
        SignedZone v1 = version(2026120101L, 50, 0);
        server.serve(v1);
        awaitSerial(2026120101L);
        assertThat(addresses("h3")).containsExactly("192.0.2.4");
        TransferCounters afterFirst = server.counters();
        assertThat(afterFirst.notifiesAcknowledged()).as(log()).isGreaterThanOrEqualTo(1);
        assertThat(afterFirst.axfrTransfers()).as("the first copy is a full transfer\n" + log()).isGreaterThanOrEqualTo(1);

        SignedZone v2 = with(v1, 2026120102L, 6, a("h3", 300, "198.51.100.33"));
        server.serve(v2);
        awaitSerial(2026120102L);
        assertThat(addresses("h3")).containsExactly("198.51.100.33");
        TransferCounters afterSecond = server.counters();
        assertThat(afterSecond.ixfrIncremental()).as("the second copy is incremental\n" + log())
                .isGreaterThan(afterFirst.ixfrIncremental());
        assertThat(afterSecond.axfrTransfers()).isEqualTo(afterFirst.axfrTransfers());
        assertThat(afterSecond.notAuthorized()).as("every TSIG verified").isZero();
        assertThat(log()).contains("2026120102");
    }

    private void awaitSerial(long serial) throws InterruptedException {
        DnsWire.pollUntil(Duration.ofSeconds(30), () -> "NSD serves serial " + serial + "\n" + log(), () -> {
            try {
                return query(ZONE.name(), Type.SOA)
                        .map(m -> m.getSection(Section.ANSWER).stream()
                                .anyMatch(r -> r instanceof SOARecord s && s.getSerial() == serial))
                        .orElse(false);
            } catch (IOException e) {
                return false;
            }
        });
    }

    private List<String> addresses(String host) throws IOException {
        Message m = query(PublishTestZones.name(host), Type.A).orElseThrow();
        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        return m.getSection(Section.ANSWER).stream()
                .filter(r -> r instanceof ARecord)
                .map(r -> ((ARecord) r).getAddress().getHostAddress())
                .toList();
    }

    private Optional<Message> query(Name name, int type) throws IOException {
        Message m = answer(name, type);
        return m != null && m.getRcode() == Rcode.NOERROR ? Optional.of(m) : Optional.empty();
    }

    /** NSD's answer with any rcode (SERVFAIL while it has no copy of the zone). */
    private Message answer(Name name, int type) throws IOException {
        SimpleResolver r = new SimpleResolver(new InetSocketAddress(DnsWire.LOOPBACK, nsdPort));
        r.setTimeout(Duration.ofSeconds(2));
        return r.send(Message.newQuery(Record.newRecord(name, type, DClass.IN)));
    }

    private String log() {
        StringBuilder b = new StringBuilder();
        for (String f : new String[] {"nsd.log", "nsd.out"}) {
            try {
                b.append("--- ").append(f).append('\n').append(Files.readString(dir.resolve(f), StandardCharsets.UTF_8));
            } catch (IOException e) {
                b.append("--- ").append(f).append(": ").append(e.getMessage()).append('\n');
            }
        }
        return b.toString();
    }
}
