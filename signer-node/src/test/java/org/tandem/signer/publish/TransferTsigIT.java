package org.tandem.signer.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tandem.signer.publish.PublishTestZones.ZONE;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.signer.sign.SignedZone;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.Type;
import org.xbill.DNS.ZoneTransferException;
import org.xbill.DNS.ZoneTransferIn;

/** TSIG (RFC 8945) required: signed requests served and answered signed, the rest refused. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TransferTsigIT {
    private static final String KEY = "tandem-xfr";

    private String secret;
    private TransferServer server;
    private SignedZone zone;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        secret = Base64.getEncoder().encodeToString(raw);
        Path file = dir.resolve("tandem-xfr.secret");
        Files.writeString(file, "# tsig-keygen -a hmac-sha256 tandem-xfr\n" + secret + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        TsigKey key = TsigKey.fromFile(KEY, "hmac-sha256", file);
        assertThat(key.name()).isEqualTo(Name.fromConstantString("tandem-xfr."));
        assertThat(key.toString()).doesNotContain(secret);
        server = TransferServer.start(
                TransferConfig.on(new InetSocketAddress(DnsWire.LOOPBACK, 0))
                        .withAllowFrom(List.of(DnsWire.LOOPBACK))
                        .withTsig(key),
                ServingPermit.always(),
                Clock.systemUTC());
        List<Record> records =
                new ArrayList<>(PublishTestZones.version(9, 100, 0).records());
        for (int i = 0; i < 1200; i++) {
            records.add(PublishTestZones.txt("t" + i, "s".repeat(200) + i));
        }
        zone = PublishTestZones.zone(9, records);
        server.serve(zone);
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.stop();
        }
    }

    private TSIG key(String b64) {
        return new TSIG(TSIG.HMAC_SHA256, Name.fromConstantString(KEY + "."), b64);
    }

    private static Message soaQuery() {
        return Message.newQuery(Record.newRecord(ZONE.name(), Type.SOA, DClass.IN));
    }

    @Test
    void aSignedMultiMessageAxfrVerifiesInEveryMessage() throws Exception {
        ZoneTransferIn xfr = ZoneTransferIn.newAXFR(ZONE.name(), "127.0.0.1", server.port(), key(secret));
        xfr.setTimeout(Duration.ofSeconds(20));
        xfr.run(); // dnsjava's StreamVerifier checks the TSIG chain of every message
        assertThat(new HashSet<>(xfr.getAXFR())).isEqualTo(new HashSet<>(zone.records()));
        assertThat(ServedZone.first(zone, TransferMessages.budget(ZONE.name().length()))
                        .axfrMessages
                        .size())
                .isGreaterThan(2);
    }

    @Test
    void aSignedSoaQueryGetsASignedAnswer() throws Exception {
        TSIG tsig = key(secret);
        Message q = soaQuery();
        tsig.apply(q, null);
        byte[] answer = DnsWire.udp(server.port(), q.toWire(), Duration.ofSeconds(5));
        Message a = new Message(answer);
        assertThat(a.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(a.getTSIG()).isNotNull();
        assertThat(tsig.verify(a, answer, q.getTSIG())).isEqualTo(Rcode.NOERROR);
    }

    @Test
    void anUnsignedRequestIsRefused() throws Exception {
        Message a = new Message(DnsWire.udp(server.port(), soaQuery().toWire(), Duration.ofSeconds(5)));
        assertThat(a.getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(a.getSection(Section.ANSWER)).isEmpty();
        assertThatThrownBy(() -> ZoneTransferIn.newAXFR(ZONE.name(), "127.0.0.1", server.port(), null)
                        .run())
                .isInstanceOf(ZoneTransferException.class)
                .hasMessageContaining("REFUSED");
    }

    @Test
    void aWrongSecretIsNotAuthWithBadSig() throws Exception {
        byte[] other = new byte[32];
        new SecureRandom().nextBytes(other);
        TSIG wrong = key(Base64.getEncoder().encodeToString(other));
        Message q = soaQuery();
        wrong.apply(q, null);
        Message a = new Message(DnsWire.tcp(server.port(), q.toWire()));
        assertThat(a.getHeader().getRcode()).isEqualTo(Rcode.NOTAUTH);
        assertThat(a.getTSIG()).isNotNull();
        assertThat(a.getTSIG().getError()).isEqualTo(Rcode.BADSIG);
        assertThat(a.getSection(Section.ANSWER)).isEmpty();
        assertThatThrownBy(() -> ZoneTransferIn.newAXFR(ZONE.name(), "127.0.0.1", server.port(), wrong)
                        .run())
                .isInstanceOf(ZoneTransferException.class);
    }

    @Test
    void aClockOutsideTheFudgeIsNotAuthWithBadTime() throws Exception {
        TSIG skewed = new TSIG(
                TSIG.HMAC_SHA256,
                Name.fromConstantString(KEY + "."),
                new SecretKeySpec(Base64.getDecoder().decode(secret), "HmacSHA256"),
                Clock.offset(Clock.systemUTC(), Duration.ofHours(1)));
        Message q = soaQuery();
        skewed.apply(q, null);
        Message a = new Message(DnsWire.udp(server.port(), q.toWire(), Duration.ofSeconds(5)));
        assertThat(a.getHeader().getRcode()).isEqualTo(Rcode.NOTAUTH);
        assertThat(a.getTSIG().getError()).isEqualTo(Rcode.BADTIME);
        assertThat(a.getTSIG().getSignature()).isNotEmpty(); // RFC 8945 §5.2.3: a BADTIME answer is signed
    }

    @Test
    void rejectedTsigsAreCounted() throws Exception {
        long before = server.counters().tsigRejected();
        DnsWire.udp(server.port(), soaQuery().toWire(), Duration.ofSeconds(5));
        assertThat(server.counters().tsigRejected()).isEqualTo(before + 1);
    }

    @Test
    void anUnknownKeyNameIsNotAuthWithBadKey() throws Exception {
        TSIG stranger = new TSIG(TSIG.HMAC_SHA256, Name.fromConstantString("stranger."), secret);
        Message q = soaQuery();
        stranger.apply(q, null);
        Message a = new Message(DnsWire.udp(server.port(), q.toWire(), Duration.ofSeconds(5)));
        assertThat(a.getHeader().getRcode()).isEqualTo(Rcode.NOTAUTH);
        assertThat(a.getTSIG().getError()).isEqualTo(Rcode.BADKEY);
    }

    @Test
    void kdigTransfersWithTheKeyAndIsRefusedWithAWrongOne() throws Exception {
        Kdig.require();
        Kdig.Result ok = Kdig.run(server.port(), "-y", "hmac-sha256:" + KEY + ":" + secret, "AXFR", "example.test.");
        assertThat(ok.exitCode()).as(ok.output()).isZero();
        // kdig prints each message's TSIG record: every message is signed
        List<String> tsigs = ok.records().stream()
                .filter(l -> l.contains(" ANY TSIG hmac-sha256. "))
                .toList();
        assertThat(tsigs)
                .hasSize(ServedZone.first(
                                zone, TransferMessages.budget(ZONE.name().length()))
                        .axfrMessages
                        .size());
        assertThat(ok.records()).hasSize(zone.records().size() + 1 + tsigs.size());
        assertThat(ok.output()).doesNotContain("failed");
        byte[] other = new byte[32];
        new SecureRandom().nextBytes(other);
        Kdig.Result bad = Kdig.run(
                server.port(),
                "-y",
                "hmac-sha256:" + KEY + ":" + Base64.getEncoder().encodeToString(other),
                "AXFR",
                "example.test.");
        assertThat(bad.records()).isEmpty();
        assertThat(bad.output()).containsAnyOf("NOTAUTH", "BADSIG");
        Kdig.Result unsigned = Kdig.run(server.port(), "AXFR", "example.test.");
        assertThat(unsigned.records()).isEmpty();
        assertThat(unsigned.output()).contains("REFUSED");
    }
}
