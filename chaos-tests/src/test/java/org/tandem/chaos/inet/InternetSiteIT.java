package org.tandem.chaos.inet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.chaos.history.CapturedVersion;
import org.tandem.chaos.history.JsonLines;
import org.tandem.chaos.history.ProberEvent;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.signer.publish.ServingPermit;
import org.tandem.signer.publish.TransferConfig;
import org.tandem.signer.publish.TransferServer;
import org.tandem.signer.sign.SerialPolicy;
import org.tandem.signer.sign.SignedZone;
import org.tandem.signer.sign.SigningKey;
import org.tandem.signer.sign.SigningPolicy;
import org.tandem.signer.sign.ZoneSigner;
import org.tandem.signer.zone.ZoneLoader;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The internet site on loopback with the real parts: two signer-node transfer servers (the leader's
 * permit says yes, the standby's no) serving a zone signed by the signer on a SoftHSM2 token, Knot as
 * the secondary of both, Unbound validating with the KSK as trust anchor, the observer JVM. Then the
 * leadership flips: the old leader refuses, the new one serves a higher serial and NOTIFYs; Knot must
 * move to it, the observer must capture the new serial, Unbound must validate the new data. Last, a
 * tampered version (new serial, old signatures) passes through Knot: Unbound answers SERVFAIL with an
 * extended DNS error, the prober records it, ldns-verify-zone rejects its capture.
 */
class InternetSiteIT {
    private static final ZoneName ZONE = ZoneName.of("example.test.");
    private static final Name APEX = ZONE.name();
    private static final Name WWW = Name.fromConstantString("www.example.test.");
    private static final InetAddress LEADER_IP = address("127.0.0.1");
    private static final InetAddress STANDBY_IP = address("127.0.0.2");

    @TempDir
    Path dir;

    @Test
    void knotFollowsTheServingPrimaryAndTheObserverCapturesEveryVersion() throws Exception {
        Prerequisites.requireTool("knotd", "knot");
        Prerequisites.requireTool("unbound", "unbound");
        Prerequisites.requireTool("ldns-verify-zone", "ldnsutils");
        AtomicBoolean firstServes = new AtomicBoolean(true);
        AtomicBoolean secondServes = new AtomicBoolean(false);
        List<AutoCloseable> cleanup = new ArrayList<>();
        try (InetProcesses processes = new InetProcesses(dir)) {
            Pkcs11Hsm hsm = Pkcs11Hsm.open(SoftHsmTokens.shared().allocate("inet-hsm"));
            cleanup.add(hsm);
            List<SigningKey> keys = keys(hsm);
            SignedZone v1 = sign(keys, "192.0.2.80", 2026120100L);

            int knotPort = InetProcesses.freePort(LEADER_IP);
            InetSocketAddress knotAt = new InetSocketAddress(LEADER_IP, knotPort);
            TransferServer first = transferServer(LEADER_IP, knotAt, firstServes::get);
            cleanup.add(first);
            TransferServer second = transferServer(STANDBY_IP, knotAt, secondServes::get);
            cleanup.add(second);
            first.serve(v1);
            second.serve(v1);

            AuthServer auth = AuthServer.configure(
                    dir.resolve("knot"), APEX, knotAt, List.of(first.address(), second.address()), List.of(LEADER_IP));
            Process knotd = processes.start("knotd", auth.command(), Map.of());
            Duration firstCopy = InetProcesses.until(
                    Duration.ofSeconds(30),
                    () -> "knot serves serial " + v1.serial() + "\n" + InetProcesses.read(auth.log()),
                    () -> knotd.isAlive() && soaSerial(knotAt).orElse(-1L) == v1.serial());
            assertThat(soaSerial(second.address()))
                    .as("the standby answers REFUSED, no SOA")
                    .isEmpty();

            InetSocketAddress unboundAt = new InetSocketAddress(LEADER_IP, InetProcesses.freePort(LEADER_IP));
            String anchor = keys.get(0).key().dnskey(3600).toString();
            Resolver resolver = Resolver.configure(
                    dir.resolve("unbound"), unboundAt, APEX, List.of(anchor), knotAt, List.of("127.0.0.0/8"));
            Process unbound = processes.start("unbound", resolver.command(), Map.of());

            Path queries = Files.writeString(
                    dir.resolve("queries.txt"),
                    "www.example.test. A\nnope.example.test. A\nexample.test. DNSKEY\nx.example.test. TYPE65280\n");
            Path out = dir.resolve("report");
            Process observer = processes.start(
                    "observer",
                    List.of(
                            java(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            ObserverMain.class.getName(),
                            "--resolver",
                            "127.0.0.1:" + unboundAt.getPort(),
                            "--auth",
                            "127.0.0.1:" + knotPort,
                            "--zone",
                            "example.test",
                            "--queries",
                            queries.toString(),
                            "--interval",
                            "200ms",
                            "--timeout",
                            "1500ms",
                            "--out",
                            out.toString()),
                    Map.of());
            Path observerLog = processes.log("observer");
            InetProcesses.until(
                    Duration.ofSeconds(30),
                    () -> InetProcesses.read(observerLog),
                    () -> InetProcesses.read(observerLog).contains("observer started zone=example.test."));

            // every probe validated: positive, NXDOMAIN, DNSKEY and NODATA for an unknown type
            Path proberFile = out.resolve(ObserverMain.PROBER);
            InetProcesses.until(
                    Duration.ofSeconds(30),
                    () -> "AD answers to every query\n" + InetProcesses.read(proberFile)
                            + InetProcesses.read(resolver.log()),
                    () -> List.of(
                                    "www.example.test. A",
                                    "nope.example.test. A",
                                    "example.test. DNSKEY",
                                    "x.example.test. TYPE65280")
                            .stream()
                            .allMatch(q -> JsonLines.read(proberFile, ProberEvent.class).stream()
                                    .anyMatch(e ->
                                            (e.name() + " " + e.type()).equals(q) && e.kind() == ProberEvent.Kind.AD)));
            assertThat(JsonLines.read(proberFile, ProberEvent.class))
                    .filteredOn(e -> e.name().equals("nope.example.test.") && e.kind() == ProberEvent.Kind.AD)
                    .extracting(ProberEvent::rcode)
                    .contains("NXDOMAIN");
            assertThat(unbound.isAlive())
                    .as(InetProcesses.read(processes.log("unbound")))
                    .isTrue();

            CapturedVersion c1 = awaitCapture(out, v1.serial(), observerLog);
            assertCaptureValidates(out, c1, "192.0.2.80");

            // the flip: the first node loses the lease and refuses, the second serves a newer version
            firstServes.set(false);
            secondServes.set(true);
            long refusedBefore = first.counters().refused();
            SignedZone v2 = sign(keys, "198.51.100.80", v1.serial());
            assertThat(v2.serial()).isGreaterThan(v1.serial());
            Instant flipped = Instant.now();
            second.serve(v2);
            Duration moved = InetProcesses.until(
                    Duration.ofSeconds(20),
                    () -> "knot moves to the second primary, serial " + v2.serial() + "\n"
                            + InetProcesses.read(auth.log()),
                    () -> soaSerial(knotAt).orElse(-1L) == v2.serial());
            assertThat(InetProcesses.read(auth.log())).contains(STANDBY_IP.getHostAddress() + "@" + second.port());
            CapturedVersion c2 = awaitCapture(out, v2.serial(), observerLog);
            assertCaptureValidates(out, c2, "198.51.100.80");
            assertThat(c2.at()).isAfterOrEqualTo(flipped.minusSeconds(1));

            // Knot keeps asking the first primary (first in its list) on every refresh and is refused there
            InetProcesses.until(
                    Duration.ofSeconds(20),
                    () -> "knot asks the first primary again and is refused",
                    () -> first.counters().refused() > refusedBefore);
            assertThat(soaSerial(knotAt))
                    .as("a refusing primary does not take the zone back")
                    .contains(v2.serial());

            // Unbound validates the new version once its (5 s capped) cache let the old one go
            Duration resolverNew = InetProcesses.until(
                    Duration.ofSeconds(30),
                    () -> "unbound answers the new address with AD\n" + InetProcesses.read(resolver.log()),
                    () -> validatedAddress(unboundAt, WWW)
                            .filter("198.51.100.80"::equals)
                            .isPresent());
            assertThat(JsonLines.read(proberFile, ProberEvent.class))
                    .as("no probe failed validation across the flip")
                    .noneMatch(e -> e.kind() == ProberEvent.Kind.SERVFAIL);

            // a bogus version reaches the internet (served unvalidated): Unbound answers SERVFAIL with an
            // extended error, the prober records it, the observer captures it and ldns rejects the capture
            SignedZone v3 = tampered(v2, "203.0.113.66");
            second.serve(v3);
            CapturedVersion c3 = awaitCapture(out, v3.serial(), observerLog);
            InetProcesses.Result bogus = InetProcesses.run(
                    List.of("ldns-verify-zone", out.resolve(c3.file()).toString()));
            assertThat(bogus.exit())
                    .as("ldns-verify-zone rejects the tampered capture\n" + bogus.output())
                    .isNotZero();
            Duration servfail = InetProcesses.until(
                    Duration.ofSeconds(30),
                    () -> "the prober records SERVFAIL with an EDE for www\n" + InetProcesses.read(proberFile)
                            + InetProcesses.read(resolver.log()),
                    () -> JsonLines.read(proberFile, ProberEvent.class).stream()
                            .anyMatch(e -> e.name().equals("www.example.test.")
                                    && e.kind() == ProberEvent.Kind.SERVFAIL
                                    && !e.ede().isEmpty()));
            ProberEvent failed = JsonLines.read(proberFile, ProberEvent.class).stream()
                    .filter(e -> e.kind() == ProberEvent.Kind.SERVFAIL)
                    .findFirst()
                    .orElseThrow();
            assertThat(failed.rcode()).isEqualTo("SERVFAIL");
            assertThat(InetProcesses.read(resolver.log())).contains("validation failure <www.example.test. A IN>");

            assertThat(InetProcesses.stop(observer))
                    .as("the observer exits 0 on SIGTERM\n" + InetProcesses.read(observerLog))
                    .isZero();
            assertThat(InetProcesses.read(observerLog)).contains("observer stopped");
            assertThat(JsonLines.read(out.resolve(ObserverMain.CAPTURES), CapturedVersion.class))
                    .extracting(CapturedVersion::serial)
                    .containsExactly(v1.serial(), v2.serial(), v3.serial());
            System.out.printf(
                    "internet site: knot first copy %d ms, knot on the new primary %d ms after the flip, "
                            + "unbound validating the new data %d ms after that; SERVFAIL for the tampered version "
                            + "after %d ms: %s%n",
                    firstCopy.toMillis(), moved.toMillis(), resolverNew.toMillis(), servfail.toMillis(), failed.ede());
        } finally {
            for (int i = cleanup.size() - 1; i >= 0; i--) {
                cleanup.get(i).close();
            }
        }
    }

    private static List<SigningKey> keys(Pkcs11Hsm hsm) throws Exception {
        HsmKey ksk = hsm.generate(new KeySpec(ZONE, KeyRole.KSK, Algorithm.ECDSAP256SHA256));
        HsmKey zsk = hsm.generate(new KeySpec(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
        return List.of(
                new SigningKey(ksk.publicKey().orElseThrow(), hsm, ksk.ref()),
                new SigningKey(zsk.publicKey().orElseThrow(), hsm, zsk.ref()));
    }

    private SignedZone sign(List<SigningKey> keys, String www, long previousSerial) throws Exception {
        String text = String.join(
                "\n",
                "$ORIGIN example.test.",
                "$TTL 300",
                "@ SOA ns1 hostmaster " + previousSerial + " 3600 600 86400 300",
                "@ NS ns1",
                "ns1 A 192.0.2.53",
                "www A " + www,
                "x TXT \"probe\"",
                "");
        return new ZoneSigner()
                .sign(
                        ZoneLoader.parse(text, ZONE, dir.resolve("example.test.zone")),
                        keys,
                        SigningPolicy.defaults()
                                .withNsec()
                                .withSerial(SerialPolicy.INCREMENT)
                                .withThreads(1),
                        Instant.now(),
                        previousSerial);
    }

    /** {@code zone} with the next serial and another address for www, the old signatures kept: bogus. */
    private static SignedZone tampered(SignedZone zone, String www) throws Exception {
        long serial = zone.serial() + 1;
        List<Record> records = new ArrayList<>();
        for (Record r : zone.records()) {
            if (r instanceof SOARecord soa) {
                records.add(new SOARecord(
                        soa.getName(),
                        soa.getDClass(),
                        soa.getTTL(),
                        soa.getHost(),
                        soa.getAdmin(),
                        serial,
                        soa.getRefresh(),
                        soa.getRetry(),
                        soa.getExpire(),
                        soa.getMinimum()));
            } else if (r instanceof ARecord a && a.getName().equals(WWW)) {
                records.add(new ARecord(WWW, DClass.IN, a.getTTL(), InetAddress.getByName(www)));
            } else {
                records.add(r);
            }
        }
        return new SignedZone(zone.origin(), serial, records, 0, 0, Duration.ZERO);
    }

    private static TransferServer transferServer(InetAddress on, InetSocketAddress knot, ServingPermit permit)
            throws Exception {
        // knot transfers from its own address; the server's own address for the probes run here
        return TransferServer.start(
                TransferConfig.on(new InetSocketAddress(on, 0))
                        .withAllowFrom(List.of(knot.getAddress(), on))
                        .withNotify(List.of(knot))
                        .withNotifyRetries(5, Duration.ofMillis(500)),
                permit,
                Clock.systemUTC());
    }

    private static CapturedVersion awaitCapture(Path out, long serial, Path observerLog) throws InterruptedException {
        Path captures = out.resolve(ObserverMain.CAPTURES);
        InetProcesses.until(
                Duration.ofSeconds(30),
                () -> "captures.jsonl lists serial " + serial + "\n" + InetProcesses.read(captures)
                        + InetProcesses.read(observerLog),
                () -> JsonLines.read(captures, CapturedVersion.class).stream().anyMatch(c -> c.serial() == serial));
        return JsonLines.read(captures, CapturedVersion.class).stream()
                .filter(c -> c.serial() == serial)
                .findFirst()
                .orElseThrow();
    }

    private static void assertCaptureValidates(Path out, CapturedVersion c, String www) throws Exception {
        assertThat(c.zone()).isEqualTo("example.test.");
        assertThat(c.file()).isEqualTo("published/example.test/" + c.serial() + ".zone");
        Path file = out.resolve(c.file());
        byte[] bytes = Files.readAllBytes(file);
        assertThat(Capturer.sha256(bytes)).isEqualTo(c.sha256Hex());
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(c.records());
        assertThat(lines.get(0)).contains("SOA").contains(" " + c.serial() + " ");
        assertThat(lines)
                .filteredOn(l -> l.contains("SOA") && !l.contains("RRSIG"))
                .hasSize(1);
        assertThat(lines).anyMatch(l -> l.startsWith("www.example.test.") && l.contains("\tA\t") && l.endsWith(www));
        InetProcesses.Result r = InetProcesses.run(List.of("ldns-verify-zone", file.toString()));
        assertThat(r.exit()).as("ldns-verify-zone " + file + "\n" + r.output()).isZero();
    }

    private static Optional<Long> soaSerial(InetSocketAddress server) {
        try {
            SimpleResolver r = new SimpleResolver(server);
            r.setTimeout(Duration.ofSeconds(1));
            Message q = Message.newQuery(Record.newRecord(APEX, Type.SOA, DClass.IN));
            q.getHeader().unsetFlag(Flags.RD);
            Message a = r.send(q);
            return a.getSection(Section.ANSWER).stream()
                    .filter(x -> x instanceof SOARecord)
                    .map(x -> ((SOARecord) x).getSerial())
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> validatedAddress(InetSocketAddress resolver, Name name) {
        try {
            SimpleResolver r = new SimpleResolver(resolver);
            r.setTimeout(Duration.ofSeconds(1));
            r.setEDNS(0, 1232, ExtendedFlags.DO, List.of());
            Message a = r.send(Message.newQuery(Record.newRecord(name, Type.A, DClass.IN)));
            if (a.getRcode() != Rcode.NOERROR || !a.getHeader().getFlag(Flags.AD)) {
                return Optional.empty();
            }
            return a.getSection(Section.ANSWER).stream()
                    .filter(x -> x instanceof ARecord)
                    .map(x -> ((ARecord) x).getAddress().getHostAddress())
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
