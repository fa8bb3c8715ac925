package org.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.keysync.testing.StrayKeys;
import org.tandem.keysync.testing.ZooKeeperFixture;

/** signerctl's offline key commands against real SoftHSM2 tokens and a real ZooKeeper: output, JSON, exit codes. */
class SignerctlIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<HsmSpec> hsms = new ArrayList<>();
    private Path config;
    private String out;
    private String err;

    @BeforeEach
    void threeHsms() throws Exception {
        SoftHsmTokens tokens = SoftHsmTokens.shared();
        for (String name : List.of("dc1-hsm1", "dc2-hsm1", "dc2-hsm2")) {
            hsms.add(tokens.allocate(name));
        }
        config = writeConfig(hsms, ZK.connectString(), "/cli-" + System.nanoTime());
    }

    private Path writeConfig(List<HsmSpec> specs, String zookeeper, String root) throws Exception {
        StringBuilder y = new StringBuilder("hsms:\n");
        for (HsmSpec s : specs) {
            y.append("  - name: ")
                    .append(s.name())
                    .append("\n    library: ")
                    .append(s.library())
                    .append("\n    token-label: ")
                    .append(s.tokenLabel())
                    .append("\n    pin-file: ")
                    .append(s.pinFile())
                    .append('\n');
            s.soPinFile()
                    .ifPresent(so -> y.append("    so-pin-file: ").append(so).append('\n'));
        }
        y.append("zookeeper: ")
                .append(zookeeper)
                .append("\nzookeeper-root: ")
                .append(root)
                .append('\n');
        // the test ZooKeeper has no TLS (ZooKeeperLockdownIT and EmbeddedZooKeeperIT test it with TLS)
        y.append("zookeeper-insecure-plaintext: true\n");
        Path f = dir.resolve("hsm-" + System.nanoTime() + ".yaml");
        Files.writeString(f, y);
        return f;
    }

    /** {@code signerctl sign} of example.test from {@code input} to {@code output}, with {@code more} options. */
    /** The KEK on every HSM, a KSK and a ZSK for example.test, and the zone's apex as master-file text. */
    private StringBuilder keysAndApex(String hsmConfig) {
        kekEverywhere();
        run("keys", "generate", "--hsm-config", hsmConfig, "--zone", "example.test", "--role", "ksk");
        run("keys", "generate", "--hsm-config", hsmConfig, "--zone", "example.test", "--role", "zsk");
        return new StringBuilder("""
                $ORIGIN example.test.
                $TTL 3600
                @       IN SOA ns1 hostmaster 2026112501 7200 3600 1209600 300
                        IN NS  ns1
                ns1     IN A   192.0.2.1
                """);
    }

    private int sign(String hsmConfig, Path input, Path output, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "sign",
                "--hsm-config",
                hsmConfig,
                "--zone",
                "example.test",
                "--input",
                input.toString(),
                "--output",
                output.toString()));
        args.addAll(List.of(more));
        return run(args.toArray(new String[0]));
    }

    private int run(String... args) {
        SignerctlRun r = SignerctlRun.of(args);
        out = r.out();
        err = r.err();
        return r.code();
    }

    private JsonNode json() throws Exception {
        return JSON.readTree(out);
    }

    private void kekEverywhere() {
        assertThat(run("kek", "init", "--hsm-config", config.toString()))
                .as(err)
                .isZero();
        assertThat(run("kek", "enrol", "--hsm-config", config.toString(), "--to", "dc2-hsm1"))
                .as(err)
                .isZero();
        assertThat(run("kek", "enrol", "--hsm-config", config.toString(), "--to", "dc2-hsm2"))
                .as(err)
                .isZero();
    }

    @Test
    void withoutZooKeeperTlsOrTheExplicitPlaintextOptInKeyCommandsRefuseNamingTheMissingSetting() throws Exception {
        Path noTls = dir.resolve("hsm-no-tls.yaml");
        Files.writeString(noTls, Files.readString(config).replace("zookeeper-insecure-plaintext: true\n", ""));

        assertThat(run("keys", "list", "--hsm-config", noTls.toString(), "--zone", "example.test"))
                .isEqualTo(ExitCode.CONFIG.code());
        assertThat(err)
                .contains(
                        noTls.toString(),
                        "zookeeper-tls",
                        "missing: ZooKeeper needs TLS",
                        "OU=operator",
                        "--zookeeper-insecure-plaintext");
        assertThat(run(
                        "keys",
                        "list",
                        "--hsm-config",
                        noTls.toString(),
                        "--zone",
                        "example.test",
                        "--zookeeper-insecure-plaintext"))
                .as(err)
                .isZero();
    }

    @Test
    void generateSyncVerifyExitsZeroOnlyWhenEveryHsmHoldsTheProvenKeySet() throws Exception {
        String c = config.toString();
        kekEverywhere();
        assertThat(run("kek", "status", "--hsm-config", c, "--json")).isZero();
        assertThat(json().get("shared").asBoolean()).isTrue();

        assertThat(run("keys", "generate", "--hsm-config", c, "--zone", "example.test", "--role", "ksk", "--json"))
                .as(err)
                .isZero();
        String kskFp = json().get("fingerprint").asText();
        assertThat(json().get("hsm").asText()).isEqualTo("dc1-hsm1");
        assertThat(run(
                        "keys",
                        "generate",
                        "--hsm-config",
                        c,
                        "--zone",
                        "example.test",
                        "--role",
                        "zsk",
                        "--algorithm",
                        "14"))
                .as(err)
                .isZero();
        assertThat(out).contains("generated ZSK", "alg 14", "keys sync");

        assertThat(run("keys", "verify", "--hsm-config", c, "--zone", "example.test", "--json"))
                .isEqualTo(ExitCode.NOT_SYNCED.code());
        assertThat(json().get("key_synced").asBoolean()).isFalse();
        assertThat(json().get("checks").findValuesAsText("status")).containsOnly("ok", "missing");

        assertThat(run("keys", "sync", "--hsm-config", c, "--zone", "example.test"))
                .as(out + err)
                .isZero();
        assertThat(out)
                .contains("copied KSK", "to dc2-hsm2", "key-synced: 2 key(s) present and proven on all 3 HSM(s)");

        assertThat(run("keys", "verify", "--hsm-config", c, "--zone", "example.test", "--json"))
                .isZero();
        JsonNode report = json();
        assertThat(report.get("key_synced").asBoolean()).isTrue();
        assertThat(report.get("checks")).hasSize(6);
        assertThat(report.get("checks").findValuesAsText("fingerprint")).contains(kskFp);

        assertThat(run("keys", "list", "--hsm-config", c, "--zone", "example.test", "--json"))
                .isZero();
        assertThat(json().get("hsms"))
                .hasSize(3)
                .allSatisfy(h -> assertThat(h.get("keys")).hasSize(2));
        assertThat(json().get("manifest").findValuesAsText("state")).containsOnly("generated");

        Path rolled = Files.writeString(
                dir.resolve("rolled.yaml"),
                "keys: {ksk: {algorithm: 13, lifetime: 365d}, zsk: {algorithm: 13, lifetime: 90d}}\n");
        assertThat(run(
                        "keys",
                        "timeline",
                        "--hsm-config",
                        c,
                        "--zone",
                        "example.test",
                        "--policy",
                        rolled.toString(),
                        "--json"))
                .as(err)
                .isZero();
        JsonNode timeline = json();
        assertThat(timeline.get("rolled_by_policy").asBoolean()).isTrue();
        assertThat(timeline.get("keys").findValuesAsText("phase")).containsOnly("generated");
        assertThat(timeline.get("keys").findValuesAsText("fingerprint")).contains(kskFp);
        assertThat(timeline.get("findings").findValuesAsText("kind")).containsOnly("AWAITING_PROOF");
        Path plain = Files.writeString(dir.resolve("plain.yaml"), "validity: 14d\n");
        assertThat(run("keys", "timeline", "--hsm-config", c, "--zone", "example.test", "--policy", plain.toString()))
                .as(err)
                .isZero();
        assertThat(out).contains("has no keys: nothing is rolled", "ROLE", "generated", "parent DS (assumed");

        // the operator confirms the parent's DS (a unique prefix of the fingerprint will do); timeline reads it
        assertThat(run("keys", "ds-seen", "--hsm-config", c, "--zone", "example.test", "--key", kskFp.substring(0, 12)))
                .as(err)
                .isZero();
        assertThat(out).contains("zone example.test.: the parent's DS RRset names KSK ", "since ");
        assertThat(run(
                        "keys",
                        "timeline",
                        "--hsm-config",
                        c,
                        "--zone",
                        "example.test",
                        "--policy",
                        rolled.toString(),
                        "--json"))
                .as(err)
                .isZero();
        assertThat(json().get("parent_ds_source").asText()).isEqualTo("recorded");
        assertThat(json().get("parent_ds").get(0).asText()).isEqualTo(kskFp);
        assertThat(run("keys", "ds-seen", "--hsm-config", c, "--zone", "example.test", "--key", "0123456789ab"))
                .isEqualTo(ExitCode.USAGE.code());
        assertThat(err).contains("--key 0123456789ab: no key of zone example.test.");

        assertThat(run(
                        "audit",
                        "verify",
                        "--audit-log",
                        dir.resolve("audit.jsonl").toString()))
                .as(out)
                .isZero();
        assertThat(out).contains("intact");
    }

    @Test
    void denicFaultFailsVerifyNamingZoneRoleTagFingerprintAndEveryDifferingHsm() throws Exception {
        String c = config.toString();
        kekEverywhere();
        run("keys", "generate", "--hsm-config", c, "--zone", "example.test", "--role", "zsk", "--json");
        String fp = json().get("fingerprint").asText();
        int tag = json().get("key_tag").asInt();
        assertThat(run("keys", "sync", "--hsm-config", c, "--zone", "example.test"))
                .isZero();
        byte[] id = HexFormat.of().parseHex(fp);
        String label = "tandem:example.test.:ZSK:13:" + tag;
        StrayKeys.replaceKeyPair(hsms.get(1), label, id);
        StrayKeys.replaceKeyPair(hsms.get(2), label, id);

        assertThat(run("keys", "verify", "--hsm-config", c, "--zone", "example.test"))
                .isEqualTo(ExitCode.NOT_SYNCED.code());
        assertThat(out)
                .contains("NOT key-synced: 2 problem(s)")
                .contains("zone example.test. ZSK " + tag + " fp " + fp.substring(0, 8)
                        + " on HSM dc2-hsm1: different-public-key")
                .contains("zone example.test. ZSK " + tag + " fp " + fp.substring(0, 8)
                        + " on HSM dc2-hsm2: different-public-key")
                .contains("--replace-diverged");
        assertThat(run("keys", "sync", "--hsm-config", c, "--zone", "example.test"))
                .isEqualTo(ExitCode.NOT_SYNCED.code());
        assertThat(run("keys", "sync", "--hsm-config", c, "--zone", "example.test", "--replace-diverged"))
                .isZero();
        assertThat(run("keys", "verify", "--hsm-config", c, "--zone", "example.test"))
                .isZero();
    }

    @Test
    void wrongPinMissingTokenMissingLibraryAndBadPinFileAreClearAndChangeNothing() throws Exception {
        Path wrongPin = dir.resolve("wrong.pin");
        Files.writeString(wrongPin, "0000\n");
        HsmSpec good = hsms.get(0);
        List<HsmSpec> cases = List.of(
                new HsmSpec(good.name(), good.library(), good.tokenLabel(), wrongPin, 1),
                new HsmSpec(good.name(), good.library(), "no-such-token", good.pinFile(), 1),
                new HsmSpec(good.name(), Path.of("/opt/vendor/libnothere.so"), good.tokenLabel(), good.pinFile(), 1),
                new HsmSpec(good.name(), good.library(), good.tokenLabel(), dir, 1));
        List<String> expected = List.of(
                "wrong PIN for token '" + good.tokenLabel() + "' (PIN file " + wrongPin,
                "token 'no-such-token' not found",
                "PKCS#11 library /opt/vendor/libnothere.so not found",
                "PIN file " + dir + " is not readable");
        String root = "/cli-bad-" + System.nanoTime();
        for (int i = 0; i < cases.size(); i++) {
            Path bad = writeConfig(List.of(cases.get(i), hsms.get(1)), ZK.connectString(), root);
            int code = run(
                    "keys",
                    "generate",
                    "--hsm-config",
                    bad.toString(),
                    "--zone",
                    "example.test",
                    "--role",
                    "ksk",
                    "--json");
            assertThat(code).as(err).isEqualTo(ExitCode.HSM_UNAVAILABLE.code());
            assertThat(err).contains("HSM dc1-hsm1").contains(expected.get(i));
            assertThat(json().get("kind").asText()).isEqualTo("hsm_unavailable");
        }
        // nothing changed: no manifest was written, no audit log was started, no key generated
        Path ok = writeConfig(hsms, ZK.connectString(), root);
        assertThat(run("keys", "list", "--hsm-config", ok.toString(), "--zone", "example.test", "--json"))
                .isZero();
        assertThat(json().get("manifest_version").asInt()).isEqualTo(-1);
        assertThat(json().get("hsms").findValues("keys"))
                .allSatisfy(k -> assertThat(k).isEmpty());
    }

    @Test
    void unreachableZooKeeperBadConfigAndUsageErrorsHaveTheirOwnExitCodes() throws Exception {
        Path noZk = writeConfig(hsms, "127.0.0.1:1", "/x");
        assertThat(run("keys", "verify", "--hsm-config", noZk.toString(), "--zone", "example.test"))
                .isEqualTo(ExitCode.ZOOKEEPER_UNAVAILABLE.code());
        assertThat(err).contains("127.0.0.1:1");

        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "hsms:\n  - name: a\n    library: /x.so\n");
        assertThat(run("keys", "list", "--hsm-config", broken.toString(), "--zone", "example.test"))
                .isEqualTo(ExitCode.CONFIG.code());
        assertThat(err).contains(broken.toString()).contains("hsms[0].token-label: missing");

        assertThat(run("keys", "verify", "--hsm-config", config.toString())).isEqualTo(ExitCode.USAGE.code());
        assertThat(err).contains("--zone");
        assertThat(run(
                        "keys",
                        "generate",
                        "--hsm-config",
                        config.toString(),
                        "--zone",
                        "example.test",
                        "--role",
                        "big"))
                .isEqualTo(ExitCode.USAGE.code());
        assertThat(err).contains("expected ksk, zsk or csk");

        assertThat(run("keys", "verify", "--hsm-config", config.toString(), "--zone", "example.test"))
                .isEqualTo(ExitCode.MANIFEST.code());
        assertThat(err).contains("has no keys in its manifest yet");
    }

    @Test
    void deletingALiveKeyIsRefusedAndATamperedAuditLogIsDetected() throws Exception {
        String c = config.toString();
        kekEverywhere();
        run("keys", "generate", "--hsm-config", c, "--zone", "example.test", "--role", "zsk", "--json");
        String fp = json().get("fingerprint").asText();
        assertThat(run(
                        "keys",
                        "delete",
                        "--hsm-config",
                        c,
                        "--zone",
                        "example.test",
                        "--hsm",
                        "dc1-hsm1",
                        "--fingerprint",
                        fp))
                .isEqualTo(ExitCode.REFUSED.code());
        assertThat(err).contains("refusing to delete").contains("GENERATED");

        Path audit = dir.resolve("audit.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(audit));
        lines.set(1, lines.get(1).replace("enrolled", "ENROLLED").replace("dc2-hsm1", "dc9-hsm9"));
        Files.write(audit, lines);
        assertThat(run("audit", "verify", "--audit-log", audit.toString(), "--json"))
                .isEqualTo(ExitCode.AUDIT_CORRUPT.code());
        assertThat(json().get("intact").asBoolean()).isFalse();
        assertThat(json().get("defects").get(0).get("line").asInt()).isEqualTo(2);
    }

    @Test
    void signWritesAZoneThatVerifiesAndOutsideValidatorsAcceptAndBadInputWritesNothing() throws Exception {
        Prerequisites.requireTool("ldns-verify-zone", "ldnsutils");
        String c = config.toString();
        kekEverywhere();
        run("keys", "generate", "--hsm-config", c, "--zone", "example.test", "--role", "ksk");
        run("keys", "generate", "--hsm-config", c, "--zone", "example.test", "--role", "zsk");
        Path unsigned = dir.resolve("example.test.zone");
        Files.writeString(unsigned, """
                $ORIGIN example.test.
                $TTL 3600
                @       IN SOA ns1 hostmaster 2026112501 7200 3600 1209600 300
                        IN NS  ns1
                ns1     IN A   192.0.2.1
                www     IN A   192.0.2.10
                *.wild  IN TXT "wildcard"
                sub     IN NS  ns.sub
                ns.sub  IN A   192.0.2.53
                new     IN TYPE65280 \\# 4 01020304
                """);
        Path signed = dir.resolve("out/example.test.signed");

        // the standby HSMs lack the keys: signing with one of them is refused before anything is signed
        assertThat(sign(c, unsigned, signed, "--hsm", "dc2-hsm1")).isEqualTo(ExitCode.NOT_SYNCED.code());
        assertThat(err)
                .contains("refusing to sign example.test.")
                .contains("dc2-hsm1")
                .contains("missing");
        assertThat(signed).doesNotExist();

        assertThat(sign(c, unsigned, signed, "--nsec3", "--opt-out", "--json"))
                .as(err)
                .isZero();
        assertThat(json().get("serial").asLong()).isEqualTo(2026112502L);
        assertThat(run("verify", "--zone", "example.test", "--input", signed.toString()))
                .as(out)
                .isZero();
        assertThat(out).contains("zone example.test. validates");
        Process ldns = new ProcessBuilder("ldns-verify-zone", signed.toString())
                .redirectErrorStream(true)
                .start();
        String ldnsOut = new String(ldns.getInputStream().readAllBytes());
        assertThat(ldns.waitFor()).as(ldnsOut).isZero();

        // tampering is found by verify, with exit code 9
        String text = Files.readString(signed).replace("192.0.2.10", "192.0.2.66");
        Path tampered = dir.resolve("tampered.signed");
        Files.writeString(tampered, text);
        assertThat(run("verify", "--zone", "example.test", "--input", tampered.toString(), "--json"))
                .isEqualTo(ExitCode.INVALID_ZONE.code());
        assertThat(json().get("failures").findValuesAsText("owner")).contains("www.example.test.");

        // a bad unsigned zone is rejected with file and line, and the last good output stays
        byte[] lastGood = Files.readAllBytes(signed);
        Path bad = dir.resolve("bad.zone");
        Files.writeString(
                bad, Files.readString(unsigned).replace("www     IN A   192.0.2.10", "www     IN A   192.0.2.300"));
        assertThat(sign(c, bad, signed)).isEqualTo(ExitCode.ZONE_REJECTED.code());
        assertThat(err).contains(bad.toString() + ":6:");
        assertThat(Files.readAllBytes(signed)).isEqualTo(lastGood);
    }

    @Test
    void signOfALargeZoneReportsEachLongStageOnStderrAndOfASmallOneNothing() throws Exception {
        String c = config.toString();
        StringBuilder zone = keysAndApex(c);
        for (int i = 0; i < 26_000; i++) {
            zone.append("d").append(i).append(" IN NS ns1.d").append(i).append(".example.net.\n");
            zone.append("d").append(i).append(" IN NS ns2.d").append(i).append(".example.org.\n");
        }
        Path unsigned = dir.resolve("large.zone");
        Files.writeString(unsigned, zone);
        Path signed = dir.resolve("large.signed");

        assertThat(sign(c, unsigned, signed, "--nsec3", "--opt-out", "--json"))
                .as(err)
                .isZero();
        assertThat(err)
                .containsPattern("loaded example\\.test\\. from .*large\\.zone: 52[,.]?003 records in [0-9.]+ s")
                .containsPattern("signing example\\.test\\.: [0-9]+/[0-9]+ RRsets")
                .containsPattern("validating example\\.test\\. with the independent gate: [0-9,]+ records")
                .containsPattern(
                        "validated example\\.test\\.: [0-9,]+ signatures in [0-9.]+ s; writing .*large\\.signed");
        assertThat(json().get("serial").asLong()).isEqualTo(2026112502L); // stdout is the JSON alone

        Path small = dir.resolve("small.zone");
        Files.writeString(small, zone.substring(0, zone.indexOf("d0 ")));
        assertThat(sign(c, small, dir.resolve("small.signed"), "--json"))
                .as(err)
                .isZero();
        assertThat(err).doesNotContain("loaded").doesNotContain("validating").doesNotContain("signing example");
    }

    @Test
    void signRefusesAZoneOverTheLimitsGivenOnTheCommandLineWritesNothingAndSignsWithinRaisedOnes() throws Exception {
        String c = config.toString();
        StringBuilder zone = keysAndApex(c);
        for (int i = 0; i < 100; i++) {
            zone.append("d").append(i).append(" IN NS ns1.d").append(i).append(".example.net.\n");
        }
        Path unsigned = dir.resolve("capped.zone");
        Files.writeString(unsigned, zone);
        Path signed = dir.resolve("capped.signed");

        assertThat(sign(c, unsigned, signed, "--max-records", "50")).isEqualTo(ExitCode.ZONE_REJECTED.code());
        assertThat(err).contains("max-records (50)").contains("--max-records");
        assertThat(sign(c, unsigned, signed, "--max-file-size", "1k")).isEqualTo(ExitCode.ZONE_REJECTED.code());
        assertThat(err).contains(unsigned.toString()).contains("(1024 bytes)").contains("--max-file-size");
        assertThat(signed).doesNotExist();

        assertThat(sign(c, unsigned, signed, "--max-file-size", "12q")).isEqualTo(ExitCode.USAGE.code());
        assertThat(err).contains("'12q' is not a size");
        assertThat(signed).doesNotExist();

        assertThat(sign(c, unsigned, signed, "--max-records", "103", "--max-file-size", "64K"))
                .as(err)
                .isZero();
        assertThat(signed).exists();
    }

    @Test
    void signReSignsIncrementallyWhenTheOutputWasSignedByTheSameKeysAndFullOnRequest() throws Exception {
        Prerequisites.requireTool("ldns-verify-zone", "ldnsutils");
        Prerequisites.requireTool("kzonecheck", "knot-dnssecutils");
        String c = config.toString();
        kekEverywhere();
        run("keys", "generate", "--hsm-config", c, "--zone", "example.test", "--role", "ksk");
        run("keys", "generate", "--hsm-config", c, "--zone", "example.test", "--role", "zsk");
        String zone = """
                $ORIGIN example.test.
                $TTL 3600
                @       IN SOA ns1 hostmaster 2026112501 7200 3600 1209600 300
                        IN NS  ns1
                ns1     IN A   192.0.2.1
                www     IN A   192.0.2.10
                sub     IN NS  ns.sub
                ns.sub  IN A   192.0.2.53
                """;
        Path unsigned = dir.resolve("example.test.zone");
        Files.writeString(unsigned, zone);
        Path signed = dir.resolve("example.test.signed");
        String[] sign = {
            "sign",
            "--hsm-config",
            c,
            "--zone",
            "example.test",
            "--input",
            unsigned.toString(),
            "--output",
            signed.toString(),
            "--nsec3",
            "--opt-out",
            "--json"
        };

        assertThat(run(sign)).as(err).isZero();
        assertThat(json().get("mode").asText()).isEqualTo("full");
        assertThat(json().get("full_reason").asText()).isEqualTo("no previous output");
        long total = json().get("signatures").asLong();

        // one secure delegation more: only it, its NSEC3 and neighbours, and the SOA are signed
        Files.writeString(
                unsigned,
                zone + "sec IN NS ns1.example.net.\n"
                        + "sec IN DS 4711 13 2 00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF\n");
        assertThat(run(sign)).as(err).isZero();
        assertThat(json().get("mode").asText()).isEqualTo("incremental");
        assertThat(json().get("serial").asLong()).isEqualTo(2026112503L);
        assertThat(json().get("signatures_reused").asLong()).isPositive();
        assertThat(json().get("signatures_made").asLong()).isPositive().isLessThan(total);
        for (List<String> validator : List.of(
                List.of("ldns-verify-zone", signed.toString()),
                List.of("kzonecheck", "-o", "example.test.", "-d", "on", signed.toString()))) {
            Process p = new ProcessBuilder(validator).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).as(validator + ": " + text).isZero();
        }

        // the text output says what was reused; --full signs everything again
        Files.writeString(unsigned, zone.replace("192.0.2.10", "192.0.2.11"));
        String[] plain = Arrays.copyOf(sign, sign.length - 1);
        assertThat(run(plain)).as(err).isZero();
        assertThat(out)
                .containsPattern("re-signed example.test. incrementally, serial 2026112504, with 2 key\\(s\\) on "
                        + "dc1-hsm1: reused [0-9,]+ signatures, made [0-9,]+");
        List<String> full = new ArrayList<>(List.of(sign));
        full.add("--full");
        assertThat(run(full.toArray(new String[0]))).as(err).isZero();
        assertThat(json().get("mode").asText()).isEqualTo("full");
        assertThat(json().get("full_reason").asText()).isEqualTo("--full");
        assertThat(json().get("signatures_reused").asLong()).isZero();

        // the hidden bench: rounds of one changed delegation, timed
        assertThat(run(
                        "bench-incremental",
                        "--hsm-config",
                        c,
                        "--zone",
                        "example.test",
                        "--signed",
                        signed.toString(),
                        "--unsigned",
                        unsigned.toString(),
                        "--rounds",
                        "3",
                        "--json"))
                .as(err)
                .isZero();
        assertThat(json().get("rounds")).hasSize(3);
        assertThat(json().get("median_ms").asDouble()).isPositive();
    }
}
