package org.tandem.chaos.inet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.chaos.history.CapturedVersion;
import org.tandem.chaos.history.JsonLines;
import org.tandem.chaos.history.ProberEvent;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/** The observer against servers that do not answer (loopback sockets that read nothing). */
class ObserverFailuresIT {
    @TempDir
    Path dir;

    @Test
    void timesOutOnAResolverThatDoesNotAnswer() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            Prober p = new Prober(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort()),
                    Duration.ofMillis(300),
                    Clock.systemUTC());
            ProberEvent e = p.probe(new Query(Name.fromConstantString("www.example.test."), Type.A));
            assertThat(e.kind()).isEqualTo(ProberEvent.Kind.TIMEOUT);
            assertThat(e.rcode()).isEmpty();
        }
    }

    @Test
    void aFailedCaptureNamesTheZoneAndTheServer() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                JsonLines captures = JsonLines.append(dir.resolve(ObserverMain.CAPTURES))) {
            Capturer c = new Capturer(
                    Name.fromConstantString("example.test."),
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), silent.getLocalPort()),
                    Duration.ofMillis(300),
                    dir,
                    captures,
                    Clock.systemUTC());
            assertThatThrownBy(c::poll)
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("zone example.test.")
                    .hasMessageContaining("127.0.0.1@" + silent.getLocalPort())
                    .hasMessageContaining("no answer");
        }
        assertThat(JsonLines.read(dir.resolve(ObserverMain.CAPTURES), CapturedVersion.class))
                .isEmpty();
    }
}
