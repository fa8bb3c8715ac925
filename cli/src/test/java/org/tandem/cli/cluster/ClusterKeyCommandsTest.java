package org.tandem.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyProtos;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.SoftwareKeys;
import org.tandem.proto.coordinator.v1.ClusterKekStatus;
import org.tandem.proto.coordinator.v1.ClusterKey;
import org.tandem.proto.coordinator.v1.ClusterKeys;
import org.tandem.proto.coordinator.v1.EnrolKekOrder;
import org.tandem.proto.coordinator.v1.GenerateKeyOrder;
import org.tandem.proto.coordinator.v1.GenerateKeyResult;
import org.tandem.proto.coordinator.v1.GetClusterKeysRequest;
import org.tandem.proto.coordinator.v1.InitKekOrder;
import org.tandem.proto.coordinator.v1.KekOrderResult;
import org.tandem.proto.coordinator.v1.KeyPresence;
import org.tandem.proto.coordinator.v1.KeyPresenceProblem;
import org.tandem.proto.coordinator.v1.NodeKek;
import org.tandem.proto.coordinator.v1.PreflightCheck;
import org.tandem.proto.coordinator.v1.PreflightResult;
import org.tandem.proto.coordinator.v1.Refusal;
import org.tandem.proto.coordinator.v1.StepDownRequest;
import org.tandem.proto.coordinator.v1.SyncKeysOrder;
import org.tandem.proto.coordinator.v1.SyncKeysResult;
import org.tandem.proto.coordinator.v1.ZoneKeys;
import org.tandem.proto.keysync.v1.KeyRole;

/**
 * The cluster forms of {@code kek} and {@code keys} ({@code --config}) against a Coordinator served
 * over real mutual TLS (TestPki): what each sends, its table and JSON, its exit codes, and the usage
 * errors between the two forms.
 */
class ClusterKeyCommandsTest extends FakeCoordinatorTestBase {
    private static final String Z = "example.test.";

    private String c() {
        return config.toString();
    }

    // ---- which form

    @Test
    void bothFormsOrNeitherIsAUsageErrorThatSaysWhichToUse() throws Exception {
        Path hsm = Files.writeString(dir.resolve("hsm.yaml"), "hsms: []\n");
        assertThat(run("kek", "status", "--config", c(), "--hsm-config", hsm.toString()))
                .isEqualTo(2);
        assertThat(err)
                .contains("kek status: give either --config FILE (the cluster, through the coordinator) or"
                        + " --hsm-config FILE (this host's HSMs), not both");
        assertThat(run("--config", c(), "keys", "sync", "--zone", Z, "--hsm-config", hsm.toString()))
                .isEqualTo(2);
        assertThat(err).contains("not both");
        assertThat(run("keys", "verify", "--zone", Z)).isEqualTo(2);
        assertThat(err)
                .contains("keys verify: give --config signerctl.yaml to order it through the coordinator, or"
                        + " --hsm-config hsm.yaml for this host's HSMs");
        assertThat(run("kek", "init")).isEqualTo(2);
        assertThat(err).contains("kek init: give --config");
        assertThat(run("keys", "list", "--zone", Z, "--config", c())).isEqualTo(2);
        assertThat(err).contains("keys list works on this host's HSMs only: give --hsm-config FILE");
        assertThat(run("keys", "delete", "--zone", Z, "--hsm", "h", "--fingerprint", FP_ZSK, "--config", c()))
                .isEqualTo(2);
        assertThat(run("keys", "sync", "--zone", Z, "--config", c(), "--replace-diverged"))
                .isEqualTo(2);
        assertThat(err).contains("--replace-diverged belongs to the --hsm-config form");
        assertThat(run("keys", "sync", "--zone", Z, "--config", c(), "--from", "node-a"))
                .isEqualTo(2);
        assertThat(run("keys", "verify", "--zone", Z, "--config", c(), "--zookeeper", "127.0.0.1:2181"))
                .isEqualTo(2);
        assertThat(err).contains("--zookeeper and --audit-log belong to the --hsm-config form");
        assertThat(run("kek", "init", "--config", c())).isEqualTo(2);
        assertThat(err).contains("give --on NODE");
        assertThat(run("kek", "init", "--hsm-config", hsm.toString(), "--on", "node-a"))
                .isEqualTo(2);
        assertThat(err).contains("--on belongs to the --config form");
        assertThat(run("kek", "enrol", "--config", c(), "--to", "node-b")).isEqualTo(2);
        assertThat(err).contains("give --from NODE");
        assertThat(run("kek", "enrol", "--hsm-config", hsm.toString(), "--to", "h2", "--to-hsm", "x"))
                .isEqualTo(2);
        assertThat(run("keys", "generate", "--config", c(), "--zone", Z, "--role", "zsk"))
                .isEqualTo(2);
        assertThat(err).contains("give --on NODE");
        assertThat(run("keys", "generate", "--config", c(), "--zone", Z, "--role", "zsk", "--on", "../x"))
                .isEqualTo(2);
        assertThat(coordinator.requests)
                .as("no usage error reached the coordinator")
                .isEmpty();
    }

