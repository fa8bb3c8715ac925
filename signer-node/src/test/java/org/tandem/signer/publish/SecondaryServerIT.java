package org.tandem.signer.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tandem.signer.publish.PublishTestZones.a;
import static org.tandem.signer.publish.PublishTestZones.version;
import static org.tandem.signer.publish.PublishTestZones.with;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.signer.sign.SignedZone;

/**
 * Real secondaries, NSD (Debian nsd) and Knot DNS (Debian knot), on the loopback with the transfer server
 * as their primary, TSIG on transfers and NOTIFY. Each gets the zone after a NOTIFY (AXFR), then the next
 * version by IXFR after the next NOTIFY, and answers with the new serial.
 */
class SecondaryServerIT {
    private static final String KEY = "tandem-xfr";

    /** A secondary implementation: how to check it is installed, and how to start it in the foreground. */
    enum Secondary {
        NSD("nsd", "nsd") {
            @Override
            SecondaryProcess start(Path dir, int port, int primaryPort, String secret) throws Exception {
                return SecondaryProcess.nsd(
                        dir,
                        port,
                        List.of(
                                "key:",
                                "  name: \"" + KEY + "\"",
                                "  algorithm: hmac-sha256",
                                "  secret: \"" + secret + "\"",
                                "zone:",
                                "  name: \"example.test\"",
                                "  zonefile: \"example.test.zone\"",
                                "  request-xfr: 127.0.0.1@" + primaryPort + " " + KEY,
                                "  allow-notify: 127.0.0.1 " + KEY));
            }
        },
        KNOT("knotd", "knot") {
            @Override
            SecondaryProcess start(Path dir, int port, int primaryPort, String secret) throws Exception {
                return SecondaryProcess.knot(dir, port, primaryPort, KEY, secret, List.of("notify"));
            }
        };

        final String tool;
        final String debianPackage;

        Secondary(String tool, String debianPackage) {
            this.tool = tool;
            this.debianPackage = debianPackage;
        }

        /** Configures the secondary in {@code dir} and starts it; returns once it answers queries. */
        abstract SecondaryProcess start(Path dir, int port, int primaryPort, String secret) throws Exception;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Secondary.class)
    void transfersAfterNotifyThenTakesTheNextVersionByIxfr(Secondary kind, @TempDir Path dir) throws Exception {
        Prerequisites.requireTool(kind.tool, kind.debianPackage);
        String secret = SecondaryConfigs.secret();
        int port = DnsWire.freePort();
        TransferServer server = TransferServer.start(
                TransferConfig.on(new InetSocketAddress(DnsWire.LOOPBACK, 0))
                        .withAllowFrom(List.of(DnsWire.LOOPBACK))
                        .withTsig(TsigKey.fromFile(KEY, "hmac-sha256", SecondaryConfigs.secretFile(dir, secret)))
                        .withNotify(List.of(new InetSocketAddress(DnsWire.LOOPBACK, port)))
                        .withNotifyRetries(5, Duration.ofMillis(500)),
                ServingPermit.always(),
                Clock.systemUTC());
        try (SecondaryProcess secondary = kind.start(dir, port, server.port(), secret)) {
            SignedZone v1 = version(2026120101L, 50, 0);
            server.serve(v1);
            secondary.awaitSerial(2026120101L);
            assertThat(secondary.addresses("h3")).containsExactly("192.0.2.4");
            TransferCounters afterFirst = server.counters();
            assertThat(afterFirst.notifiesAcknowledged()).as(secondary.log()).isGreaterThanOrEqualTo(1);
            assertThat(afterFirst.axfrTransfers())
                    .as("the first copy is a full transfer\n" + secondary.log())
                    .isGreaterThanOrEqualTo(1);

            SignedZone v2 = with(v1, 2026120102L, 6, a("h3", 300, "198.51.100.33"));
            server.serve(v2);
            secondary.awaitSerial(2026120102L);
            assertThat(secondary.addresses("h3")).containsExactly("198.51.100.33");
            TransferCounters afterSecond = server.counters();
            assertThat(afterSecond.notifiesAcknowledged()).as(secondary.log()).isGreaterThanOrEqualTo(2);
            assertThat(afterSecond.ixfrIncremental())
                    .as("the second copy is incremental\n" + secondary.log())
                    .isGreaterThan(afterFirst.ixfrIncremental());
            assertThat(afterSecond.axfrTransfers()).as(secondary.log()).isEqualTo(afterFirst.axfrTransfers());
            assertThat(afterSecond.tsigRejected()).as("every TSIG verified").isZero();
        } finally {
            server.stop();
        }
    }
}
