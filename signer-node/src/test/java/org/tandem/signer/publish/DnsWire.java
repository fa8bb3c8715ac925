package org.tandem.signer.publish;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.tandem.keysync.testing.TestPorts;

/** Raw DNS over UDP and TCP for the tests (exact bytes in, exact bytes out), free ports, polling. */
final class DnsWire {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final double TIMING_MULTIPLE = Double.parseDouble(System.getProperty("tandem.timing.multiple", "1"));

    private DnsWire() {}

    /** One datagram to {@code port}, the answer, or null when none arrives within {@code timeout}. */
    static byte[] udp(int port, byte[] query, Duration timeout) throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            s.setSoTimeout((int) scaled(timeout).toMillis());
            s.send(new DatagramPacket(query, query.length, LOOPBACK, port));
            byte[] buf = new byte[65535];
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                s.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            return Arrays.copyOf(p.getData(), p.getLength());
        }
    }

    /** Sends raw bytes on a new TCP connection and returns it (the caller closes). */
    static Socket tcpRaw(int port, byte[] bytes) throws IOException {
        Socket s = new Socket(LOOPBACK, port);
        s.setSoTimeout((int) scaled(Duration.ofSeconds(10)).toMillis());
        s.getOutputStream().write(bytes);
        s.getOutputStream().flush();
        return s;
    }

    /** One length-prefixed query over TCP, one length-prefixed answer. */
    static byte[] tcp(int port, byte[] query) throws IOException {
        try (Socket s = new Socket(LOOPBACK, port)) {
            s.setSoTimeout((int) scaled(Duration.ofSeconds(10)).toMillis());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeShort(query.length);
            out.write(query);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] answer = new byte[in.readUnsignedShort()];
            in.readFully(answer);
            return answer;
        }
    }

    /** A port free for both TCP and UDP on the loopback address right now. */
    static int freePort() throws IOException {
        return TestPorts.free();
    }

    static Duration scaled(Duration d) {
        return Duration.ofMillis(Math.round(d.toMillis() * TIMING_MULTIPLE));
    }

    /** Returns once {@code condition} holds; fails naming {@code what} after {@code timeout} (scaled). */
    static void pollUntil(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        pollUntil(timeout, () -> what, condition);
    }

    /** As above; {@code what} is built only on failure (e.g. with a process log). */
    static void pollUntil(Duration timeout, Supplier<String> what, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + scaled(timeout).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + scaled(timeout) + ": " + what.get());
            }
            Thread.sleep(50);
        }
    }
}
