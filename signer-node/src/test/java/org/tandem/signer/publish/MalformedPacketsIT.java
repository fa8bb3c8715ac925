package org.tandem.signer.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tandem.signer.publish.PublishTestZones.ZONE;
import static org.tandem.signer.publish.PublishTestZones.version;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tandem.signer.sign.SignedZone;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;
import org.xbill.DNS.ZoneTransferIn;

/**
 * The DNS packets of the hostile-input corpus, thrown at a serving transfer endpoint over UDP and
 * TCP: empty, truncated inside the header or a name, a header that promises records it lacks, a
 * compression pointer that points at itself, random bytes, a datagram of 60 KiB, a TCP length that
 * the connection never delivers. Each is answered with FORMERR or dropped (counted as malformed),
 * never with data, and afterwards the same server still answers SOA and serves the whole zone.
 */
class MalformedPacketsIT {
    private static final Duration QUIET = Duration.ofSeconds(1);

    /** The corpus: a name and the bytes of one DNS message (without a TCP length prefix). */
    private static Map<String, byte[]> corpus() {
        Map<String, byte[]> c = new LinkedHashMap<>();
        byte[] query = Message.newQuery(Record.newRecord(ZONE.name(), Type.SOA, DClass.IN))
                .toWire();
        c.put("empty", new byte[0]);
        c.put("one byte", new byte[] {0x12});
        c.put("header cut at 11 bytes", slice(query, 11));
        c.put("question name cut in the middle", slice(query, 12 + 4));
        c.put("question without type and class", slice(query, query.length - 4));
        byte[] promises = query.clone();
        promises[4] = (byte) 0xff; // QDCOUNT = 65535 + 1 question present
        promises[5] = (byte) 0xff;
        c.put("QDCOUNT 65535 with one question", promises);
        byte[] arcount = query.clone();
        arcount[11] = 9; // ARCOUNT = 9, no additional records
        c.put("ARCOUNT 9 with none present", arcount);
        ByteBuffer loop = ByteBuffer.allocate(12 + 2 + 4);
        loop.put(slice(query, 12))
                .put((byte) 0xc0)
                .put((byte) 12)
                .putShort((short) Type.SOA)
                .putShort((short) DClass.IN);
        c.put("compression pointer to itself", loop.array());
        byte[] garbage = new byte[512];
        new Random(53).nextBytes(garbage);
        c.put("512 random bytes", garbage);
        byte[] huge = new byte[60_000];
        System.arraycopy(query, 0, huge, 0, 12);
        huge[5] = 0; // no question: 60 KB of nothing after the header
        c.put("60 KB with a header and no question", huge);
        byte[] response = query.clone();
        response[2] |= (byte) 0x80; // QR = 1: a response, not a query
        c.put("a response instead of a query", response);
        return c;
    }

    private static byte[] slice(byte[] b, int n) {
        byte[] out = new byte[n];
        System.arraycopy(b, 0, out, 0, n);
        return out;
    }

    private static TransferServer server() throws Exception {
        return TransferServer.start(
                TransferConfig.on(new InetSocketAddress(DnsWire.LOOPBACK, 0))
                        .withAllowNetworks(List.of(Cidr.parse("127.0.0.0/8"))),
                ServingPermit.always(),
                Clock.systemUTC());
    }

    @Test
    void everyMalformedDatagramIsDroppedOrFormerrAndTheServerStillAnswers() throws Exception {
        SignedZone zone = version(11, 20, 0);
        try (TransferServer server = server()) {
            server.serve(zone);
            for (Map.Entry<String, byte[]> packet : corpus().entrySet()) {
                byte[] answer = DnsWire.udp(server.port(), packet.getValue(), QUIET);
                if (answer != null) {
                    Message m = new Message(answer);
                    assertThat(m.getRcode()).as(packet.getKey()).isEqualTo(Rcode.FORMERR);
                    assertThat(m.getSection(Section.ANSWER)).as(packet.getKey()).isEmpty();
                }
            }
            assertThat(server.counters().malformed() + server.counters().refused())
                    .isPositive();
            assertStillServes(server, zone);
        }
    }

    @Test
    void everyMalformedTcpRequestGetsNoDataAndTheServerStillServesTheZone() throws Exception {
        SignedZone zone = version(12, 20, 0);
        try (TransferServer server = server()) {
            server.serve(zone);
            for (Map.Entry<String, byte[]> packet : corpus().entrySet()) {
                byte[] body = packet.getValue();
                if (body.length > 65535) {
                    continue;
                }
                try (Socket s = new Socket(DnsWire.LOOPBACK, server.port())) {
                    s.setSoTimeout((int) DnsWire.scaled(Duration.ofSeconds(10)).toMillis());
                    DataOutputStream out = new DataOutputStream(s.getOutputStream());
                    out.writeShort(body.length);
                    out.write(body);
                    out.flush();
                    assertNoData(packet.getKey(), s.getInputStream());
                }
            }
            // a length of 65535 and ten bytes, then the client goes away
            try (Socket s = DnsWire.tcpRaw(
                    server.port(), new byte[] {(byte) 0xff, (byte) 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10})) {
                s.shutdownOutput();
                assertNoData("a TCP length the connection never delivers", s.getInputStream());
            }
            assertStillServes(server, zone);
        }
    }

    /** The connection is closed, or answers with one FORMERR message: never with records. */
    private static void assertNoData(String what, InputStream in) throws IOException {
        byte[] prefix;
        try {
            prefix = in.readNBytes(2);
        } catch (SocketTimeoutException e) {
            throw new AssertionError(what + ": the server neither answered nor closed the connection", e);
        }
        if (prefix.length < 2) {
            return;
        }
        int length = ((prefix[0] & 0xff) << 8) | (prefix[1] & 0xff);
        Message m = new Message(in.readNBytes(length));
        assertThat(m.getRcode()).as(what).isEqualTo(Rcode.FORMERR);
        assertThat(m.getSection(Section.ANSWER)).as(what).isEmpty();
    }

    private static void assertStillServes(TransferServer server, SignedZone zone) throws Exception {
        byte[] answer = DnsWire.udp(
                server.port(),
                Message.newQuery(Record.newRecord(ZONE.name(), Type.SOA, DClass.IN))
                        .toWire(),
                Duration.ofSeconds(5));
        assertThat(answer).as("an SOA answer after the corpus").isNotNull();
        Record soa = new Message(answer).getSection(Section.ANSWER).get(0);
        assertThat(((SOARecord) soa).getSerial()).isEqualTo(zone.serial());
        ZoneTransferIn xfr = ZoneTransferIn.newAXFR(ZONE.name(), "127.0.0.1", server.port(), null);
        xfr.setTimeout(DnsWire.scaled(Duration.ofSeconds(10)));
        xfr.run();
        assertThat(new HashSet<>(xfr.getAXFR())).isEqualTo(new HashSet<>(zone.records()));
    }
}