    // ---- kek

    @Test
    void kekStatusShowsEveryNodesHsmsAndExit1WhenTheyDoNotShareOneKek() throws Exception {
        coordinator.kekStatus = ClusterKekStatus.newBuilder()
                .setConsistent(true)
                .addNodes(NodeKek.newBuilder().setNode("node-a").setHsm("hsm-a").setCheckValue("a1b2c3"))
                .addNodes(NodeKek.newBuilder().setNode("node-b").setHsm("hsm-b").setCheckValue("a1b2c3"))
                .build();
        assertThat(run("--config", c(), "kek", "status")).isEqualTo(0);
        assertThat(lineWith("node-b")).contains("hsm-b").contains("a1b2c3");
        assertThat(out).contains("every HSM of every node holds the same cluster KEK");

        coordinator.kekStatus = ClusterKekStatus.newBuilder()
                .setConsistent(false)
                .addNodes(NodeKek.newBuilder().setNode("node-a").setHsm("hsm-a").setCheckValue("a1b2c3"))
                .addNodes(NodeKek.newBuilder().setNode("node-b").setError("GetKekStatus on node-b failed: UNAVAILABLE"))
                .build();
        assertThat(run("kek", "status", "--config", c(), "--json")).isEqualTo(1);
        JsonNode j = JSON.readTree(out);
        assertThat(j.get("consistent").asBoolean()).isFalse();
        assertThat(j.get("nodes").get(1).get("check_value").isNull()).isTrue();
        assertThat(j.get("nodes").get(1).get("error").asText()).contains("UNAVAILABLE");
    }

    @Test
    void kekInitOrdersTheNamedNodesHsm() throws Exception {
        coordinator.kekOrder = KekOrderResult.newBuilder()
                .setFrom("node-a")
                .setFromHsm("hsm-a")
                .setFromCheckValue("a1b2c3")
                .setMatch(true)
                .build();
        assertThat(run("kek", "init", "--config", c(), "--on", "node-a", "--hsm", "hsm-a"))
                .isEqualTo(0);
        InitKekOrder o = coordinator.requests(InitKekOrder.class).get(0);
        assertThat(o.getNode() + "/" + o.getHsm()).isEqualTo("node-a/hsm-a");
        assertThat(out).contains("cluster KEK generated inside node-a/hsm-a, check value a1b2c3");
        assertThat(run("kek", "init", "--config", c(), "--on", "node-a", "--json"))
                .isEqualTo(0);
        assertThat(JSON.readTree(out).get("check_value").asText()).isEqualTo("a1b2c3");
        assertThat(coordinator.requests(InitKekOrder.class).get(1).getHsm()).isEmpty();
    }

