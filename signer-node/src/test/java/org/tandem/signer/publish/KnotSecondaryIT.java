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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.signer.sign.SignedZone;

/**
 * A second real secondary: Knot DNS (Debian knot) with the transfer server as its primary, TSIG on
 * transfers and NOTIFY: the zone after a NOTIFY, the next version by IXFR.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KnotSecondaryIT {
    private static final String KEY = "tandem-xfr";

    private SecondaryProcess knot;
    private TransferServer server;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Prerequisites.requireTool("knotd", "knot");
        String secret = SecondaryConfigs.secret();
        int knotPort = DnsWire.freePort();
        server = TransferServer.start(TransferConfig.on(new InetSocketAddress(DnsWire.LOOPBACK, 0)).withAllowFrom(List.of(DnsWire.LOOPBACK))
                        .withTsig(TsigKey.fromFile(KEY, "hmac-sha256", SecondaryConfigs.secretFile(dir, secret)))
                        .withNotify(List.of(new InetSocketAddress(DnsWire.LOOPBACK, knotPort)))
                        .withNotifyRetries(5, Duration.ofMillis(500)),
                ServingPermit.always(), Clock.systemUTC());
        knot = SecondaryProcess.knot(dir, knotPort, server.port(), KEY, secret, List.of("notify"));
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (knot != null) {
                knot.close();
            }
        } finally {
            if (server != null) {
                server.stop();
            }
        }
    }

    @Test
    void knotTransfersAfterNotifyThenTakesTheNextVersionByIxfr() throws Exception {
        SignedZone v1 = version(2026120201L, 50, 0);
        server.serve(v1);
        knot.awaitSerial(2026120201L);
        assertThat(knot.addresses("h3")).containsExactly("192.0.2.4");
        TransferCounters afterFirst = server.counters();
        assertThat(afterFirst.axfrTransfers()).as(knot.log()).isGreaterThanOrEqualTo(1);

        SignedZone v2 = with(v1, 2026120202L, 6, a("h3", 300, "198.51.100.33"));
        server.serve(v2);
        knot.awaitSerial(2026120202L);
        assertThat(knot.addresses("h3")).containsExactly("198.51.100.33");
        TransferCounters afterSecond = server.counters();
        assertThat(afterSecond.notifiesAcknowledged()).as(knot.log()).isGreaterThanOrEqualTo(2);
        assertThat(afterSecond.ixfrIncremental()).as("the second copy is incremental\n" + knot.log())
                .isGreaterThan(afterFirst.ixfrIncremental());
        assertThat(afterSecond.tsigRejected()).as("every TSIG verified").isZero();
    }
}
