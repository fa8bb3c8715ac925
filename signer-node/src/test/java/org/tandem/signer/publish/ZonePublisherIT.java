package org.tandem.signer.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tandem.signer.publish.PublishTestZones.ZONE;
import static org.tandem.signer.publish.PublishTestZones.version;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.signer.gate.GatePolicy;
import org.tandem.signer.gate.GateRefusedException;
import org.tandem.signer.gate.ValidationGate;
import org.tandem.signer.sign.SignedZone;
import org.xbill.DNS.Record;
import org.xbill.DNS.ZoneTransferIn;

/** The publisher with a live transfer server: only versions that passed the gate reach a secondary. */
class ZonePublisherIT {
    @TempDir
    Path dir;

    @Test
    void onlyAVersionThatPassedTheGateIsServedForTransfer() throws Exception {
        Instant now = Instant.now();
        SoftwareSignedZones signer = new SoftwareSignedZones();
        try (TransferServer xfr = TransferServer.start(
                TransferConfig.on(new InetSocketAddress(DnsWire.LOOPBACK, 0)).withAllowFrom(List.of(DnsWire.LOOPBACK)),
                ServingPermit.always(),
                Clock.systemUTC())) {
            ZoneDirectory directory = new ZoneDirectory(dir, Retention.all());
            ZonePublisher publisher = new ZonePublisher(
                    new ValidationGate(GatePolicy.defaults().withThreads(1)),
                    directory,
                    Optional.of(xfr),
                    ServingPermit.always(),
                    Clock.fixed(now, ZoneOffset.UTC));
            SignedZone good = signer.sign(version(1, 20, 0), now);
            publisher.publish(good, (staged, verdict) -> {});
            // signatures that expire within the gate's one-day margin: refused
            SignedZone expiring =
                    signer.sign(version(2, 20, 0), now.minus(Duration.ofDays(13).plusHours(12)));
            assertThatThrownBy(() -> publisher.publish(expiring, (staged, verdict) -> {}))
                    .isInstanceOf(GateRefusedException.class);
            assertThat(xfr.servedSerial(ZONE)).contains(1L);
            assertThat(publisher.health(ZONE).orElseThrow().healthy()).isFalse();

            ZoneTransferIn t = ZoneTransferIn.newAXFR(ZONE.name(), "127.0.0.1", xfr.port(), null);
            t.run();
            assertThat(new HashSet<Record>(t.getAXFR())).isEqualTo(new HashSet<>(good.records()));
            assertThat(directory.current(ZONE).orElseThrow().serial()).isEqualTo(1);
        }
    }
}