    @Test
    void kekEnrolPrintsBothCheckValuesAndFailsWhenTheyDiffer() throws Exception {
        coordinator.kekOrder = KekOrderResult.newBuilder()
                .setFrom("node-a")
                .setFromHsm("hsm-a")
                .setFromCheckValue("a1b2c3")
                .setTo("node-b")
                .setToHsm("hsm-b")
                .setToCheckValue("a1b2c3")
                .setMatch(true)
                .build();
        assertThat(run("kek", "enrol", "--config", c(), "--from", "node-a", "--to", "node-b", "--to-hsm", "hsm-b"))
                .isEqualTo(0);
        EnrolKekOrder o = coordinator.requests(EnrolKekOrder.class).get(0);
        assertThat(o.getFrom() + "/" + o.getFromHsm() + " " + o.getTo() + "/" + o.getToHsm())
                .isEqualTo("node-a/ node-b/hsm-b");
        assertThat(lineWith("holder")).contains("node-a/hsm-a").contains("a1b2c3");
        assertThat(lineWith("enrolled")).contains("node-b/hsm-b").contains("a1b2c3");
        assertThat(out).contains("match: yes");

        coordinator.kekOrder = KekOrderResult.newBuilder(coordinator.kekOrder)
                .setToCheckValue("000001")
                .setMatch(false)
                .build();
        assertThat(run("kek", "enrol", "--config", c(), "--from", "node-a", "--to", "node-b"))
                .isEqualTo(6);
        assertThat(out).contains("match: NO").contains("000001");
        assertThat(run("kek", "enroll", "--config", c(), "--from", "node-a", "--to", "node-b", "--json"))
                .isEqualTo(6);
        JsonNode j = JSON.readTree(out);
        assertThat(j.get("match").asBoolean()).isFalse();
        assertThat(j.get("from_check_value").asText()).isEqualTo("a1b2c3");
        assertThat(j.get("to_check_value").asText()).isEqualTo("000001");
    }

    // ---- keys

    @Test
    void keysGenerateOrdersTheNodeAndPrintsTheKey() throws Exception {
        DnssecKey key = SoftwareKeys.p256(ZoneName.of("example.test"), org.tandem.keysync.key.KeyRole.ZSK);
        coordinator.generated = GenerateKeyResult.newBuilder()
                .setNode("node-a")
                .setHsm("hsm-a")
                .setKey(KeyProtos.toProto(key))
                .setFingerprint(key.fingerprint().hex())
                .build();
        assertThat(run(
                        "keys",
                        "generate",
                        "--config",
                        c(),
                        "--zone",
                        "example.test",
                        "--role",
                        "zsk",
                        "--on",
                        "node-a"))
                .isEqualTo(0);
        GenerateKeyOrder o = coordinator.requests(GenerateKeyOrder.class).get(0);
        assertThat(o.getZone()).isEqualTo(Z);
        assertThat(o.getRole()).isEqualTo(KeyRole.ZSK);
        assertThat(o.getAlgorithm()).isEqualTo(13);
        assertThat(o.getOn()).isEqualTo("node-a");
        assertThat(out)
                .contains("generated ZSK " + key.keyTag().value())
                .contains("on node-a/hsm-a")
                .contains(key.fingerprint().hex())
                .contains("keys sync --config");
        assertThat(run(
                        "keys",
                        "generate",
                        "--config",
                        c(),
                        "--zone",
                        Z,
                        "--role",
                        "ksk",
                        "--algorithm",
                        "14",
                        "--on",
                        "node-b",
                        "--hsm",
                        "hsm-b",
                        "--json"))
                .isEqualTo(0);
        GenerateKeyOrder o2 = coordinator.requests(GenerateKeyOrder.class).get(1);
        assertThat(o2.getRole() + " " + o2.getAlgorithm() + " " + o2.getHsm()).isEqualTo("KSK 14 hsm-b");
        assertThat(JSON.readTree(out).get("fingerprint").asText())
                .isEqualTo(key.fingerprint().hex());
        assertThat(JSON.readTree(out).get("state").asText()).isEqualTo("generated");
    }

