package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.TestPki;
import org.tandem.signer.election.HistoryRetention;
import org.tandem.signer.publish.Cidr;
import org.tandem.signer.sign.Denial;
import org.tandem.signer.sign.SigningPolicy;
import org.tandem.signer.zone.ZoneLimits;

/** Every error path of {@code node.yaml}: each names the file, the key path and the reason. */
class NodeConfigTest {
    static final String VALID = """
            node:
              name: dc1-signer
              site: dc1
            hsm-config: hsm.yaml
            hsms: [dc1-hsm1]
            zones:
              - name: example.com.
                source: zones/example.com.zone
              - name: example.net
                source: zones/example.net.zone
                policy: policy.yaml
                output-dir: out-net
            zookeeper:
              connect: "127.0.0.1:2181,[::1]:2182"
              session-timeout: 20s
              root: /tandem
              tls: {ca: "tls/ca.crt", cert: "tls/dc1-signer.crt", key: "tls/dc1-signer.key"}
            publish:
              directory: published
              transfer:
                listen: 127.0.0.1:5353
                notify: ["192.0.2.53:53", "[2001:db8::53]:53"]
                allow: [192.0.2.0/24, "2001:db8::/32", 198.51.100.7]
                tsig:
                  name: transfer-key
                  algorithm: HMAC-SHA256
                  secret-file: tsig.secret
            resign:
              floor: 30s
              debounce: 1500ms
            grpc:
              listen: 127.0.0.1:7443
            metrics:
              listen: 127.0.0.1:9105
            tls:
              ca: tls/ca.crt
              cert: tls/dc1-signer.crt
              key: tls/dc1-signer.key
            """;

    static final String HSM_YAML = """
            hsms:
              - name: dc1-hsm1
                library: lib/libpkcs11.so
                token-label: dc1-hsm1
                pin-file: pins/dc1-hsm1.pin
              - name: dc2-hsm1
                library: lib/libpkcs11.so
                token-label: dc2-hsm1
                pin-file: pins/dc2-hsm1.pin
            zookeeper: "127.0.0.1:2181,[::1]:2182"
            """;

    @TempDir
    Path dir;

    private NodeYamlFile file;

