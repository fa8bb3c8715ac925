package org.tandem.signer.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tandem.signer.publish.PublishTestZones.a;
import static org.tandem.signer.publish.PublishTestZones.version;
import static org.tandem.signer.publish.PublishTestZones.with;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.signer.sign.SignedZone;

/**
 * A real secondary: NSD (Debian nsd) on the loopback with the transfer server as its primary, TSIG
 * on transfers and NOTIFY. It gets the zone after a NOTIFY (AXFR), then the next version by IXFR
 * after the next NOTIFY, and answers with the new serial.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NsdSecondaryIT {
    private static final String KEY = "tandem-xfr";

    private SecondaryProcess nsd;
    private TransferServer server;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Prerequisites.requireTool("nsd", "nsd");
        String secret = SecondaryConfigs.secret();
        int nsdPort = DnsWire.freePort();
        server = TransferServer.start(TransferConfig.on(new InetSocketAddress(DnsWire.LOOPBACK, 0)).withAllowFrom(List.of(DnsWire.LOOPBACK))
                        .withTsig(TsigKey.fromFile(KEY, "hmac-sha256", SecondaryConfigs.secretFile(dir, secret)))
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
        nsd = new SecondaryProcess(List.of("nsd", "-d", "-c", conf.toString()), dir, nsdPort,
                List.of("nsd.log", "process.out"));
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (nsd != null) {
                nsd.close();
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
        nsd.awaitSerial(2026120101L);
        assertThat(nsd.addresses("h3")).containsExactly("192.0.2.4");
        TransferCounters afterFirst = server.counters();
        assertThat(afterFirst.notifiesAcknowledged()).as(nsd.log()).isGreaterThanOrEqualTo(1);
        assertThat(afterFirst.axfrTransfers()).as("the first copy is a full transfer\n" + nsd.log()).isGreaterThanOrEqualTo(1);

        SignedZone v2 = with(v1, 2026120102L, 6, a("h3", 300, "198.51.100.33"));
        server.serve(v2);
        nsd.awaitSerial(2026120102L);
        assertThat(nsd.addresses("h3")).containsExactly("198.51.100.33");
        TransferCounters afterSecond = server.counters();
        assertThat(afterSecond.ixfrIncremental()).as("the second copy is incremental\n" + nsd.log())
                .isGreaterThan(afterFirst.ixfrIncremental());
        assertThat(afterSecond.axfrTransfers()).isEqualTo(afterFirst.axfrTransfers());
        assertThat(afterSecond.tsigRejected()).as("every TSIG verified").isZero();
        assertThat(nsd.log()).contains("2026120102");
    }
}