    private static ClusterKey key(KeyRole role, int tag, String fp, String state, String verdictOnB, String fix) {
        return ClusterKey.newBuilder()
                .setRole(role)
                .setKeyTag(tag)
                .setAlgorithm(13)
                .setFingerprint(fp)
                .setState(state)
                .addPresence(KeyPresence.newBuilder()
                        .setNode("node-a")
                        .setHsm("hsm-a")
                        .setVerdict("ok"))
                .addPresence(KeyPresence.newBuilder()
                        .setNode("node-b")
                        .setHsm("hsm-b")
                        .setVerdict(verdictOnB)
                        .setDetail(
                                verdictOnB.equals("ok")
                                        ? ""
                                        : "same key tag or CKA_ID, another key pair: fp " + FP_OTHER)
                        .setFix(fix))
                .build();
    }

    @Test
    void keysSyncPrintsWhatItCopiedAndWhatItCouldNotRepairWithExit1() throws Exception {
        String fix = "another key pair sits under this key's identity on HSM hsm-b of node-b (DENIC 2026): ...";
        coordinator.synced = SyncKeysResult.newBuilder()
                .setZone(Z)
                .addActions("copied KSK 12345 fp 1a1a1a1a1a1a1a1a from node-a to node-b/hsm-b, proven there")
                .addUnresolved(KeyPresenceProblem.newBuilder()
                        .setRole(KeyRole.ZSK)
                        .setKeyTag(4711)
                        .setFingerprint(FP_ZSK)
                        .setNode("node-b")
                        .setHsm("hsm-b")
                        .setVerdict("different-public-key")
                        .setDetail("fp " + FP_OTHER)
                        .setFix(fix))
                .setAfter(ZoneKeys.newBuilder()
                        .setZone(Z)
                        .addKeys(key(KeyRole.KSK, 12345, FP_KSK, "active", "ok", ""))
                        .addKeys(key(KeyRole.ZSK, 4711, FP_ZSK, "active", "different-public-key", fix)))
                .setKeySynced(false)
                .build();
        assertThat(run("keys", "sync", "--config", c(), "--zone", "example.test"))
                .isEqualTo(1);
        assertThat(coordinator.requests(SyncKeysOrder.class).get(0).getZone()).isEqualTo(Z);
        assertThat(out)
                .contains("copied KSK 12345")
                .contains("NOT key-synced: 1 problem(s)")
                .contains(
                        "zone " + Z + " ZSK tag 4711 fingerprint " + FP_ZSK + " on node-b/hsm-b: different-public-key")
                .contains("fix: " + fix);
        assertThat(out.lines()
                        .filter(l -> l.contains("4711") && l.contains("node-b"))
                        .findFirst()
                        .orElseThrow())
                .contains("hsm-b")
                .contains("different-public-key");

        assertThat(run("keys", "sync", "--config", c(), "--zone", Z, "--json")).isEqualTo(1);
        JsonNode j = JSON.readTree(out);
        assertThat(j.get("key_synced").asBoolean()).isFalse();
        assertThat(j.get("unresolved").get(0).get("fingerprint").asText()).isEqualTo(FP_ZSK);
        assertThat(j.get("unresolved").get(0).get("fix").asText()).isEqualTo(fix);
        assertThat(j.get("after")).hasSize(4);

        coordinator.synced = SyncKeysResult.newBuilder()
                .setZone(Z)
                .setKeySynced(true)
                .setAfter(ZoneKeys.newBuilder().setZone(Z).addKeys(key(KeyRole.KSK, 12345, FP_KSK, "active", "ok", "")))
                .build();
        assertThat(run("keys", "sync", "--config", c(), "--zone", Z)).isEqualTo(0);
        assertThat(out).contains("nothing copied").contains("zone " + Z + ": key-synced");
    }

