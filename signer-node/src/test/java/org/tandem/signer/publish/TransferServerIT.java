package org.tandem.signer.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tandem.signer.publish.PublishTestZones.ZONE;
import static org.tandem.signer.publish.PublishTestZones.a;
import static org.tandem.signer.publish.PublishTestZones.version;
import static org.tandem.signer.publish.PublishTestZones.with;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.SigningException;
import org.tandem.signer.sign.SignedZone;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;
import org.xbill.DNS.ZoneTransferException;
import org.xbill.DNS.ZoneTransferIn;

/** The transfer server on the loopback: dnsjava's ZoneTransferIn and Knot's kdig as clients. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TransferServerIT {
    private final AtomicBoolean permit = new AtomicBoolean(true);
    private TransferServer server;
    private SignedZone v1;
    private SignedZone v2;
    private SignedZone v3;

    @BeforeAll
    void start() throws Exception {
        server = TransferServer.start(
                TransferConfig.on(new InetSocketAddress(DnsWire.LOOPBACK, 0))
                        .withAllowFrom(List.of(DnsWire.LOOPBACK))
                        .withLimits(3, Duration.ofSeconds(2), Duration.ofMinutes(1)),
                permit::get,
                Clock.systemUTC());
        List<Record> big = new ArrayList<>(version(1, 400, 0).records());
        for (int i = 0; i < 1500; i++) {
            big.add(PublishTestZones.txt("t" + i, "x".repeat(200) + i));
        }
        v1 = PublishTestZones.zone(1, big);
        v2 = with(v1, 2, 10, a("h7", 300, "198.51.100.2"));
        v3 = with(v2, 3, 20, a("h17", 300, "198.51.100.3"));
        server.serve(v1);
        server.serve(v2);
        server.serve(v3);
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void bindsAFreePortForTcpAndUdp() {
        assertThat(server.port()).isPositive();
        assertThat(server.address().getAddress()).isEqualTo(DnsWire.LOOPBACK);
    }

    @Test
    void axfrOfAMultiMessageZoneWithDnsjava() throws Exception {
        ZoneTransferIn xfr = ZoneTransferIn.newAXFR(ZONE.name(), "127.0.0.1", server.port(), null);
        xfr.setTimeout(Duration.ofSeconds(20));
        xfr.run();
        assertThat(xfr.isAXFR()).isTrue();
        List<Record> got = xfr.getAXFR();
        assertThat(new HashSet<>(got)).isEqualTo(new HashSet<>(v3.records()));
        assertThat(got.get(0))
                .isInstanceOfSatisfying(
                        SOARecord.class, s -> assertThat(s.getSerial()).isEqualTo(3));
    }

    @Test
    void tellsTheListenerOfEachTransferPerZoneAndNeverNamesAZoneNotServed() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        server.listener((zone, event) -> events.add(zone.map(ZoneName::toString).orElse("-") + " " + event));
        try {
            ZoneTransferIn axfr = ZoneTransferIn.newAXFR(ZONE.name(), "127.0.0.1", server.port(), null);
            axfr.run();
            ZoneTransferIn ixfr = ZoneTransferIn.newIXFR(ZONE.name(), 2, false, "127.0.0.1", server.port(), null);
            ixfr.run();
            ZoneTransferIn other =
                    ZoneTransferIn.newAXFR(Name.fromString("not-served.example."), "127.0.0.1", server.port(), null);
            assertThatThrownBy(other::run).isInstanceOf(ZoneTransferException.class);

            assertThat(events).containsExactly(ZONE + " axfr_served", ZONE + " ixfr_incremental", "- axfr_refused");
        } finally {
            server.listener(TransferListener.NONE);
        }
    }

    @Test
    void ixfrFromEachJournalledSerialWithDnsjava() throws Exception {
        ZoneTransferIn xfr = ZoneTransferIn.newIXFR(ZONE.name(), 1, false, "127.0.0.1", server.port(), null);
        xfr.run();
        assertThat(xfr.isIXFR()).isTrue();
        List<ZoneTransferIn.Delta> deltas = xfr.getIXFR();
        assertThat(deltas)
                .extracting(d -> d.start, d -> d.end)
                .containsExactly(Tuple.tuple(1L, 2L), Tuple.tuple(2L, 3L));
        // each delta: its SOA first, then the records (dnsjava keeps the SOAs in the lists)
        assertThat(deltas.get(0).deletes).contains(v1.records().get(10));
        assertThat(deltas.get(0).adds).contains(a("h7", 300, "198.51.100.2"));
        assertThat(deltas.get(1).deletes).contains(v2.records().get(20));
        assertThat(deltas.get(1).adds).contains(a("h17", 300, "198.51.100.3"));
        assertThat(deltas.get(0).deletes.size() + deltas.get(0).adds.size()).isEqualTo(4);
    }

    @Test
    void ixfrFromAnUnknownSerialFallsBackToTheFullZone() throws Exception {
        long before = server.counters().ixfrFallbacks();
        ZoneTransferIn xfr = ZoneTransferIn.newIXFR(ZONE.name(), 4000000000L, false, "127.0.0.1", server.port(), null);
        xfr.setTimeout(Duration.ofSeconds(20));
        xfr.run();
        assertThat(xfr.isAXFR()).isTrue();
        assertThat(new HashSet<>(xfr.getAXFR())).isEqualTo(new HashSet<>(v3.records()));
        assertThat(server.counters().ixfrFallbacks()).isEqualTo(before + 1);
    }

    @Test
    void ixfrFromTheCurrentSerialGetsTheSingleSoa() throws Exception {
        ZoneTransferIn xfr = ZoneTransferIn.newIXFR(ZONE.name(), 3, false, "127.0.0.1", server.port(), null);
        xfr.run();
        assertThat(xfr.isCurrent()).isTrue();
    }

    @Test
    void soaQueriesAreAnsweredAuthoritativelyOverUdpAndTcp() throws Exception {
        for (boolean tcp : new boolean[] {false, true}) {
            SimpleResolver r = new SimpleResolver(new InetSocketAddress(DnsWire.LOOPBACK, server.port()));
            r.setTCP(tcp);
            r.setTimeout(DnsWire.scaled(Duration.ofSeconds(5)));
            Message answer = r.send(Message.newQuery(Record.newRecord(ZONE.name(), Type.SOA, DClass.IN)));
            assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
            assertThat(answer.getHeader().getFlag(Flags.AA)).isTrue();
            assertThat(answer.getSection(Section.ANSWER))
                    .singleElement()
                    .isInstanceOfSatisfying(
                            SOARecord.class, s -> assertThat(s.getSerial()).isEqualTo(3));
        }
    }

    @Test
    void otherZonesAreNotAuthAndOtherTypesRefused() throws Exception {
        Message other = new Message(DnsWire.udp(
                server.port(),
                Message.newQuery(Record.newRecord(Name.fromConstantString("other.test."), Type.SOA, DClass.IN))
                        .toWire(),
                Duration.ofSeconds(5)));
        assertThat(other.getRcode()).isEqualTo(Rcode.NOTAUTH);
        Message a = new Message(DnsWire.udp(
                server.port(),
                Message.newQuery(Record.newRecord(PublishTestZones.name("h1"), Type.A, DClass.IN))
                        .toWire(),
                Duration.ofSeconds(5)));
        assertThat(a.getRcode()).isEqualTo(Rcode.REFUSED);
    }

    @Test
    void axfrAndIxfrWithKdig() throws Exception {
        Kdig.require();
        Kdig.Result axfr = Kdig.run(server.port(), "AXFR", "example.test.");
        assertThat(axfr.exitCode()).as(axfr.output()).isZero();
        List<String> records = axfr.records();
        assertThat(records).hasSize(v3.records().size() + 1);
        assertThat(records.get(0)).startsWith("example.test. 3600 IN SOA").contains(" 3 3600 600 86400 300");
        assertThat(records.get(records.size() - 1)).isEqualTo(records.get(0));
        assertThat(records).contains("h17.example.test. 300 IN A 198.51.100.3");

        Kdig.Result ixfr = Kdig.run(server.port(), "IXFR=1", "example.test.");
        assertThat(ixfr.exitCode()).as(ixfr.output()).isZero();
        List<String> diff = ixfr.records();
        // current SOA, (SOA 1, -h7 old, SOA 2, +h7 new), (SOA 2, -h17 old, SOA 3, +h17 new), current SOA
        assertThat(diff).hasSize(10);
        assertThat(diff.get(1)).contains(" 1 3600 600 86400 300");
        assertThat(diff).contains("h7.example.test. 300 IN A 198.51.100.2", "h17.example.test. 300 IN A 198.51.100.3");
    }

    @Test
    void refusesEverythingWhileThePermitSaysNo() throws Exception {
        // INV-L3, F2/F3: a node without a valid lease serves nothing downstream
        long refusedBefore = server.counters().refused();
        permit.set(false);
        try {
            Message soa = new Message(DnsWire.udp(
                    server.port(),
                    Message.newQuery(Record.newRecord(ZONE.name(), Type.SOA, DClass.IN))
                            .toWire(),
                    Duration.ofSeconds(5)));
            assertThat(soa.getRcode()).isEqualTo(Rcode.REFUSED);
            assertThat(soa.getSection(Section.ANSWER)).isEmpty();
            ZoneTransferIn xfr = ZoneTransferIn.newAXFR(ZONE.name(), "127.0.0.1", server.port(), null);
            assertThatThrownBy(xfr::run)
                    .isInstanceOf(ZoneTransferException.class)
                    .hasMessageContaining("REFUSED");
            assertThat(server.counters().refused()).isGreaterThanOrEqualTo(refusedBefore + 2);
        } finally {
            permit.set(true);
        }
        ZoneTransferIn again = ZoneTransferIn.newIXFR(ZONE.name(), 2, false, "127.0.0.1", server.port(), null);
        again.run();
        assertThat(again.isIXFR()).isTrue();
    }

    @Test
    void aTransferIsCutOffWhenTheLeaseGoesAwayMidway() throws Exception {
        AtomicInteger checks = new AtomicInteger();
        // yes for the request and the second message, no from the third message on
        try (TransferServer losing = TransferServer.start(
                TransferConfig.on(new InetSocketAddress(DnsWire.LOOPBACK, 0)).withAllowFrom(List.of(DnsWire.LOOPBACK)),
                () -> checks.incrementAndGet() <= 2,
                Clock.systemUTC())) {
            losing.serve(v1);
            assertThat(ServedZone.first(v1, TransferMessages.budget(ZONE.name().length()))
                            .axfrMessages
                            .size())
                    .isGreaterThan(3);
            ZoneTransferIn xfr = ZoneTransferIn.newAXFR(ZONE.name(), "127.0.0.1", losing.port(), null);
            xfr.setTimeout(Duration.ofSeconds(10));
            assertThatThrownBy(xfr::run).isInstanceOfAny(IOException.class, ZoneTransferException.class);
            assertThat(checks.get()).isEqualTo(3);
            assertThat(losing.counters().refused()).isEqualTo(1);
        }
    }

    @Test
    void malformedPacketsAreDroppedAndTheServerKeepsServing() throws Exception {
        long before = server.counters().malformed();
        assertThat(DnsWire.udp(server.port(), new byte[] {1, 2, 3, 4, 5}, Duration.ofMillis(300)))
                .isNull();
        // a query header that promises five questions, followed by too few bytes
        byte[] garbage = {0x12, 0x34, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 3, 'a', 'b'};
        assertThat(DnsWire.udp(server.port(), garbage, Duration.ofMillis(300))).isNull();
        try (Socket s = DnsWire.tcpRaw(server.port(), new byte[] {0, 5, 1, 2, 3, 4, 5})) {
            assertThat(s.getInputStream().read()).isEqualTo(-1); // too short for a header: closed
        }
        try (Socket s = DnsWire.tcpRaw(server.port(), new byte[] {0, (byte) 200, 1, 2, 3})) {
            s.shutdownOutput(); // the connection ends inside the message
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        byte[] framed = new byte[garbage.length + 2];
        framed[0] = 0;
        framed[1] = (byte) garbage.length;
        System.arraycopy(garbage, 0, framed, 2, garbage.length);
        try (Socket s = DnsWire.tcpRaw(server.port(), framed)) {
            InputStream in = s.getInputStream();
            assertThat(in.read()).isEqualTo(-1);
        }
        DnsWire.pollUntil(
                Duration.ofSeconds(5),
                "five malformed messages counted",
                () -> server.counters().malformed() >= before + 5);
        Message soa = new Message(DnsWire.tcp(
                server.port(),
                Message.newQuery(Record.newRecord(ZONE.name(), Type.SOA, DClass.IN))
                        .toWire()));
        assertThat(soa.getRcode()).isEqualTo(Rcode.NOERROR);
    }

    @Test
    void boundsConnectionsAndClosesIdleOnes() throws Exception {
        long rejectedBefore = server.counters().connectionsRejected();
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                idle.add(DnsWire.tcpRaw(server.port(), new byte[0]));
            }
            try (Socket fourth = DnsWire.tcpRaw(server.port(), new byte[0])) {
                DnsWire.pollUntil(
                        Duration.ofSeconds(5),
                        "the fourth connection rejected",
                        () -> server.counters().connectionsRejected() > rejectedBefore);
                assertThat(fourth.getInputStream().read()).isEqualTo(-1);
            }
            // the read timeout (2 s) frees the idle ones
            for (Socket s : idle) {
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            }
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
        DnsWire.pollUntil(Duration.ofSeconds(5), "a slot is free again", () -> {
            try {
                return new Message(DnsWire.tcp(
                                        server.port(),
                                        Message.newQuery(Record.newRecord(ZONE.name(), Type.SOA, DClass.IN))
                                                .toWire()))
                                .getRcode()
                        == Rcode.NOERROR;
            } catch (IOException e) {
                return false;
            }
        });
    }

    @Test
    void serialsOnlyMoveForwardAndNeverNameTwoZones() {
        assertThatThrownBy(() -> server.serve(with(v3, 3, 30, a("h27", 300, "198.51.100.99"))))
                .isInstanceOf(ZoneVersionConflictException.class)
                .hasMessageContaining("serial 3");
        assertThatThrownBy(() -> server.serve(with(v3, 2, 30, a("h27", 300, "198.51.100.99"))))
                .isInstanceOf(SigningException.class)
                .hasMessageContaining("not newer than the served serial 3");
        assertThat(server.servedSerial(ZONE)).contains(3L);
    }

    @Test
    void theAllowListRefusesOtherClients() throws Exception {
        try (TransferServer guarded = TransferServer.start(
                TransferConfig.on(new InetSocketAddress(DnsWire.LOOPBACK, 0))
                        .withAllowFrom(List.of(InetAddress.getByName("192.0.2.1"))),
                ServingPermit.always(),
                Clock.systemUTC())) {
            guarded.serve(version(1, 3, 0));
            Message soa = new Message(DnsWire.udp(
                    guarded.port(),
                    Message.newQuery(Record.newRecord(ZONE.name(), Type.SOA, DClass.IN))
                            .toWire(),
                    Duration.ofSeconds(5)));
            assertThat(soa.getRcode()).isEqualTo(Rcode.REFUSED);
        }
    }

    @Test
    void notifiesEverySecondaryRetryingWithBackOffUntilAnswered() throws Exception {
        try (DatagramSocket secondary = new DatagramSocket(new InetSocketAddress(DnsWire.LOOPBACK, 0));
                TransferServer notifying = TransferServer.start(
                        TransferConfig.on(new InetSocketAddress(DnsWire.LOOPBACK, 0))
                                .withAllowFrom(List.of(DnsWire.LOOPBACK))
                                .withNotify(List.of(new InetSocketAddress(DnsWire.LOOPBACK, secondary.getLocalPort())))
                                .withNotifyRetries(4, Duration.ofMillis(200)),
                        ServingPermit.always(),
                        Clock.systemUTC())) {
            secondary.setSoTimeout((int) DnsWire.scaled(Duration.ofSeconds(10)).toMillis());
            notifying.serve(version(42, 3, 0));
            AtomicInteger received = new AtomicInteger();
            long[] arrivals = new long[3];
            Message notify = null;
            for (int i = 0; i < 3; i++) { // ignore two, answer the third
                DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
                secondary.receive(p);
                arrivals[i] = System.nanoTime();
                received.incrementAndGet();
                notify = new Message(Arrays.copyOf(p.getData(), p.getLength()));
                if (i == 2) {
                    Message ack = new Message(notify.getHeader().getID());
                    ack.getHeader().setFlag(Flags.QR);
                    ack.getHeader().setOpcode(Opcode.NOTIFY);
                    ack.addRecord(notify.getQuestion(), Section.QUESTION);
                    byte[] w = ack.toWire();
                    secondary.send(new DatagramPacket(w, w.length, p.getSocketAddress()));
                    assertThat(p.getAddress()).isEqualTo(DnsWire.LOOPBACK);
                }
            }
            assertThat(notify.getHeader().getOpcode()).isEqualTo(Opcode.NOTIFY);
            assertThat(notify.getHeader().getFlag(Flags.AA)).isTrue();
            assertThat(notify.getQuestion().getName()).isEqualTo(ZONE.name());
            assertThat(notify.getQuestion().getType()).isEqualTo(Type.SOA);
            assertThat(notify.getSection(Section.ANSWER))
                    .singleElement()
                    .isInstanceOfSatisfying(
                            SOARecord.class, s -> assertThat(s.getSerial()).isEqualTo(42));
            // back-off: the second wait (400 ms) is longer than the first (200 ms)
            assertThat(arrivals[2] - arrivals[1]).isGreaterThan(arrivals[1] - arrivals[0]);
            DnsWire.pollUntil(
                    Duration.ofSeconds(5),
                    "the NOTIFY acknowledged",
                    () -> notifying.counters().notifiesAcknowledged() == 1);
            assertThat(received.get()).isEqualTo(3);
            assertThat(notifying.counters().notifiesFailed()).isZero();
        }
    }
}
