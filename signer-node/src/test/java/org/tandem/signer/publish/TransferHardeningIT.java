package org.tandem.signer.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tandem.signer.publish.PublishTestZones.ZONE;
import static org.tandem.signer.publish.PublishTestZones.version;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.signer.sign.SignedZone;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Options;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TSIGRecord;
import org.xbill.DNS.Type;
import org.xbill.DNS.ZoneTransferIn;

/**
 * The transfer endpoint under attack from the network, with real sockets and dnsjava clients: who
 * is not on the allow-list gets nothing (an empty list: nobody), slow clients cannot starve the
 * secondaries, TSIG is not replayable for an hour nor truncatable, and a NOTIFY answer counts only
 * from the target and, with TSIG, only signed.
 */
class TransferHardeningIT {
    private static final String KEY = "tandem-xfr";
    /** A second loopback address (Linux routes all of 127/8 to lo) for a client other than 127.0.0.1. */
    private static final String OTHER_CLIENT = "127.0.0.2";

    private static TransferConfig onLoopback() {
        return TransferConfig.on(new InetSocketAddress(DnsWire.LOOPBACK, 0));
    }

    private static Message soaQuery() {
        return Message.newQuery(Record.newRecord(ZONE.name(), Type.SOA, DClass.IN));
    }

    @Test
    void anEmptyAllowListRefusesEveryoneOverTcpAndUdp() throws Exception {
        try (TransferServer server = TransferServer.start(onLoopback(), ServingPermit.always(), Clock.systemUTC())) {
            server.serve(version(1, 3, 0));
            assertThatThrownBy(() -> ZoneTransferIn.newAXFR(ZONE.name(), "127.0.0.1", server.port(), null)
                            .run())
                    .isInstanceOf(IOException.class);
            byte[] answer = DnsWire.udp(server.port(), soaQuery().toWire(), Duration.ofSeconds(5));
            assertThat(new Message(answer).getRcode()).isEqualTo(Rcode.REFUSED);
            assertThat(server.counters().axfrTransfers()).isZero();
            assertThat(server.counters().soaAnswers()).isZero();
            assertThat(server.counters().connectionsRejected()).isPositive();
        }
    }