    @Test
    void keysVerifyDrawsItsOwnNonceAndPrintsTheVerdictTableWithFixes() throws Exception {
        String fix =
                "copy it from a node that holds it proven: signerctl keys sync --config signerctl.yaml --zone " + Z;
        coordinator.keys = ClusterKeys.newBuilder()
                .addZones(ZoneKeys.newBuilder()
                        .setZone(Z)
                        .addKeys(key(KeyRole.KSK, 12345, FP_KSK, "active", "ok", ""))
                        .addKeys(key(KeyRole.ZSK, 4711, FP_ZSK, "generated", "missing", fix)))
                .build();
        assertThat(run("keys", "verify", "--config", c(), "--zone", "example.test"))
                .isEqualTo(1);
        GetClusterKeysRequest req =
                coordinator.requests(GetClusterKeysRequest.class).get(0);
        assertThat(req.getZone()).isEqualTo(Z);
        assertThat(req.getNonce().size()).isEqualTo(32);
        assertThat(out).contains(HexFormat.of().formatHex(req.getNonce().toByteArray()));
        assertThat(out.lines().filter(l -> l.startsWith("ZONE")).findFirst().orElseThrow())
                .contains("ROLE", "TAG", "FINGERPRINT", "NODE", "HSM", "VERDICT", "FIX");
        assertThat(out.lines()
                        .filter(l -> l.contains("4711") && l.contains("node-b"))
                        .findFirst()
                        .orElseThrow())
                .contains(Z, "ZSK", FP_ZSK.substring(0, 16), "generated", "hsm-b", "missing", fix);
        assertThat(out)
                .contains("NOT key-synced: 1 verdict(s) not ok")
                .contains("zone " + Z + " ZSK tag 4711 fingerprint " + FP_ZSK + " on node-b/hsm-b: missing");

        assertThat(run("keys", "verify", "--config", c(), "--zone", Z, "--json"))
                .isEqualTo(1);
        JsonNode j = JSON.readTree(out);
        assertThat(j.get("key_synced").asBoolean()).isFalse();
        assertThat(j.get("nonce_hex").asText())
                .hasSize(64)
                .isEqualTo(HexFormat.of()
                        .formatHex(coordinator
                                .requests(GetClusterKeysRequest.class)
                                .get(1)
                                .getNonce()
                                .toByteArray()));
        assertThat(j.get("nonce_hex").asText())
                .as("a fresh nonce per run")
                .isNotEqualTo(HexFormat.of().formatHex(req.getNonce().toByteArray()));
        JsonNode v = j.get("verdicts").get(3);
        assertThat(v.get("zone").asText()).isEqualTo(Z);
        assertThat(v.get("role").asText()).isEqualTo("ZSK");
        assertThat(v.get("key_tag").asInt()).isEqualTo(4711);
        assertThat(v.get("fingerprint").asText()).isEqualTo(FP_ZSK);
        assertThat(v.get("node").asText()).isEqualTo("node-b");
        assertThat(v.get("hsm").asText()).isEqualTo("hsm-b");
        assertThat(v.get("verdict").asText()).isEqualTo("missing");
        assertThat(v.get("fix").asText()).isEqualTo(fix);

        coordinator.keys = ClusterKeys.newBuilder()
                .addZones(ZoneKeys.newBuilder().setZone(Z).addKeys(key(KeyRole.KSK, 12345, FP_KSK, "active", "ok", "")))
                .build();
        assertThat(run("keys", "verify", "--config", c(), "--zone", Z)).isEqualTo(0);
        assertThat(out).contains("zone " + Z + ": key-synced: 1 key(s)");

        coordinator.keys = ClusterKeys.newBuilder()
                .addZones(ZoneKeys.newBuilder().setZone(Z))
                .build();
        assertThat(run("keys", "verify", "--config", c(), "--zone", Z)).isEqualTo(5);
        assertThat(err).contains("has no keys in its manifest");
    }

    // ---- errors

