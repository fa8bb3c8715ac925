package org.tandem.keysync.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ports for the processes a test starts later (signer nodes, secondaries, the coordinator). A port the
 * operating system hands out for "any free port" comes from the ephemeral range (Linux: 32768-60999),
 * from which every outgoing connection also takes its local port; and the integration tests run in two
 * JVMs at once. A port found free there can be taken again before the node that was given it binds it
 * (a node restarted in the middle of a test is the usual case). These ports come from below that range,
 * from a band of its own for each test JVM ({@code tandem.fork}, {@code fork-N} with failsafe's fork
 * number), handed out in turn and checked free (TCP and UDP on the loopback address) when handed out.
 */
public final class TestPorts {
    private static final int FIRST = 20_000;
    private static final int BAND = 1_500;
    private static final int BANDS = 8;
    private static final int BASE = FIRST + Math.floorMod(fork(), BANDS) * BAND;
    private static final AtomicInteger NEXT = new AtomicInteger();

    private TestPorts() {}

    /** Failsafe's fork number from {@code tandem.fork} ({@code fork-N}); 0 outside a numbered fork. */
    private static int fork() {
        String digits = System.getProperty("tandem.fork", "").replaceAll("[^0-9]", "");
        return digits.isEmpty() ? 0 : Integer.parseInt(digits);
    }

    /** A port of this JVM's band that is free on the loopback address now, for TCP and UDP. */
    public static int free() throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        for (int i = 0; i < BAND; i++) {
            int port = BASE + Math.floorMod(NEXT.getAndIncrement(), BAND);
            try (ServerSocket tcp = new ServerSocket()) {
                tcp.setReuseAddress(false);
                tcp.bind(new InetSocketAddress(loopback, port));
                try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, port))) {
                    return port;
                }
            } catch (IOException taken) {
                // in use: the next one
            }
        }
        throw new IOException("no free port in " + BASE + "-" + (BASE + BAND - 1));
    }
}