    @Test
    void aClientOutsideTheAllowListIsClosedAtAcceptBeforeItSendsAnything() throws Exception {
        try (TransferServer server = TransferServer.start(
                onLoopback()
                        .withAllowFrom(List.of(InetAddress.getByName("192.0.2.1")))
                        .withLimits(16, Duration.ofSeconds(30), Duration.ofMinutes(10)),
                ServingPermit.always(),
                Clock.systemUTC())) {
            server.serve(version(1, 3, 0));
            try (Socket s = new Socket(DnsWire.LOOPBACK, server.port())) {
                s.setSoTimeout((int) DnsWire.scaled(Duration.ofSeconds(5)).toMillis());
                long start = System.nanoTime();
                // the server closes it without waiting for a request (its read timeout is 30 s)
                assertThat(readUntilClosed(s.getInputStream())).isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - start))
                        .isLessThan(DnsWire.scaled(Duration.ofSeconds(5)));
            }
            assertThat(server.counters().connectionsRejected()).isEqualTo(1);
        }
    }

    @Test
    void legitimateTransfersGetThroughWhileTwentySlowClientsTrickle() throws Exception {
        SignedZone zone = version(7, 50, 0);
        try (TransferServer server = TransferServer.start(
                onLoopback()
                        .withAllowNetworks(List.of(Cidr.parse("127.0.0.0/8")))
                        .withClientLimits(TransferConfig.DEFAULT_MAX_CONNECTIONS_PER_SOURCE, Duration.ofSeconds(3)),
                ServingPermit.always(),
                Clock.systemUTC())) {
            server.serve(zone);
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    Socket s = new Socket();
                    s.bind(new InetSocketAddress(OTHER_CLIENT, 0));
                    s.connect(new InetSocketAddress(DnsWire.LOOPBACK, server.port()), 2000);
                    // the first byte of a length of 256 or more: a request that never finishes arriving
                    s.getOutputStream().write(1);
                    slow.add(s);
                }
                // every slow client trickles one more byte, well inside the 10 s read timeout
                for (Socket s : slow) {
                    trickle(s);
                }
                long start = System.nanoTime();
                ZoneTransferIn xfr = ZoneTransferIn.newAXFR(ZONE.name(), "127.0.0.1", server.port(), null);
                xfr.setTimeout(DnsWire.scaled(Duration.ofSeconds(10)));
                xfr.run();
                assertThat(new HashSet<>(xfr.getAXFR())).isEqualTo(new HashSet<>(zone.records()));
                assertThat(Duration.ofNanos(System.nanoTime() - start))
                        .as("served at once, not after the slow clients' deadline")
                        .isLessThan(Duration.ofSeconds(3));
                // the trickling clients are cut off by the request deadline, however busy they keep
                DnsWire.pollUntil(Duration.ofSeconds(10), "every slow client cut off", () -> {
                    slow.forEach(TransferHardeningIT::trickle);
                    return slow.stream().allMatch(Socket::isClosed);
                });
            } finally {
                for (Socket s : slow) {
                    s.close();
                }
            }
            assertThat(server.counters().connectionsRejected()).isGreaterThanOrEqualTo(20);
        }
    }

    /** Sends one more byte; closes the socket (from this side) once the server has cut it off. */
    private static void trickle(Socket s) {
        if (s.isClosed()) {
            return;
        }
        try {
            s.setSoTimeout(1);
            try {
                if (s.getInputStream().read() < 0) {
                    s.close();
                    return;
                }
            } catch (SocketTimeoutException stillOpen) {
                // nothing to read: the server holds it open
            }
            OutputStream out = s.getOutputStream();
            out.write(0);
            out.flush();
        } catch (IOException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closed either way
            }
        }
    }

    @Test
    void aTsigFudgeOfAnHourDoesNotStretchTheServersWindow(@TempDir Path dir) throws Exception {
        String secret = secret();
        try (TransferServer server = tsigServer(dir, secret)) {
            String before = Options.value("tsigfudge");
            Options.set("tsigfudge", "3600");
            try {
                // within the server's 300 s: accepted, whatever fudge the client claims
                Message fresh = soaQuery();
                client(secret, Clock.systemUTC()).apply(fresh, null);
                assertThat(fresh.getTSIG().getFudge()).isEqualTo(Duration.ofHours(1));
                Message ok = new Message(DnsWire.udp(server.port(), fresh.toWire(), Duration.ofSeconds(5)));
                assertThat(ok.getRcode()).isEqualTo(Rcode.NOERROR);
                // signed 20 minutes ago (a captured request replayed): inside its own fudge, outside the server's
                Message replayed = soaQuery();
                client(secret, Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-20)))
                        .apply(replayed, null);
                Message a = new Message(DnsWire.udp(server.port(), replayed.toWire(), Duration.ofSeconds(5)));
                assertThat(a.getHeader().getRcode()).isEqualTo(Rcode.NOTAUTH);
                assertThat(a.getTSIG().getError()).isEqualTo(Rcode.BADTIME);
                assertThat(a.getSection(Section.ANSWER)).isEmpty();
            } finally {
                if (before == null) {
                    Options.unset("tsigfudge");
                } else {
                    Options.set("tsigfudge", before);
                }
            }
        }
    }

    @Test
    void aTruncatedMacIsRefused(@TempDir Path dir) throws Exception {
        String secret = secret();
        try (TransferServer server = tsigServer(dir, secret)) {
            Message q = soaQuery();
            client(secret, Clock.systemUTC()).apply(q, null);
            TSIGRecord full = q.getTSIG();
            assertThat(full.getSignature()).hasSize(32);
            q.removeRecord(full, Section.ADDITIONAL);
            // the first half of a valid MAC is a valid truncated MAC (RFC 8945 §5.2.2.1), which dnsjava accepts
            q.addRecord(
                    new TSIGRecord(
                            full.getName(),
                            DClass.ANY,
                            0,
                            full.getAlgorithm(),
                            full.getTimeSigned(),
                            full.getFudge(),
                            Arrays.copyOf(full.getSignature(), 16),
                            q.getHeader().getID(),
                            Rcode.NOERROR,
                            null),
                    Section.ADDITIONAL);
            Message a = new Message(DnsWire.tcp(server.port(), q.toWire()));
            assertThat(a.getHeader().getRcode()).isEqualTo(Rcode.NOTAUTH);
            assertThat(a.getTSIG().getError()).isEqualTo(Rcode.BADTRUNC);
            assertThat(a.getSection(Section.ANSWER)).isEmpty();
            assertThat(server.counters().soaAnswers()).isZero();
        }
    }

    @Test
    void aNotifyAnswerSpoofedFromAnotherAddressIsIgnored() throws Exception {
        try (DatagramSocket secondary = new DatagramSocket(new InetSocketAddress(DnsWire.LOOPBACK, 0));
                DatagramSocket spoofer = new DatagramSocket(new InetSocketAddress(DnsWire.LOOPBACK, 0));
                TransferServer server = TransferServer.start(
                        onLoopback()
                                .withAllowFrom(List.of(DnsWire.LOOPBACK))
                                .withNotify(List.of(new InetSocketAddress(DnsWire.LOOPBACK, secondary.getLocalPort())))
                                .withNotifyRetries(3, Duration.ofMillis(500)),
                        ServingPermit.always(),
                        Clock.systemUTC())) {
            secondary.setSoTimeout((int) DnsWire.scaled(Duration.ofSeconds(10)).toMillis());
            server.serve(version(11, 3, 0));
            DatagramPacket first = receive(secondary);
            // someone else answers in the target's place: same id, same source port, another address
            send(spoofer, ack(new Message(first.getData())), first.getSocketAddress());
            DatagramPacket second = receive(secondary); // the server retries: the spoofed answer did not count
            assertThat(server.counters().notifiesAcknowledged()).isZero();
            send(secondary, ack(new Message(second.getData())), second.getSocketAddress());
            DnsWire.pollUntil(
                    Duration.ofSeconds(5),
                    "the target's own answer acknowledged",
                    () -> server.counters().notifiesAcknowledged() == 1);
        }
    }

    @Test
    void withTsigAnUnsignedNotifyAnswerFromTheTargetIsIgnored(@TempDir Path dir) throws Exception {
        String secret = secret();
        TsigKey key = TsigKey.fromFile(KEY, "hmac-sha256", secretFile(dir, secret));
        try (DatagramSocket secondary = new DatagramSocket(new InetSocketAddress(DnsWire.LOOPBACK, 0));
                TransferServer server = TransferServer.start(
                        onLoopback()
                                .withAllowFrom(List.of(DnsWire.LOOPBACK))
                                .withTsig(key)
                                .withNotify(List.of(new InetSocketAddress(DnsWire.LOOPBACK, secondary.getLocalPort())))
                                .withNotifyRetries(3, Duration.ofMillis(500)),
                        ServingPermit.always(),
                        Clock.systemUTC())) {
            secondary.setSoTimeout((int) DnsWire.scaled(Duration.ofSeconds(10)).toMillis());
            server.serve(version(12, 3, 0));
            DatagramPacket first = receive(secondary);
            send(secondary, ack(new Message(first.getData())), first.getSocketAddress());
            DatagramPacket second = receive(secondary);
            assertThat(server.counters().notifiesAcknowledged()).isZero();
            byte[] wire = Arrays.copyOf(second.getData(), second.getLength());
            Message notify = new Message(wire);
            TSIG tsig = client(secret, Clock.systemUTC());
            assertThat(tsig.verify(notify, wire, null)).isEqualTo(Rcode.NOERROR);
            Message signed = ack(notify);
            tsig.apply(signed, notify.getTSIG());
            send(secondary, signed, second.getSocketAddress());
            DnsWire.pollUntil(
                    Duration.ofSeconds(5),
                    "the signed answer acknowledged",
                    () -> server.counters().notifiesAcknowledged() == 1);
        }
    }

    private static boolean readUntilClosed(InputStream in) throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketException reset) {
            return true;
        }
    }

    private static DatagramPacket receive(DatagramSocket s) throws IOException {
        DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
        s.receive(p);
        return new DatagramPacket(Arrays.copyOf(p.getData(), p.getLength()), p.getLength(), p.getSocketAddress());
    }

    private static void send(DatagramSocket from, Message m, SocketAddress to) throws IOException {
        byte[] w = m.toWire();
        from.send(new DatagramPacket(w, w.length, to));
    }

    private static Message ack(Message notify) {
        Message ack = new Message(notify.getHeader().getID());
        ack.getHeader().setFlag(Flags.QR);
        ack.getHeader().setOpcode(Opcode.NOTIFY);
        ack.addRecord(notify.getQuestion(), Section.QUESTION);
        return ack;
    }

    private static String secret() {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        return Base64.getEncoder().encodeToString(raw);
    }

    private static Path secretFile(Path dir, String secret) throws IOException {
        Path file = dir.resolve("tandem-xfr.secret");
        Files.writeString(file, secret + "\n");
        return file;
    }

    private static TransferServer tsigServer(Path dir, String secret) throws Exception {
        TransferServer server = TransferServer.start(
                onLoopback()
                        .withAllowFrom(List.of(DnsWire.LOOPBACK))
                        .withTsig(TsigKey.fromFile(KEY, "hmac-sha256", secretFile(dir, secret))),
                ServingPermit.always(),
                Clock.systemUTC());
        server.serve(version(5, 3, 0));
        return server;
    }

    private static TSIG client(String secret, Clock clock) {
        return new TSIG(
                TSIG.HMAC_SHA256,
                Name.fromConstantString(KEY + "."),
                new SecretKeySpec(Base64.getDecoder().decode(secret), "HmacSHA256"),
                clock);
    }
}