    @Test
    void coordinatorErrorsMapToTheDocumentedExitCodes() throws Exception {
        coordinator.failure = Status.PERMISSION_DENIED.withDescription(
                "caller bob (OU node) may not call SyncKeys:" + " needs a certificate with OU=operator");
        assertThat(run("keys", "sync", "--config", c(), "--zone", Z)).isEqualTo(15);
        assertThat(err).contains("OU=operator");
        coordinator.failure = Status.FAILED_PRECONDITION.withDescription("the cluster KEK exists already");
        assertThat(run("kek", "init", "--config", c(), "--on", "node-a")).isEqualTo(6);
        assertThat(err).contains("the cluster KEK exists already");
        coordinator.failure = Status.NOT_FOUND.withDescription("node 'node-z' is not in coordinator.yaml");
        assertThat(run("kek", "enrol", "--config", c(), "--from", "node-a", "--to", "node-z"))
                .isEqualTo(2);
        coordinator.failure = null;
        coordinator.failureWithDetails = StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.UNAVAILABLE.value())
                .setMessage("BeginKekEnrolment on node-b failed: UNAVAILABLE")
                .addDetails(Any.pack(ErrorInfo.newBuilder()
                        .setDomain("coordinator.tandem.org")
                        .setReason("NODE_UNREACHABLE")
                        .putMetadata("node", "node-b")
                        .build()))
                .build());
        assertThat(run("kek", "enrol", "--config", c(), "--from", "node-a", "--to", "node-b", "--json"))
                .isEqualTo(10);
        assertThat(err).contains("could not reach node node-b").doesNotContain("cannot reach coordinator");
        assertThat(JSON.readTree(out).get("exit_code").asInt()).isEqualTo(10);

        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        FakeCoordinator.writeOperatorConfig(dir, "127.0.0.1:" + port);
        assertThat(run("kek", "status", "--config", c())).isEqualTo(14);
        assertThat(err).contains("cannot reach coordinator");
    }

    @Test
    void aRefusedStepDownOfTheLeaderPrintsThePreflightAndExits13() throws Exception {
        PreflightResult p = PreflightResult.newBuilder()
                .setFrom("node-a")
                .setTo("node-b")
                .setPassed(false)
                .addChecks(PreflightCheck.newBuilder()
                        .setName("keys-identical")
                        .setZone(Z)
                        .setPassed(false)
                        .setDetail("1 key difference(s) on node-b"))
                .addRefusals(Refusal.newBuilder()
                        .setZone(Z)
                        .setCheck("keys-identical")
                        .setRole(KeyRole.ZSK)
                        .setKeyTag(4711)
                        .setFingerprint(FP_ZSK)
                        .setNode("node-b")
                        .setHsm("hsm-b")
                        .setProblem("ZSK 4711 is missing on HSM hsm-b of node-b")
                        .setFix("signerctl keys sync --config signerctl.yaml --zone " + Z))
                .build();
        coordinator.failureWithDetails = StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.FAILED_PRECONDITION.value())
                .setMessage("the leader node-a may not step down")
                .addDetails(Any.pack(p))
                .build());
        assertThat(run("step-down", "--config", c())).isEqualTo(13);
        assertThat(coordinator.requests(StepDownRequest.class)).hasSize(1);
        assertThat(out)
                .contains("preflight node-a -> node-b: REFUSED")
                .contains("zone " + Z + " check keys-identical ZSK tag 4711 fingerprint " + FP_ZSK
                        + " node node-b HSM hsm-b")
                .contains("fix: signerctl keys sync --config")
                .contains("step-down REFUSED");
        assertThat(run("step-down", "--config", c(), "--json")).isEqualTo(13);
        JsonNode j = JSON.readTree(out);
        assertThat(j.get("performed").asBoolean()).isFalse();
        assertThat(j.get("preflights")
                        .get(0)
                        .get("refusals")
                        .get(0)
                        .get("fingerprint")
                        .asText())
                .isEqualTo(FP_ZSK);

        coordinator.failureWithDetails = null;
        coordinator.failure = Status.FAILED_PRECONDITION.withDescription("node-b refuses: stopping");
        assertThat(run("step-down", "--config", c(), "--node", "node-b"))
                .as("no preflight: a plain refusal")
                .isEqualTo(6);
    }

    private String lineWith(String text) {
        return out.lines()
                .filter(l -> l.contains(text))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no line with '" + text + "' in:\n" + out));
    }
}