    /** Lays out every file {@link #VALID} names; {@code write(VALID)} then loads cleanly. */
    static void layOut(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("zones"));
        Files.createDirectories(dir.resolve("lib"));
        Files.createDirectories(dir.resolve("pins"));
        Files.createDirectories(dir.resolve("published"));
        Files.createDirectories(dir.resolve("out-net"));
        Files.writeString(dir.resolve("zones/example.com.zone"), "; unsigned\n");
        Files.writeString(dir.resolve("zones/example.net.zone"), "; unsigned\n");
        Files.writeString(dir.resolve("lib/libpkcs11.so"), "not really a library: only its existence is checked\n");
        Files.writeString(dir.resolve("pins/dc1-hsm1.pin"), "pin-8c1f-never-shown\n");
        Files.writeString(dir.resolve("pins/dc2-hsm1.pin"), "5678\n");
        Files.writeString(dir.resolve("policy.yaml"), "validity: 10d\nrefresh: 4d\ndenial: nsec3\n");
        Files.writeString(dir.resolve("tsig.secret"), Base64.getEncoder().encodeToString(new byte[32]) + "\n");
        Files.writeString(dir.resolve("hsm.yaml"), HSM_YAML);
        TestPki.create(dir.resolve("tls"), "cluster-ca").issue("dc1-signer");
    }

    @BeforeEach
    void files() throws Exception {
        file = new NodeYamlFile(dir);
    }

    private static String replace(String yaml, String from, String to) {
        assertThat(yaml).as("test template").contains(from);
        return yaml.replace(from, to);
    }

    @Test
    void loadsTheFullExampleAndResolvesPathsFromTheFilesDirectory() throws Exception {
        NodeConfig c = file.load(VALID);

        assertThat(c.source()).isEqualTo(file.path().toAbsolutePath().normalize());
        assertThat(c.name()).isEqualTo("dc1-signer");
        assertThat(c.site()).isEqualTo("dc1");
        assertThat(c.hsms()).extracting(h -> h.name().name()).containsExactly("dc1-hsm1");
        assertThat(c.hsmConfig().hsms()).hasSize(2);
        assertThat(c.zones()).extracting(z -> z.name().toString()).containsExactly("example.com.", "example.net.");
        ZoneConfig com = c.zones().get(0);
        assertThat(com.source()).isEqualTo(dir.resolve("zones/example.com.zone"));
        assertThat(com.policyFile()).isEmpty();
        assertThat(com.policy().validity()).isEqualTo(SigningPolicy.defaults().validity());
        assertThat(com.outputDirectory()).isEqualTo(dir.resolve("published"));
        ZoneConfig net = c.zone(ZoneName.of("example.net")).orElseThrow();
        assertThat(net.policyFile()).contains(dir.resolve("policy.yaml"));
        assertThat(net.policy().validity()).isEqualTo(Duration.ofDays(10));
        assertThat(net.policy().refresh()).isEqualTo(Duration.ofDays(4));
        assertThat(net.policy().denial()).isEqualTo(Denial.NSEC3);
        assertThat(net.outputDirectory()).isEqualTo(dir.resolve("out-net"));
        assertThat(c.zookeeper())
                .isEqualTo(new ZooKeeperConfig(
                        "127.0.0.1:2181,[::1]:2182",
                        Duration.ofSeconds(20),
                        "/tandem",
                        Optional.of(new TlsMaterial(
                                dir.resolve("tls/dc1-signer.crt"),
                                dir.resolve("tls/dc1-signer.key"),
                                dir.resolve("tls/ca.crt")))));
        assertThat(c.zookeeper().clientSettings().secure()).isTrue();
        assertThat(c.publish().directory()).isEqualTo(dir.resolve("published"));
        TransferConfig t = c.publish().transfer().orElseThrow();
        assertThat(t.listen()).isEqualTo(new Endpoint("127.0.0.1", 5353));
        assertThat(t.notifyTargets()).containsExactly(new Endpoint("192.0.2.53", 53), new Endpoint("2001:db8::53", 53));
        assertThat(t.allow())
                .extracting(Cidr::toString)
                .containsExactly("192.0.2.0/24", "2001:db8:0:0:0:0:0:0/32", "198.51.100.7/32");
        assertThat(t.allow().get(0).contains(InetAddress.getByName("192.0.2.200")))
                .isTrue();
        assertThat(t.allow().get(0).contains(InetAddress.getByName("192.0.3.1")))
                .isFalse();
        TsigConfig tsig = t.tsig().orElseThrow();
        assertThat(tsig.name().toString()).isEqualTo("transfer-key.");
        assertThat(tsig.algorithm()).isEqualTo("hmac-sha256");
        assertThat(tsig.secretFile()).isEqualTo(dir.resolve("tsig.secret"));
        assertThat(c.resign()).isEqualTo(new ResignConfig(Duration.ofSeconds(30), Duration.ofMillis(1500)));
        assertThat(c.grpcListen()).isEqualTo(new Endpoint("127.0.0.1", 7443));
        assertThat(c.metricsListen()).isEqualTo(new Endpoint("127.0.0.1", 9105));
        assertThat(c.tls().privateKey()).isEqualTo(dir.resolve("tls/dc1-signer.key"));
        assertThat(c.summary())
                .contains(
                        "node dc1-signer (site dc1)",
                        "example.net.",
                        "dc1-hsm1",
                        "127.0.0.1:7443",
                        "validity 10d refresh 4d",
                        "session timeout 20s")
                .doesNotContain("pin-8c1f-never-shown");
    }

    @Test
    void refusesZooKeeperWithoutTlsNamingTheMissingSetting() throws Exception {
        String tls = "  tls: {ca: \"tls/ca.crt\", cert: \"tls/dc1-signer.crt\", key: \"tls/dc1-signer.key\"}\n";
        file.fails(replace(VALID, tls, ""), "zookeeper.tls", "missing: ZooKeeper needs TLS");
        file.fails(
                replace(VALID, tls, tls + "  insecure-plaintext: true\n"),
                "zookeeper.insecure-plaintext",
                "together with zookeeper.tls");
        file.fails(
                replace(VALID, tls, "  insecure-plaintext: yes please\n"),
                "zookeeper.insecure-plaintext",
                "expected true or false");
        file.fails(
                replace(VALID, "cert: \"tls/dc1-signer.crt\"", "cert: \"tls/nope.crt\""),
                "zookeeper.tls.cert",
                "file not found");
    }

    @Test
    void acceptsInsecurePlaintextZooKeeperOnlyWhenExplicitlySet() throws Exception {
        String tls = "  tls: {ca: \"tls/ca.crt\", cert: \"tls/dc1-signer.crt\", key: \"tls/dc1-signer.key\"}\n";
        NodeConfig c = file.load(replace(VALID, tls, "  insecure-plaintext: true\n"));

        assertThat(c.zookeeper().tls()).isEmpty();
        assertThat(c.zookeeper().clientSettings().secure()).isFalse();
        assertThat(c.summary()).contains("INSECURE PLAINTEXT");
    }

    @Test
    void appliesDefaults() throws Exception {
        String yaml = replace(VALID, "hsms: [dc1-hsm1]\n", "");
        yaml = replace(yaml, "  session-timeout: 20s\n  root: /tandem\n", "");
        yaml = replace(yaml, "resign:\n  floor: 30s\n  debounce: 1500ms\n", "");
        yaml = replace(yaml, yaml.substring(yaml.indexOf("  transfer:\n"), yaml.indexOf("grpc:")), "");
        NodeConfig c = file.load(yaml);

        assertThat(c.hsms()).extracting(h -> h.name().name()).containsExactly("dc1-hsm1", "dc2-hsm1");
        assertThat(c.zookeeper().sessionTimeout()).isEqualTo(ZooKeeperConfig.DEFAULT_SESSION_TIMEOUT);
        assertThat(c.zookeeper().root()).isEqualTo("/tandem");
        assertThat(c.publish().transfer()).isEmpty();
        assertThat(c.resign()).isEqualTo(ResignConfig.defaults());
        assertThat(c.zookeeper().history()).isEqualTo(HistoryRetention.DEFAULT);
    }

    @Test
    void readsThePublishHistoryRetentionAndRefusesOneThatKeepsNothing() throws Exception {
        NodeConfig c = file.load(
                replace(VALID, "  root: /tandem\n", "  root: /tandem\n  history-window: 3d\n  history-keep: 1500\n"));

        assertThat(c.zookeeper().history().window()).isEqualTo(Duration.ofDays(3));
        assertThat(c.zookeeper().history().keepLast()).isEqualTo(1500);
        assertThat(c.zookeeper().history().highWater()).isEqualTo(3000);
        file.fails(
                replace(VALID, "  root: /tandem\n", "  root: /tandem\n  history-keep: 0\n"),
                "zookeeper.history-keep",
                "a count of 1 to 10000 records");
        file.fails(
                replace(VALID, "  root: /tandem\n", "  root: /tandem\n  history-window: 10s\n"),
                "zookeeper.history-window",
                "at least 1m");
    }

    @Test
    void refusesBadResignSettings() throws Exception {
        file.fails(
                replace(VALID, "floor: 30s", "floor: 4d"),
                "resign.floor",
                "4d is not shorter than the refresh 4d of zones[1] example.net.");
        file.fails(replace(VALID, "debounce: 1500ms", "debounce: 2m"), "resign.debounce", "must be at most 1m, got 2m");
        file.fails(replace(VALID, "debounce: 1500ms", "debounce: soon"), "resign.debounce", "'soon' is not a duration");
        file.fails(
                replace(VALID, "  floor: 30s\n", "  floor: 30s\n  jitter: 1s\n"),
                "resign.jitter",
                "unknown key; expected one of [debounce, floor]");
    }

    @Test
    void refusesAMissingFile() throws Exception {
        assertThatThrownBy(() -> NodeConfig.load(dir.resolve("nope.yaml")))
                .isInstanceOf(NodeConfigException.class)
                .hasMessageStartingWith(dir.resolve("nope.yaml") + ": configuration file not found");
    }

    @Test
    void refusesBadYamlWithTheLine() throws Exception {
        file.fails("node:\n  name: [unclosed\n", "", "line 2, column 18: not valid YAML");
    }

    @Test
    void refusesADuplicateKey() throws Exception {
        file.fails(replace(VALID, "  site: dc1\n", "  site: dc1\n  site: dc2\n"), "", "Duplicate field 'site'");
    }

    @Test
    void refusesAnEmptyFile() throws Exception {
        file.fails("", "", "empty; expected a mapping with");
    }

    @Test
    void refusesAFileThatIsNotAMapping() throws Exception {
        file.fails("- a\n- b\n", "", "expected a mapping with");
    }

    @Test
    void refusesUnknownKeysNamingThemAtEveryLevel() throws Exception {
        file.fails(
                "zonez: []\n" + VALID,
                "zonez",
                "unknown key; expected one of [clock, grpc, hsm-config, hsms, metrics, node,");
        file.fails(replace(VALID, "  site: dc1\n", "  site: dc1\n  colour: blue\n"), "node.colour", "unknown key");
        file.fails(
                replace(VALID, "    policy: policy.yaml\n", "    polcy: policy.yaml\n"),
                "zones[1].polcy",
                "unknown key; expected one of [name, output-dir, policy, source]");
        file.fails(
                replace(VALID, "  root: /tandem\n", "  root: /tandem\n  chroot: /x\n"),
                "zookeeper.chroot",
                "unknown key");
        file.fails(
                replace(VALID, "  directory: published\n", "  directory: published\n  dir: x\n"),
                "publish.dir",
                "unknown key");
        file.fails(
                replace(VALID, "    listen: 127.0.0.1:5353\n", "    listen: 127.0.0.1:5353\n    port: 53\n"),
                "publish.transfer.port",
                "unknown key");
        file.fails(
                replace(
                        VALID,
                        "      secret-file: tsig.secret\n",
                        "      secret-file: tsig.secret\n      secret: abc\n"),
                "publish.transfer.tsig.secret",
                "unknown key");
        file.fails(
                replace(VALID, "  listen: 127.0.0.1:7443\n", "  listen: 127.0.0.1:7443\n  port: 1\n"),
                "grpc.port",
                "unknown key");
        file.fails(
                replace(VALID, "  listen: 127.0.0.1:9105\n", "  listen: 127.0.0.1:9105\n  path: /m\n"),
                "metrics.path",
                "unknown key");
        file.fails(
                replace(VALID, "  key: tls/dc1-signer.key\n", "  key: tls/dc1-signer.key\n  pass: x\n"),
                "tls.pass",
                "unknown key; expected one of [ca, cert, key]");
    }

    @Test
    void refusesAMissingOrBadNodeSection() throws Exception {
        file.fails(replace(VALID, "node:\n  name: dc1-signer\n  site: dc1\n", ""), "node", "missing");
        file.fails(replace(VALID, "  name: dc1-signer\n", ""), "node.name", "missing");
        file.fails(replace(VALID, "  site: dc1\n", "  site: ''\n"), "node.site", "empty");
        file.fails(
                replace(VALID, "  name: dc1-signer\n", "  name: dc1 signer\n"),
                "node.name",
                "'dc1 signer' must be letters, digits");
        file.fails(
                replace(VALID, "  name: dc1-signer\n", "  name: [a, b]\n"),
                "node.name",
                "expected a single value, not a list");
        file.fails(
                replace(VALID, "node:\n  name: dc1-signer\n  site: dc1\n", "node: dc1\n"),
                "node",
                "expected a mapping with [name, site]");
    }

    @Test
    void refusesBadZooKeeperSettings() throws Exception {
        file.fails(replace(VALID, "  connect: \"127.0.0.1:2181,[::1]:2182\"\n", ""), "zookeeper.connect", "missing");
        file.fails(
                replace(VALID, "\"127.0.0.1:2181,[::1]:2182\"", "zk1"), "zookeeper.connect", "'zk1' is not host:port");
        file.fails(
                replace(VALID, "\"127.0.0.1:2181,[::1]:2182\"", "\"zk1:2181,zk2:2181/tandem\""),
                "zookeeper.connect",
                "has a chroot; set zookeeper.root instead");
        file.fails(
                replace(VALID, "\"127.0.0.1:2181,[::1]:2182\"", "\"zk1:http\""),
                "zookeeper.connect",
                "port 'http' is not a number");
        file.fails(
                replace(VALID, "session-timeout: 20s", "session-timeout: 20"),
                "zookeeper.session-timeout",
                "'20' is not a duration like 1500ms, 30s, 5m, 2h or 1d");
        file.fails(
                replace(VALID, "session-timeout: 20s", "session-timeout: 500ms"),
                "zookeeper.session-timeout",
                "session timeout must be 1s to 10m");
        file.fails(
                replace(VALID, "  root: /tandem\n", "  root: tandem\n"),
                "zookeeper.root",
                "must be an absolute ZooKeeper path");
        file.fails(
                replace(VALID, "zookeeper:\n  connect", "zookeeper-old:\n  connect"), "zookeeper-old", "unknown key");
    }

    @Test
    void refusesAMissingOrBrokenHsmFile() throws Exception {
        file.fails(replace(VALID, "hsm-config: hsm.yaml\n", ""), "hsm-config", "missing");
        file.fails(
                replace(VALID, "hsm-config: hsm.yaml", "hsm-config: nope.yaml"),
                "hsm-config",
                "file not found: " + dir.resolve("nope.yaml"));
        Files.writeString(dir.resolve("hsm.yaml"), HSM_YAML.replace("    token-label: dc2-hsm1\n", ""));
        file.fails(VALID, "hsm-config", dir.resolve("hsm.yaml") + ": hsms[1].token-label: missing");
    }

    @Test
    void refusesAnHsmFileThatNamesAnotherZooKeeper() throws Exception {
        Files.writeString(dir.resolve("hsm.yaml"), HSM_YAML.replace("\"127.0.0.1:2181,[::1]:2182\"", "other:2181"));
        file.fails(
                VALID,
                "hsm-config",
                "names ZooKeeper 'other:2181' but zookeeper.connect is '127.0.0.1:2181,[::1]:2182'");
        Files.writeString(dir.resolve("hsm.yaml"), HSM_YAML + "zookeeper-root: /other\n");
        file.fails(
                VALID,
                "hsm-config",
                "has zookeeper-root '/other' (/tandem when unset) but zookeeper.root is '/tandem'");
    }

    @Test
    void refusesHsmsTheFileDoesNotHaveOrCannotUse() throws Exception {
        file.fails(
                replace(VALID, "hsms: [dc1-hsm1]", "hsms: [dc1-hsm1, dc3-hsm1]"),
                "hsms[1]",
                "no HSM named 'dc3-hsm1' in " + dir.resolve("hsm.yaml") + " (configured: dc1-hsm1, dc2-hsm1)");
        file.fails(replace(VALID, "hsms: [dc1-hsm1]", "hsms: [dc1-hsm1, dc1-hsm1]"), "hsms[1]", "listed twice");
        file.fails(replace(VALID, "hsms: [dc1-hsm1]", "hsms: []"), "hsms", "expected a non-empty list");
        Files.delete(dir.resolve("pins/dc1-hsm1.pin"));
        file.fails(
                VALID,
                "hsm-config",
                dir.resolve("hsm.yaml") + ": hsms[0].pin-file: file not found: " + dir.resolve("pins/dc1-hsm1.pin"));
        // dc2-hsm1's PIN file is fine and dc1-hsm1 is not this node's HSM when hsms names dc2-hsm1 only
        assertThat(file.load(replace(VALID, "hsms: [dc1-hsm1]", "hsms: [dc2-hsm1]"))
                        .hsms())
                .hasSize(1);
        Files.delete(dir.resolve("lib/libpkcs11.so"));
        file.fails(
                replace(VALID, "hsms: [dc1-hsm1]", "hsms: [dc2-hsm1]"),
                "hsm-config",
                dir.resolve("hsm.yaml") + ": hsms[1].library: file not found: " + dir.resolve("lib/libpkcs11.so"));
    }

    @Test
    void refusesMissingOrBadZones() throws Exception {
        String zones = VALID.substring(VALID.indexOf("zones:\n"), VALID.indexOf("zookeeper:\n"));
        file.fails(replace(VALID, zones, ""), "zones", "missing");
        file.fails(replace(VALID, zones, "zones: []\n"), "zones", "expected a non-empty list");
        file.fails(
                replace(VALID, "    source: zones/example.net.zone\n", "    source: zones/missing.zone\n"),
                "zones[1].source",
                "file not found: " + dir.resolve("zones/missing.zone"));
        file.fails(
                replace(VALID, "    source: zones/example.net.zone\n", "    source: zones\n"),
                "zones[1].source",
                "not a regular file: " + dir.resolve("zones"));
        file.fails(replace(VALID, "    source: zones/example.net.zone\n", ""), "zones[1].source", "missing");
        file.fails(
                replace(VALID, "  - name: example.net\n", "  - name: example..net\n"),
                "zones[1].name",
                "not a valid zone name 'example..net'");
        file.fails(
                replace(VALID, "  - name: example.net\n", "  - name: EXAMPLE.com\n"),
                "zones[1].name",
                "zone example.com. is listed twice");
        file.fails(
                replace(VALID, "zones:\n  - name: example.com.", "zones:\n  - example.com.\n  - name: example.org."),
                "zones[0]",
                "expected a mapping with name and source");
    }

    @Test
    void refusesAMissingOrBadPolicyFile() throws Exception {
        file.fails(
                replace(VALID, "policy: policy.yaml", "policy: policies/nope.yaml"),
                "zones[1].policy",
                "file not found: " + dir.resolve("policies/nope.yaml"));
        Files.writeString(dir.resolve("policy.yaml"), "validity: 10 days\n");
        file.fails(VALID, "zones[1].policy", dir.resolve("policy.yaml") + ": validity: '10 days' is not a duration");
        Files.writeString(dir.resolve("policy.yaml"), "valdity: 10d\n");
        file.fails(VALID, "zones[1].policy", "valdity: unknown key");
    }

    @Test
    void refusesMissingOrUnwritableDirectories() throws Exception {
        file.fails(
                replace(VALID, "output-dir: out-net", "output-dir: out-nope"),
                "zones[1].output-dir",
                "directory not found: " + dir.resolve("out-nope"));
        file.fails(
                replace(VALID, "  directory: published\n", "  directory: policy.yaml\n"),
                "publish.directory",
                "not a directory: " + dir.resolve("policy.yaml"));
        file.fails(replace(VALID, "  directory: published\n", ""), "publish.directory", "missing");
        String publish = VALID.substring(VALID.indexOf("publish:\n"), VALID.indexOf("grpc:\n"));
        file.fails(replace(VALID, publish, ""), "publish", "missing");
    }

    @Test
    void refusesBadTransferSettings() throws Exception {
        file.fails(
                replace(VALID, "listen: 127.0.0.1:5353", "listen: 5353"),
                "publish.transfer.listen",
                "'5353' is not host:port");
        file.fails(
                replace(VALID, "listen: 127.0.0.1:5353", "listen: 127.0.0.1:70000"),
                "publish.transfer.listen",
                "port must be 0 to 65535");
        file.fails(
                replace(VALID, "\"[2001:db8::53]:53\"", "\"2001:db8::53:53\""),
                "publish.transfer.notify[1]",
                "write IPv6 as [addr]:port");
        file.fails(
                replace(VALID, "\"192.0.2.53:53\"", "\"192.0.2.53:0\""),
                "publish.transfer.notify[0]",
                "port 0 cannot be sent to");
        file.fails(
                replace(VALID, "notify: [\"192.0.2.53:53\", \"[2001:db8::53]:53\"]", "notify: {a: 1}"),
                "publish.transfer.notify",
                "expected a list");
        file.fails(
                replace(VALID, "198.51.100.7]", "secondary.example]"),
                "publish.transfer.allow[2]",
                "'secondary.example' is not an IP address or network");
        file.fails(
                replace(VALID, "192.0.2.0/24", "192.0.2.1/24"),
                "publish.transfer.allow[0]",
                "has host bits set; the network is 192.0.2.0/24");
        file.fails(
                replace(VALID, "192.0.2.0/24", "192.0.2.0/33"),
                "publish.transfer.allow[0]",
                "prefix length must be 0 to 32");
    }

    @Test
    void refusesToStartWithNeitherAnAllowListNorTsig() throws Exception {
        String tsig = VALID.substring(VALID.indexOf("    tsig:\n"), VALID.indexOf("resign:"));
        String noTsig = replace(VALID, tsig, "");
        file.fails(
                replace(noTsig, "    allow: [192.0.2.0/24, \"2001:db8::/32\", 198.51.100.7]\n", ""),
                "publish.transfer",
                "neither publish.transfer.allow nor publish.transfer.tsig is set");
        file.fails(
                replace(noTsig, "allow: [192.0.2.0/24, \"2001:db8::/32\", 198.51.100.7]", "allow: []"),
                "publish.transfer",
                "an empty allow-list lets nobody transfer");
    }

    @Test
    void anEmptyAllowListLetsNobodyTransferEvenWithTsig() throws Exception {
        TransferConfig t = file.load(
                        replace(VALID, "allow: [192.0.2.0/24, \"2001:db8::/32\", 198.51.100.7]", "allow: []"))
                .publish()
                .transfer()
                .orElseThrow();
        assertThat(t.allow()).isEmpty();
        assertThat(TransferSettings.from(t).allows(InetAddress.getByName("192.0.2.1")))
                .isFalse();
        assertThat(TransferSettings.from(t).allows(InetAddress.getByName("127.0.0.1")))
                .isFalse();
    }

    @Test
    void tsigWithoutAnAllowListLetsAnyAddressHoldingTheKeyTransfer() throws Exception {
        TransferConfig t = file.load(replace(VALID, "    allow: [192.0.2.0/24, \"2001:db8::/32\", 198.51.100.7]\n", ""))
                .publish()
                .transfer()
                .orElseThrow();
        assertThat(t.tsig()).isPresent();
        assertThat(TransferSettings.from(t).allows(InetAddress.getByName("203.0.113.9")))
                .isTrue();
        assertThat(TransferSettings.from(t).allows(InetAddress.getByName("2001:db8:1::9")))
                .isTrue();
    }

    @Test
    void readsZoneLimitsAndDefaultsThem() throws Exception {
        assertThat(file.load(VALID).zones().get(0).limits()).isEqualTo(ZoneLimits.defaults());
        NodeConfig c = file.load(VALID + "zone-limits:\n  max-file-size: 64m\n  max-include-size: 1k\n"
                + "  max-records: 1000\n  max-generate-records: 10\n");
        assertThat(c.zones())
                .allSatisfy(z -> assertThat(z.limits()).isEqualTo(new ZoneLimits(64L << 20, 1024, 1000, 10)));
        file.fails(
                VALID + "zone-limits: {max-file-size: lots}\n",
                "zone-limits.max-file-size",
                "'lots' is not a size like 1048576, 64k, 512m or 2g");
        file.fails(VALID + "zone-limits: {max-records: 0}\n", "zone-limits.max-records", "must be at least 1");
        file.fails(VALID + "zone-limits: {max-lines: 5}\n", "zone-limits.max-lines", "unknown key");
    }

    @Test
    void refusesBadTsigSettings() throws Exception {
        file.fails(
                replace(VALID, "algorithm: HMAC-SHA256", "algorithm: hmac-md5"),
                "publish.transfer.tsig.algorithm",
                "'hmac-md5' is not one of [hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512]");
        file.fails(replace(VALID, "      name: transfer-key\n", ""), "publish.transfer.tsig.name", "missing");
        file.fails(
                replace(VALID, "secret-file: tsig.secret", "secret-file: nope.secret"),
                "publish.transfer.tsig.secret-file",
                "file not found: " + dir.resolve("nope.secret"));
        Files.writeString(dir.resolve("tsig.secret"), "not base64 at all!\n");
        file.fails(VALID, "publish.transfer.tsig.secret-file", "does not hold a base64 secret");
        Files.writeString(dir.resolve("tsig.secret"), "\n");
        file.fails(VALID, "publish.transfer.tsig.secret-file", "holds an empty secret");
    }

    @Test
    void refusesMissingOrBadListenAddresses() throws Exception {
        file.fails(replace(VALID, "grpc:\n  listen: 127.0.0.1:7443\n", ""), "grpc", "missing");
        file.fails(
                replace(VALID, "grpc:\n  listen: 127.0.0.1:7443\n", "grpc:\n  port: 7443\n"),
                "grpc.port",
                "unknown key");
        file.fails(replace(VALID, "grpc:\n  listen: 127.0.0.1:7443\n", "grpc: {}\n"), "grpc.listen", "missing");
        file.fails(
                replace(VALID, "listen: 127.0.0.1:9105", "listen: 127.0.0.1:7443"),
                "metrics.listen",
                "same address as grpc.listen (127.0.0.1:7443)");
    }

    @Test
    void metricsListenOnTheLoopbackUnlessConfigured() throws Exception {
        NodeConfig c = file.load(replace(VALID, "metrics:\n  listen: 127.0.0.1:9105\n", ""));

        assertThat(c.metricsListen()).isEqualTo(new Endpoint("127.0.0.1", NodeConfigLoader.DEFAULT_METRICS_PORT));
    }

    @Test
    void refusesMissingOrUnusableTlsFiles() throws Exception {
        file.fails(
                replace(VALID, "ca: tls/ca.crt", "ca: tls/nope.crt"),
                "tls.ca",
                "file not found: " + dir.resolve("tls/nope.crt"));
        file.fails(replace(VALID, "  key: tls/dc1-signer.key\n", ""), "tls.key", "missing");
        TestPki.create(dir.resolve("other"), "other-ca").issue("dc1-signer");
        file.fails(
                replace(VALID, "key: tls/dc1-signer.key", "key: other/dc1-signer.key"),
                "tls.key",
                "private key does not belong to certificate");
        file.fails(
                replace(VALID, "cert: tls/dc1-signer.crt", "cert: policy.yaml"),
                "tls.cert",
                dir.resolve("policy.yaml") + ": ");
        file.fails(replace(VALID, "ca: tls/ca.crt", "ca: tsig.secret"), "tls.ca", dir.resolve("tsig.secret") + ": ");
    }

    @Test
    void readsThePeersAndDefaultsToNone() throws Exception {
        NodeConfig c = file.load(VALID + "peers:\n  - {name: dc2-signer, endpoint: \"dc2.example:7443\"}\n"
                + "  - name: dc3-signer\n    endpoint: \"[2001:db8::3]:7443\"\n");
        assertThat(c.peers())
                .containsExactly(
                        new PeerConfig("dc2-signer", new Endpoint("dc2.example", 7443)),
                        new PeerConfig("dc3-signer", new Endpoint("2001:db8::3", 7443)));
        assertThat(c.summary())
                .contains("peers (new keys are replicated to them before they are published):"
                        + " dc2-signer at dc2.example:7443, dc3-signer at [2001:db8::3]:7443");
        assertThat(file.load(VALID).peers()).isEmpty();
        assertThat(file.load(VALID).summary())
                .contains("peers (new keys are replicated to them before they are published):"
                        + " none (a new key is published as soon as this node's HSM proves it)");
    }

    @Test
    void refusesBadPeers() throws Exception {
        file.fails(VALID + "peers: {name: dc2-signer}\n", "peers", "expected a list");
        file.fails(VALID + "peers: [dc2-signer]\n", "peers[0]", "expected a mapping with name and endpoint");
        file.fails(VALID + "peers: [{name: dc2-signer}]\n", "peers[0].endpoint", "missing");
        file.fails(VALID + "peers: [{endpoint: \"h:1\"}]\n", "peers[0].name", "missing");
        file.fails(
                VALID + "peers: [{name: dc2-signer, endpoint: \"h:1\", tls: x}]\n",
                "peers[0].tls",
                "unknown key; expected one of [endpoint, name]");
        file.fails(
                VALID + "peers: [{name: dc2-signer, endpoint: \"dc2.example\"}]\n",
                "peers[0].endpoint",
                "'dc2.example' is not host:port");
        file.fails(
                VALID + "peers: [{name: dc2-signer, endpoint: \"dc2.example:0\"}]\n",
                "peers[0].endpoint",
                "port 0 cannot be sent to");
        file.fails(
                VALID + "peers: [{name: dc1-signer, endpoint: \"h:1\"}]\n",
                "peers[0].name",
                "'dc1-signer' is this node (node.name)");
        file.fails(
                VALID + "peers: [{name: dc2-signer, endpoint: \"h:1\"}, {name: dc2-signer, endpoint: \"h:2\"}]\n",
                "peers[1].name",
                "peer 'dc2-signer' is listed twice");
        file.fails(
                VALID + "peers: [{name: dc2-signer, endpoint: \"h:1\"}, {name: dc3-signer, endpoint: \"h:1\"}]\n",
                "peers[1].endpoint",
                "'h:1' is listed twice");
        file.fails(
                VALID + "peers: [{name: \"dc 2\", endpoint: \"h:1\"}]\n", "peers[0].name", "must be letters, digits");
    }
}
