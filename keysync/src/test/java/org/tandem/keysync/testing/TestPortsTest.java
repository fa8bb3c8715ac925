package org.tandem.keysync.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TestPortsTest {
    @Test
    void portsComeFromBelowTheEphemeralRangeEachOnceAndBindable() throws Exception {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            int port = TestPorts.free();
            assertThat(port).isBetween(20_000, 32_767);
            assertThat(seen.add(port)).as("port " + port + " handed out once").isTrue();
        }
        int port = TestPorts.free();
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            assertThat(s.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void aPortInUseIsSkipped() throws Exception {
        int taken = TestPorts.free();
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), taken));
            for (int i = 0; i < 5; i++) {
                assertThat(TestPorts.free()).isNotEqualTo(taken);
            }
        }
    }
}
