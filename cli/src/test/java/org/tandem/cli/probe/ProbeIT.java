package org.tandem.cli.probe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.cli.SignerctlCommand;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.signer.nsec.Nsec3Parameters;
import org.tandem.signer.sign.SignedZone;
import org.tandem.signer.sign.SigningKey;
import org.tandem.signer.sign.SigningPolicy;
import org.tandem.signer.sign.ZoneSigner;
import org.tandem.signer.zone.ZoneLoader;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * {@code signerctl probe} against a real authoritative server: NSD serving zones signed by Tandem's
 * own signer with keys on a SoftHSM2 token, good and broken in the ways the probe must name. Every
 * test asserts the plugin exit code and the owner and type named in the one line.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProbeIT {
    private static final long UNSIGNED_SERIAL = 2026120600L;
    private static final long SIGNED_SERIAL = UNSIGNED_SERIAL + 1;
    /** Six 250-octet strings: the signed answer does not fit 1232 octets of UDP, so it comes over TCP. */
    private static final String BIG_TXT = ("\"" + "x".repeat(250) + "\" ").repeat(6);

    private static final SigningPolicy POLICY = SigningPolicy.defaults().withThreads(1);
    /** 14 days of validity, no jitter: signed {@code n} days ago, every RRSIG expires in {@code 14 - n} days. */
    private static final SigningPolicy FOURTEEN_DAYS =
            POLICY.withValidity(Duration.ofDays(14), Duration.ofDays(7), Duration.ZERO);

    private Path dir;
    private Pkcs11Hsm hsm;
    private NsdServer nsd;
    private final List<NsdServer.Served> served = new ArrayList<>();

    private int nsecKsk;
    private int bogusZsk;
    private int expiredKsk;
    private int warnKsk;
    private int strangerKsk;
    private Path bogusFile;
    private Path nsecFile;

    @BeforeAll
    void signAndServe(@TempDir Path tmp) throws Exception {
        Prerequisites.requireSoftHsm();
        Prerequisites.requireTool("nsd", "nsd");
        dir = tmp;
        hsm = Pkcs11Hsm.open(SoftHsmTokens.shared().allocate("probe-hsm"));
        Instant now = Instant.now();

        List<SigningKey> nsec = keys("nsec.test");
        nsecKsk = nsec.get(0).key().keyTag().value();
        nsecFile = serve("nsec.test", sign("nsec.test", nsec, POLICY, now), false, "");
        anchorDs("nsec.test", nsec.get(0));

        List<SigningKey> nsec3 = keys("nsec3.test");
        serve("nsec3.test", sign("nsec3.test", nsec3, POLICY.withNsec3(Nsec3Parameters.DEFAULT), now), false, "");
        Files.writeString(dir.resolve("nsec3.test.anchor"), nsec3.get(0).key().dnskey(3600) + "\n");

        List<SigningKey> optOut = keys("optout.test");
        serve(
                "optout.test",
                sign("optout.test", optOut, POLICY.withNsec3(Nsec3Parameters.DEFAULT.withOptOut(true)), now),
                false,
                "");
        anchorDs("optout.test", optOut.get(0));

        // 14 days of validity, no jitter, signed 13 days ago: every RRSIG expires in one day
        List<SigningKey> warn = keys("warn.test");
        warnKsk = warn.get(0).key().keyTag().value();
        serve("warn.test", sign("warn.test", warn, FOURTEEN_DAYS, now.minus(Duration.ofDays(13))), true, "");
        anchorDs("warn.test", warn.get(0));

        // signed 20 days ago with 14 days of validity: every RRSIG expired 6 days ago
        List<SigningKey> expired = keys("expired.test");
        expiredKsk = expired.get(0).key().keyTag().value();
        serve("expired.test", sign("expired.test", expired, FOURTEEN_DAYS, now.minus(Duration.ofDays(20))), true, "");
        anchorDs("expired.test", expired.get(0));

        // www A changed after signing
        List<SigningKey> bogus = keys("bogus.test");
        bogusZsk = bogus.get(1).key().keyTag().value();
        String bogusText = zoneText(sign("bogus.test", bogus, POLICY, now));
        assertThat(bogusText).contains("192.0.2.10");
        bogusFile = serve("bogus.test", bogusText.replace("192.0.2.10", "192.0.2.11"), true);
        anchorDs("bogus.test", bogus.get(0));

        // a TXT RRset added to www after signing
        List<SigningKey> unsigned = keys("unsigned.test");
        serve(
                "unsigned.test",
                sign("unsigned.test", unsigned, POLICY, now),
                true,
                "www.unsigned.test. 3600 IN TXT \"added after signing\"\n");
        anchorDs("unsigned.test", unsigned.get(0));

        // the owner txt removed with its NSEC after signing: the NSEC before it names a name that is gone
        List<SigningKey> broken = keys("broken.test");
        String brokenText = zoneText(sign("broken.test", broken, POLICY, now))
                .lines()
                .filter(l -> !l.startsWith("txt.broken.test."))
                .map(l -> l + "\n")
                .reduce("", String::concat);
        serve("broken.test", brokenText, false);
        anchorDs("broken.test", broken.get(0));

        // a KSK of nsec.test that the zone does not publish
        HsmKey stranger = hsm.generate(new KeySpec(ZoneName.of("nsec.test"), KeyRole.KSK, Algorithm.ECDSAP256SHA256));
        strangerKsk = stranger.publicKey().orElseThrow().keyTag().value();
        Files.writeString(
                dir.resolve("stranger.anchor"),
                ds(stranger.publicKey().orElseThrow().dnskey(3600)) + "\n");

        nsd = NsdServer.start(dir, served);
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (nsd != null) {
                nsd.close();
            }
        } finally {
            if (hsm != null) {
                hsm.close();
            }
        }
    }

    @Test
    void goodNsecZoneIsOkWithNamesFromTheNsecWalk() {
        Run r = probe("nsec.test", "nsec.test.anchor");
        assertThat(r.code).as(r.toString()).isZero();
        assertThat(r.line())
                .startsWith("TANDEM PROBE OK - nsec.test. serial " + SIGNED_SERIAL + ", ")
                .containsPattern("earliest RRSIG expiry \\S+Z \\([a-z0-9.]*nsec\\.test\\. [A-Z0-9]+, key \\d+\\)")
                .containsPattern("\\| expiry_seconds=\\d+s;259200:;0: names=[5-9] problems=0$");
    }

    @Test
    void aTruncatedUdpAnswerIsFetchedOverTcp() throws Exception {
        SimpleResolver udp = new SimpleResolver(new InetSocketAddress(NsdServer.LOOPBACK, nsd.port()));
        udp.setEDNS(0, 1232, ExtendedFlags.DO, List.of());
        udp.setIgnoreTruncation(true);
        Name mail = Name.fromConstantString("mail.nsec.test.");
        Message m = udp.send(Message.newQuery(Record.newRecord(mail, Type.TXT, DClass.IN)));
        assertThat(m.getHeader().getFlag(Flags.TC))
                .as("the UDP answer is truncated")
                .isTrue();
        Message full = new DnsClient(
                        new InetSocketAddress(NsdServer.LOOPBACK, nsd.port()),
                        Duration.ofSeconds(5),
                        TrustAnchor.read(dir.resolve("nsec.test.anchor"), Name.fromConstantString("nsec.test.")),
                        Clock.systemUTC())
                .raw(mail, Type.TXT);
        assertThat(full.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(full.getSection(Section.ANSWER))
                .anyMatch(r -> r.getType() == Type.RRSIG)
                .anyMatch(r -> r.getType() == Type.TXT);
    }

    @Test
    void goodNsec3ZoneIsOkAndJsonNamesTheEarliestExpiry() throws IOException {
        Run r = probe("nsec3.test", "nsec3.test.anchor", "--json");
        assertThat(r.code).as(r.toString()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out);
        assertThat(j.get("status").asText()).isEqualTo("OK");
        assertThat(j.get("code").asInt()).isZero();
        assertThat(j.get("zone").asText()).isEqualTo("nsec3.test.");
        assertThat(j.get("serial").asLong()).isEqualTo(SIGNED_SERIAL);
        assertThat(j.get("names_from").asText()).isEqualTo("guessed");
        assertThat(j.get("names_checked").asInt()).isGreaterThanOrEqualTo(3);
        assertThat(j.get("earliest_expiry").get("owner").asText()).endsWith("nsec3.test.");
        assertThat(j.get("earliest_expiry").get("key_tag").asInt()).isPositive();
        assertThat(j.get("problems")).isEmpty();
    }

    @Test
    void goodNsec3OptOutZoneIsOkThoughItsDenialsAreInsecureByDesign() {
        Run r = probe("optout.test", "optout.test.anchor");
        assertThat(r.code).as(r.toString()).isZero();
        assertThat(r.line())
                .startsWith("TANDEM PROBE OK - optout.test. serial " + SIGNED_SERIAL + ", ")
                .containsPattern("earliest RRSIG expiry \\S+Z \\([a-z0-9.]*optout\\.test\\. [A-Z0-9]+, key \\d+\\)");
    }

    @Test
    void signaturesExpiringWithinWarnAreWarningNamingOwnerTypeAndKey() {
        Run r = probe("warn.test", "warn.test.anchor", "--warn", "3d");
        assertThat(r.code).as(r.toString()).isEqualTo(1);
        assertThat(r.line())
                .startsWith("TANDEM PROBE WARNING - warn.test. serial " + SIGNED_SERIAL + ": warn.test. DNSKEY, key "
                        + warnKsk + ", expiry ")
                .contains("RRSIG expires within 3d");
        assertThat(probe("warn.test", "warn.test.anchor", "--warn", "12h").code)
                .as("1 day left, warn at 12h")
                .isZero();
    }

    @Test
    void expiredSignaturesAreCriticalNamingOwnerTypeAndKey() {
        Run r = probe("expired.test", "expired.test.anchor");
        assertThat(r.code).as(r.toString()).isEqualTo(2);
        assertThat(r.line())
                .startsWith("TANDEM PROBE CRITICAL - expired.test. serial " + SIGNED_SERIAL
                        + ": expired.test. DNSKEY, key " + expiredKsk + ", expiry ")
                .contains("RRSIG expired at");
    }

    @Test
    void tamperedRecordIsCriticalNamingOwnerTypeAndKeyAndLdnsAgrees() throws Exception {
        Run r = probe("bogus.test", "bogus.test.anchor");
        assertThat(r.code).as(r.toString()).isEqualTo(2);
        assertThat(r.line())
                .startsWith("TANDEM PROBE CRITICAL - bogus.test. serial " + SIGNED_SERIAL + ": www.bogus.test. A, key "
                        + bogusZsk + ", expiry ")
                .contains("RRSIG does not verify");

        Prerequisites.requireTool("ldns-verify-zone", "ldnsutils");
        Verdict ldns = ldnsVerifyZone(bogusFile);
        assertThat(ldns.exitCode)
                .as("ldns-verify-zone calls the tampered zone bogus too\n" + ldns.output)
                .isNotZero();
        assertThat(ldns.output).contains("www.bogus.test.");
        Verdict control = ldnsVerifyZone(nsecFile);
        assertThat(control.exitCode)
                .as("and accepts the good one\n" + control.output)
                .isZero();
    }

    @Test
    void trustAnchorForAnotherKeyIsCriticalNamingTheAnchorsKey() {
        Run r = probe("nsec.test", "stranger.anchor");
        assertThat(r.code).as(r.toString()).isEqualTo(2);
        assertThat(r.line())
                .startsWith("TANDEM PROBE CRITICAL - nsec.test. serial " + SIGNED_SERIAL + ": nsec.test. DNSKEY, key "
                        + strangerKsk + ": ")
                .contains("matches the trust anchor")
                .contains(String.valueOf(nsecKsk));
    }

    @Test
    void rrsetAddedAfterSigningIsCriticalNamingOwnerAndType() {
        Run r = probe("unsigned.test", "unsigned.test.anchor");
        assertThat(r.code).as(r.toString()).isEqualTo(2);
        assertThat(r.line())
                .startsWith("TANDEM PROBE CRITICAL - unsigned.test. serial " + SIGNED_SERIAL
                        + ": www.unsigned.test. TXT: no RRSIG");
    }

    @Test
    void nsecChainNamingAGoneOwnerIsABrokenDenialNamingOwnerAndType() {
        Run r = probe("broken.test", "broken.test.anchor");
        assertThat(r.code).as(r.toString()).isEqualTo(2);
        assertThat(r.line())
                .startsWith(
                        "TANDEM PROBE CRITICAL - broken.test. serial " + SIGNED_SERIAL + ": txt.broken.test. NSEC: ");
        assertThat(r.out).contains("bogus");
    }

    @Test
    void nothingListeningIsUnknownNamingTheSoaQuery() throws IOException {
        String nobody = NsdServer.LOOPBACK.getHostAddress() + ":" + NsdServer.freePort();
        Run r = run(
                "probe",
                "--zone",
                "nsec.test",
                "--server",
                nobody,
                "--trust-anchor",
                dir.resolve("nsec.test.anchor").toString(),
                "--timeout",
                "1s");
        assertThat(r.code).as(r.toString()).isEqualTo(3);
        assertThat(r.line())
                .startsWith("TANDEM PROBE UNKNOWN - nsec.test.: nsec.test. SOA: no answer from " + nobody)
                .doesNotContain("null");
    }

    private Run probe(String zone, String anchor, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "probe",
                "--zone",
                zone,
                "--server",
                nsd.address(),
                "--trust-anchor",
                dir.resolve(anchor).toString()));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = SignerctlCommand.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(code, out.toString(), err.toString());
    }

    /** One run of signerctl. */
    private record Run(int code, String out, String err) {
        /** The one line on stdout (asserted to be exactly one). */
        String line() {
            assertThat(out.split("\n", -1))
                    .as("exactly one line on stdout: " + out)
                    .hasSize(2);
            System.out.println("probe: " + out.strip());
            return out.strip();
        }

        @Override
        public String toString() {
            return "exit " + code + "\nstdout: " + out + "stderr: " + err;
        }
    }

    private record Verdict(int exitCode, String output) {}

    private static Verdict ldnsVerifyZone(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ldns-verify-zone", file.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS))
                .as("ldns-verify-zone finished")
                .isTrue();
        return new Verdict(p.exitValue(), output);
    }

    private List<SigningKey> keys(String zone) throws Exception {
        ZoneName z = ZoneName.of(zone);
        HsmKey ksk = hsm.generate(new KeySpec(z, KeyRole.KSK, Algorithm.ECDSAP256SHA256));
        HsmKey zsk = hsm.generate(new KeySpec(z, KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
        return List.of(
                new SigningKey(ksk.publicKey().orElseThrow(), hsm, ksk.ref()),
                new SigningKey(zsk.publicKey().orElseThrow(), hsm, zsk.ref()));
    }

    private SignedZone sign(String zone, List<SigningKey> keys, SigningPolicy policy, Instant at) throws Exception {
        String text = String.join(
                "\n",
                "$ORIGIN " + zone + ".",
                "$TTL 3600",
                "@ IN SOA ns1 hostmaster " + UNSIGNED_SERIAL + " 7200 3600 1209600 300",
                "@ IN NS ns1",
                "@ IN MX 10 mail",
                "ns1 IN A 192.0.2.1",
                "www IN A 192.0.2.10",
                "www IN AAAA 2001:db8::10",
                "mail IN A 192.0.2.25",
                "mail IN TXT " + BIG_TXT,
                "txt IN TXT \"probe me\"",
                "insecure IN NS ns.insecure.example.net.",
                "");
        ZoneName z = ZoneName.of(zone);
        return new ZoneSigner()
                .sign(ZoneLoader.parse(text, z, dir.resolve(zone + ".unsigned")), keys, policy, at, UNSIGNED_SERIAL);
    }

    private static String zoneText(SignedZone signed) {
        StringBuilder b = new StringBuilder();
        for (Record r : signed.records()) {
            b.append(r).append('\n');
        }
        return b.toString();
    }

    private Path serve(String zone, SignedZone signed, boolean axfr, String appended) throws IOException {
        return serve(zone, zoneText(signed) + appended, axfr);
    }

    private Path serve(String zone, String text, boolean axfr) throws IOException {
        Path file = dir.resolve(zone + ".zone");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        served.add(new NsdServer.Served(zone, file, axfr));
        return file;
    }

    private void anchorDs(String zone, SigningKey ksk) throws IOException {
        Files.writeString(dir.resolve(zone + ".anchor"), ds(ksk.key().dnskey(3600)) + "\n");
    }

    private static String ds(DNSKEYRecord key) {
        return new DSRecord(key.getName(), DClass.IN, 3600, DNSSEC.Digest.SHA256, key).toString();
    }
}
