package org.tandem.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tandem.cli.SignerctlRun;
import org.tandem.coordinator.Coordinator;
import org.tandem.coordinator.config.CoordinatorConfig;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.hsm.pkcs11.Pkcs11JvmFlags;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.keysync.testing.TestPki;
import org.tandem.keysync.testing.TestPorts;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;

/**
 * The key ceremonies of a new two-site cluster from an operator host without an HSM: two signer
 * nodes in their own JVMs, each opening only its own SoftHSM2 token (its own hsm.yaml), a real
 * ZooKeeper, the coordinator on real mutual TLS, and {@code signerctl --config signerctl.yaml} with
 * the operator's certificate. The KEK is generated on node-a and enrolled into node-b's token, the
 * keys are generated on node-a and synced to node-b, and {@code keys verify} proves every key on
 * both tokens: every step through the coordinator, its table, JSON and exit code checked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterCeremonyIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String Z = "example.test.";
    private static final Duration WAIT = TestTiming.scaled(Duration.ofSeconds(90));

    private Path dir;
    private TestPki pki;
    private final Map<String, Process> nodes = new LinkedHashMap<>();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final List<Path> tokensOf = new ArrayList<>();
    private Coordinator coordinator;
    private Path operator;
    private Path auditFile;
    private String out;
    private String err;

    @BeforeAll
    void cluster() throws Exception {
        Prerequisites.requireSoftHsm();
        SoftHsmTokens tokens = SoftHsmTokens.shared();
        dir = Files.createTempDirectory("cluster-ceremony-it");
        String root = "/ceremony-it-" + Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);
        pki = TestPki.create(dir.resolve("pki"), "cluster-ceremony-it CA");
        Files.createDirectories(dir.resolve("zones"));
        Files.writeString(dir.resolve("zones/example.test.zone"), """
                $ORIGIN example.test.
                $TTL 3600
                @        SOA   ns1 hostmaster 2026120100 7200 3600 1209600 300
                @        NS    ns1
                ns1      A     192.0.2.53
                """, StandardCharsets.US_ASCII);
        for (String[] n : new String[][] {{"node-a", "dc1-hsm1", "dc1"}, {"node-b", "dc2-hsm1", "dc2"}}) {
            HsmSpec token = tokens.allocate(n[1]);
            // each node opens only its own site's token
            Path hsmYaml = dir.resolve(n[0] + "-hsm.yaml");
            Files.writeString(
                    hsmYaml,
                    "hsms:\n  - name: " + n[1] + "\n    library: " + token.library()
                            + "\n    token-label: " + token.tokenLabel() + "\n    pin-file: " + token.pinFile()
                            + "\n    so-pin-file: " + token.soPinFile().orElseThrow()
                            + "\nzookeeper: " + ZK.connectString() + "\nzookeeper-root: " + root
                            + "\naudit-log: " + dir.resolve(n[0] + "-audit.jsonl") + "\n");
            tokensOf.add(hsmYaml);
            TlsMaterial tls = pki.issue(n[0], "node");
            int port = freePort();
            ports.put(n[0], port);
            Path config = dir.resolve(n[0] + ".yaml");
            Files.createDirectories(dir.resolve("published-" + n[0]));
            Files.writeString(
                    config,
                    "node: {name: " + n[0] + ", site: " + n[2] + "}\n"
                            + "hsm-config: " + hsmYaml + "\n"
                            + "zones:\n  - name: " + Z + "\n    source: zones/example.test.zone\n"
                            + "zookeeper: {connect: \"" + ZK.connectString() + "\", session-timeout: 5s, root: " + root
                            + ", insecure-plaintext: true}\n"
                            + "publish:\n  directory: published-" + n[0] + "\n"
                            + "grpc: {listen: \"127.0.0.1:" + port + "\"}\n"
                            + "metrics: {listen: \"127.0.0.1:0\"}\n"
                            + "tls: {ca: " + tls.trustedCertificates() + ", cert: " + tls.certificateChain() + ", key: "
                            + tls.privateKey() + "}\n");
            nodes.put(n[0], startNode(n[0], config, tokens.environment()));
        }
        TlsMaterial c = pki.issue("coordinator", "coordinator");
        auditFile = dir.resolve("coordinator-audit.jsonl");
        Path yaml = dir.resolve("coordinator.yaml");
        Files.writeString(
                yaml,
                "coordinator: {name: ceremony-it}\nnodes:\n"
                        + "  - {name: node-a, site: dc1, endpoint: \"127.0.0.1:" + ports.get("node-a") + "\"}\n"
                        + "  - {name: node-b, site: dc2, endpoint: \"127.0.0.1:" + ports.get("node-b") + "\"}\n"
                        + "zookeeper: {connect: \"" + ZK.connectString() + "\", root: " + root
                        + ", insecure-plaintext: true}\n"
                        + "grpc: {listen: \"127.0.0.1:0\"}\n"
                        + "metrics: {listen: \"127.0.0.1:0\"}\n"
                        + "tls: {ca: " + c.trustedCertificates() + ", cert: " + c.certificateChain() + ", key: "
                        + c.privateKey()
                        + "}\n"
                        + "audit-log: " + auditFile + "\n");
        coordinator = Coordinator.start(CoordinatorConfig.load(yaml), Clock.systemUTC());
        operator = signerctlYaml("alice", "operator");
        for (var e : ports.entrySet()) {
            TestTiming.until(WAIT, e.getKey() + " listens on " + e.getValue(), () -> listens(e.getValue()));
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (coordinator != null) {
            coordinator.close();
        }
        for (Process p : nodes.values()) {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    @Order(1)
    void theKekIsGeneratedOnOneSiteAndEnrolledIntoTheOthersToken() throws Exception {
        assertThat(run("kek", "status", "--config", operator.toString()))
                .as(out + err)
                .isEqualTo(1);
        assertThat(out).contains("(none)").contains("do NOT share one KEK");

        assertThat(run("kek", "init", "--config", operator.toString(), "--on", "node-a", "--json"))
                .as(err)
                .isZero();
        String kcv = JSON.readTree(out).get("check_value").asText();
        assertThat(kcv).matches("[0-9a-f]{6}");
        assertThat(JSON.readTree(out).get("hsm").asText()).isEqualTo("dc1-hsm1");

        assertThat(run("kek", "init", "--config", operator.toString(), "--on", "node-b"))
                .isEqualTo(6);
        assertThat(err).contains("node-a/dc1-hsm1 holds one with check value " + kcv);

        assertThat(run("kek", "enrol", "--config", operator.toString(), "--from", "node-a", "--to", "node-b"))
                .as(out + err)
                .isZero();
        assertThat(out)
                .contains("check value on node-a/dc1-hsm1 (holder): " + kcv)
                .contains("check value on node-b/dc2-hsm1 (enrolled): " + kcv)
                .contains("match: yes");

        assertThat(run("--config", operator.toString(), "kek", "status", "--json"))
                .isZero();
        JsonNode s = JSON.readTree(out);
        assertThat(s.get("consistent").asBoolean()).isTrue();
        assertThat(s.get("nodes"))
                .extracting(n -> n.get("node").asText() + "/" + n.get("hsm").asText() + "="
                        + n.get("check_value").asText())
                .containsExactly("node-a/dc1-hsm1=" + kcv, "node-b/dc2-hsm1=" + kcv);
        assertThat(orderDetails())
                .contains(
                        "\"caller\":\"alice\"",
                        "\"order\":\"EnrolKek\"",
                        "done: node-b/dc2-hsm1 has check value " + kcv);
        assertThat(Files.readString(dir.resolve("node-b-audit.jsonl")))
                .as("the node audits who ordered it")
                .contains("CompleteKekEnrolment caller=coordinator ordered_by=alice");
    }

    @Test
    @Order(2)
    void keysGeneratedOnOneNodeAreSyncedToTheOtherAndProvenOnBoth() throws Exception {
        assertThat(run(
                        "keys",
                        "generate",
                        "--config",
                        operator.toString(),
                        "--zone",
                        "example.test",
                        "--role",
                        "ksk",
                        "--on",
                        "node-a",
                        "--json"))
                .as(err)
                .isZero();
        String ksk = JSON.readTree(out).get("fingerprint").asText();
        assertThat(JSON.readTree(out).get("state").asText()).isEqualTo("generated");
        assertThat(run(
                        "keys",
                        "generate",
                        "--config",
                        operator.toString(),
                        "--zone",
                        "example.test",
                        "--role",
                        "zsk",
                        "--on",
                        "node-a"))
                .as(err)
                .isZero();
        assertThat(out).contains("generated ZSK").contains("on node-a/dc1-hsm1").contains("keys sync --config");

        // node-b lacks both: the cluster-wide table names them with the fix
        assertThat(run("keys", "verify", "--config", operator.toString(), "--zone", "example.test", "--json"))
                .as(out + err)
                .isEqualTo(1);
        JsonNode before = JSON.readTree(out);
        assertThat(before.get("key_synced").asBoolean()).isFalse();
        assertThat(before.get("verdicts"))
                .filteredOn(v -> v.get("node").asText().equals("node-b"))
                .hasSize(2)
                .allSatisfy(v -> {
                    assertThat(v.get("verdict").asText()).isEqualTo("missing");
                    assertThat(v.get("hsm").asText()).isEqualTo("dc2-hsm1");
                    assertThat(v.get("fix").asText()).contains("signerctl keys sync --config");
                });
        assertThat(before.get("verdicts"))
                .filteredOn(v -> v.get("node").asText().equals("node-a"))
                .extracting(v -> v.get("verdict").asText())
                .containsExactly("ok", "ok");

        assertThat(run("keys", "sync", "--config", operator.toString(), "--zone", "example.test"))
                .as(out + err)
                .isZero();
        assertThat(out.lines().filter(l -> l.startsWith("copied ")).toList())
                .hasSize(2)
                .allSatisfy(l -> assertThat(l).contains("from node-a to node-b/dc2-hsm1"));
        assertThat(out).contains("zone " + Z + ": key-synced");

        assertThat(run("keys", "verify", "--config", operator.toString(), "--zone", "example.test"))
                .as(out + err)
                .isZero();
        assertThat(out).contains("key-synced: 2 key(s) present and proven on every HSM of every node");
        assertThat(out.lines()
                        .filter(l -> l.startsWith(Z) && l.contains(ksk.substring(0, 16)))
                        .toList())
                .hasSize(2)
                .allSatisfy(l -> assertThat(l).contains("KSK", " ok"));

        assertThat(run("keys", "sync", "--config", operator.toString(), "--zone", Z, "--json"))
                .isZero();
        JsonNode again = JSON.readTree(out);
        assertThat(again.get("actions")).as("nothing left to copy").isEmpty();
        assertThat(again.get("key_synced").asBoolean()).isTrue();
        assertThat(again.get("after"))
                .hasSize(4)
                .allSatisfy(v -> assertThat(v.get("verdict").asText()).isEqualTo("ok"));
        assertThat(orderDetails()).contains("\"order\":\"SyncKeys\"", "done: key-synced; 2 key(s) copied");
    }

    @Test
    @Order(3)
    void aNodeCertificateMayVerifyButNotOrderAndNeitherFormIsAUsageError() throws Exception {
        Path node = signerctlYaml("node-x", "node");
        assertThat(run("keys", "verify", "--config", node.toString(), "--zone", Z))
                .as(out + err)
                .isZero();
        assertThat(run("keys", "sync", "--config", node.toString(), "--zone", Z))
                .isEqualTo(15);
        assertThat(err).contains("PERMISSION_DENIED").contains("OU=operator");
        assertThat(run("keys", "generate", "--config", node.toString(), "--zone", Z, "--role", "zsk", "--on", "node-b"))
                .isEqualTo(15);
        assertThat(run(
                        "keys",
                        "sync",
                        "--config",
                        operator.toString(),
                        "--hsm-config",
                        tokensOf.get(0).toString(),
                        "--zone",
                        Z))
                .isEqualTo(2);
        assertThat(err).contains("not both");
        assertThat(run(
                        "keys",
                        "generate",
                        "--config",
                        operator.toString(),
                        "--zone",
                        Z,
                        "--role",
                        "zsk",
                        "--on",
                        "node-z"))
                .isEqualTo(2);
        assertThat(err).contains("node-z");
    }

    // ---------------------------------------------------------------------------------------------

    private int run(String... args) {
        SignerctlRun r = SignerctlRun.of(args);
        out = r.out();
        err = r.err();
        return r.code();
    }

    private Path signerctlYaml(String cn, String ou) throws Exception {
        TlsMaterial m = pki.issue(cn, ou);
        Path f = dir.resolve("signerctl-" + cn + ".yaml");
        Files.writeString(
                f,
                "coordinator: \"127.0.0.1:" + coordinator.port() + "\"\n"
                        + "tls: {ca: " + m.trustedCertificates() + ", cert: " + m.certificateChain() + ", key: "
                        + m.privateKey()
                        + "}\n");
        return f;
    }

    private Process startNode(String name, Path config, Map<String, String> env) throws IOException {
        Path log = dir.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        Pkcs11JvmFlags.ADD_EXPORTS,
                        "-Xmx256m",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "org.tandem.signer.node.SignerNodeMain",
                        "--config",
                        config.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        return pb.start();
    }

    private static boolean listens(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        return TestPorts.free();
    }

    /** The coordinator's order lines' {@code detail}: the JSON it writes per order (checkpoints too). */
    private String orderDetails() throws Exception {
        StringBuilder b = new StringBuilder();
        for (String line : Files.readAllLines(auditFile)) {
            b.append(JSON.readTree(line).get("detail").asText()).append('\n');
        }
        return b.toString();
    }
}
