package org.tandem.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.Status;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.tandem.cli.ExitCode;
import org.tandem.cli.Terminal;
import org.tandem.keysync.testing.TestPki;
import org.tandem.proto.coordinator.v1.ClusterKey;
import org.tandem.proto.coordinator.v1.ClusterKeys;
import org.tandem.proto.coordinator.v1.ClusterStatus;
import org.tandem.proto.coordinator.v1.FailoverRequest;
import org.tandem.proto.coordinator.v1.FailoverResult;
import org.tandem.proto.coordinator.v1.GetClusterKeysRequest;
import org.tandem.proto.coordinator.v1.KeyPresence;
import org.tandem.proto.coordinator.v1.NodeRole;
import org.tandem.proto.coordinator.v1.NodeView;
import org.tandem.proto.coordinator.v1.NodeZoneView;
import org.tandem.proto.coordinator.v1.PreflightCheck;
import org.tandem.proto.coordinator.v1.PreflightRequest;
import org.tandem.proto.coordinator.v1.PreflightResult;
import org.tandem.proto.coordinator.v1.Refusal;
import org.tandem.proto.coordinator.v1.StepDownRequest;
import org.tandem.proto.coordinator.v1.StepDownResult;
import org.tandem.proto.coordinator.v1.ZoneKeys;
import org.tandem.proto.coordinator.v1.ZoneView;
import org.tandem.proto.keysync.v1.KeyRole;

/**
 * The cluster commands against a Coordinator served over real mutual TLS (TestPki): config handling,
 * tables, JSON, exit codes, the refused preflight and the confirmation prompt.
 */
class ClusterCommandsTest extends FakeCoordinatorTestBase {

    private final List<String> prompts = new ArrayList<>();

    private static Terminal noTerminal() {
        return prompt -> Optional.empty();
    }

    private Terminal answering(String answer) {
        return prompt -> {
            prompts.add(prompt);
            return Optional.of(answer);
        };
    }

    // ---- configuration

    @Test
    void aMissingConfigFileIsExit8NamingTheFile() {
        assertThat(run("--config", dir.resolve("nope.yaml").toString(), "status"))
                .isEqualTo(8);
        assertThat(err).contains("nope.yaml").contains("file not found");
    }

    @Test
    void configErrorsNameFileKeyAndReason() throws Exception {
        String tls = "tls: {ca: tls/ca.crt, cert: tls/operator.crt, key: tls/operator.key}\n";
        refusesConfig(tls, "signerctl.yaml: coordinator: missing");
        refusesConfig("coordinator: \"127.0.0.1:99999\"\n" + tls, "coordinator: port must be 1..65535");
        refusesConfig(
                "coordinator: \"127.0.0.1:7500\"\n" + tls.replace("tls/operator.crt", "tls/missing.crt"),
                "tls.cert: file not found",
                dir.resolve("tls/missing.crt").toString());
        refusesConfig("coordinator: \"127.0.0.1:7500\"\nendpoint: x\n" + tls, "endpoint: unknown key");
        // a key that is not the certificate's is named as tls.key
        refusesConfig(
                "coordinator: \"127.0.0.1:7500\"\n" + tls.replace("tls/operator.key", "tls/coordinator.key"),
                "tls.key");
        assertThat(coordinator.requests).isEmpty();
    }

    /** {@code status} with this {@code signerctl.yaml} is exit 8, its error naming every one of {@code expected}. */
    private void refusesConfig(String yaml, String... expected) throws Exception {
        Files.writeString(config, yaml);
        assertThat(run("--config", config.toString(), "status")).as(yaml).isEqualTo(8);
        assertThat(err).contains(expected);
    }

    @Test
    void relativePathsAreTakenFromTheFilesDirectoryAndTheOptionMayFollowTheCommand() throws Exception {
        coordinator.status = status();
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        // --config given after the command, the working directory is not the file's
        assertThat(run("status", "--config", config.toString())).isEqualTo(0);
        assertThat(coordinator.callers).containsExactly("operator");
        assertThat(elsewhere).isEmptyDirectory();
    }

    @Test
    void anUnreachableCoordinatorIsExit14() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        FakeCoordinator.writeOperatorConfig(dir, "127.0.0.1:" + port);
        assertThat(run("--config", config.toString(), "status")).isEqualTo(14);
        assertThat(err).contains("cannot reach coordinator 127.0.0.1:" + port).contains("nothing was changed");
        assertThat(run("--config", config.toString(), "--json", "status"))
                .isEqualTo(2); // --json belongs to the command
        assertThat(run("--config", config.toString(), "status", "--json")).isEqualTo(14);
        assertThat(JSON.readTree(out).get("kind").asText()).isEqualTo("coordinator_unreachable");
    }

    @Test
    void refusesANodeAnsweringAtTheCoordinatorsAddress() throws Exception {
        // A node's certificate from the same cluster CA, valid for the address: signerctl still
        // refuses it during the handshake, because it talks only to OU=coordinator.
        TestPki pki = TestPki.create(dir.resolve("tls"), "Tandem test CA");
        FakeCoordinator impostor = new FakeCoordinator(pki.issue("dc1-signer", "node"));
        pki.issue("operator", "operator");
        try {
            FakeCoordinator.writeOperatorConfig(dir, "127.0.0.1:" + impostor.port());
            assertThat(run("--config", config.toString(), "status")).isEqualTo(14);
            assertThat(err)
                    .contains("TLS handshake refused")
                    .contains("CN=dc1-signer")
                    .contains("talks only to a server with OU=coordinator");
            assertThat(impostor.requests).isEmpty();
        } finally {
            impostor.close();
        }
    }

    @Test
    void aRefusedCertificateIsExit15() {
        coordinator.failure = Status.PERMISSION_DENIED.withDescription("failover needs OU=operator or OU=coordinator");
        assertThat(run("--config", config.toString(), "step-down")).isEqualTo(15);
        assertThat(err).contains("PERMISSION_DENIED").contains("OU=operator");
    }

    @Test
    void anUnknownNodeFromTheCoordinatorIsUsageAndAMalformedNameNeverLeaves() {
        coordinator.failure = Status.NOT_FOUND.withDescription("no node 'node-c' in coordinator.yaml");
        assertThat(run("--config", config.toString(), "preflight", "--to", "node-c"))
                .isEqualTo(2);
        assertThat(err).contains("node-c");
        int calls = coordinator.requests.size();
        assertThat(run("--config", config.toString(), "preflight", "--to", "../x"))
                .isEqualTo(2);
        assertThat(run("--config", config.toString(), "failover", "--to", "node-b", "--yes", "--timeout", "soon"))
                .isEqualTo(2);
        assertThat(run(
                        "--config",
                        config.toString(),
                        "failover",
                        "--to",
                        "node-b",
                        "--yes",
                        "--reason",
                        "x".repeat(201)))
                .isEqualTo(2);
        assertThat(run("--config", config.toString(), "failover")).isEqualTo(2);
        assertThat(coordinator.requests).hasSize(calls);
    }

    // ---- status

    private static ClusterStatus status() {
        return ClusterStatus.newBuilder()
                .setEpoch(2)
                .setLeader("node-b")
                .setTakenAtMillis(1_764_600_000_000L)
                .addNodes(NodeView.newBuilder()
                        .setName("node-a")
                        .setSite("dc1")
                        .setEndpoint("127.0.0.1:7443")
                        .setRole(NodeRole.NOT_ELIGIBLE)
                        .setEpoch(2)
                        .addReasons("held off after a step-down until 20:31:00Z")
                        .addZones(NodeZoneView.newBuilder()
                                .setZone("example.test.")
                                .setSerial(2026120101)
                                .setHasSerial(true)
                                .setEarliestExpirySeconds(1_765_800_000L)
                                .setKeySync("synced")
                                .setGate("passed")
                                .setCanary("passed")))
                .addNodes(NodeView.newBuilder()
                        .setName("node-b")
                        .setSite("dc2")
                        .setEndpoint("127.0.0.1:7444")
                        .setRole(NodeRole.LEADER)
                        .setEpoch(2)
                        .setLeaseRemainingMillis(4200)
                        .addZones(NodeZoneView.newBuilder()
                                .setZone("example.test.")
                                .setSerial((int) 4_000_000_000L)
                                .setHasSerial(true)
                                .setEarliestExpirySeconds(1_765_900_000L)
                                .setKeySync("not-synced")
                                .addKeySyncReasons("ZSK tag 4711 missing on node-b")
                                .setGate("passed")
                                .setCanary("passed")))
                .addZones(ZoneView.newBuilder()
                        .setZone("example.test.")
                        .setPublished(true)
                        .setCommittedSerial((int) 4_000_000_000L)
                        .setCommittedEpoch(2)
                        .setCommittedBy("node-b")
                        .setCommittedAtMillis(1_764_600_000_000L))
                .addProblems("ZooKeeper answered slowly")
                .build();
    }

    @Test
    void statusPrintsNodesRolesEpochZonesAndTheLedger() {
        coordinator.status = status();
        assertThat(run("--config", config.toString(), "status")).isEqualTo(0);
        assertThat(out).contains("cluster epoch 2, leader node-b");
        assertThat(lineWith("node-a  "))
                .contains("dc1")
                .contains("NOT_ELIGIBLE")
                .contains("held off");
        assertThat(lineWith("node-b  ")).contains("LEADER").contains("4.2s");
        assertThat(out)
                .contains("4000000000")
                .contains("2025-12-15T") // unsigned serial, expiry as UTC
                .contains("not-synced")
                .contains("ZSK tag 4711 missing on node-b")
                .contains("publish ledger")
                .contains("ZooKeeper answered slowly");
    }

    @Test
    void statusJson() throws Exception {
        coordinator.status = status();
        assertThat(run("--config", config.toString(), "status", "--json")).isEqualTo(0);
        JsonNode j = JSON.readTree(out);
        assertThat(j.get("epoch").asLong()).isEqualTo(2);
        assertThat(j.get("leader").asText()).isEqualTo("node-b");
        assertThat(j.get("nodes").get(1).get("role").asText()).isEqualTo("leader");
        assertThat(j.get("nodes").get(1).get("zones").get(0).get("serial").asLong())
                .isEqualTo(4_000_000_000L);
        assertThat(j.get("zones").get(0).get("committed_by").asText()).isEqualTo("node-b");
    }

    // ---- keys --cluster

    private static ClusterKey key(KeyRole role, int tag, String fp, String verdictOnB) {
        return ClusterKey.newBuilder()
                .setRole(role)
                .setKeyTag(tag)
                .setAlgorithm(13)
                .setFingerprint(fp)
                .setState("active")
                .setNextEvent("active; signatures refresh from 2026-12-08")
                .setPublishedSinceSeconds(1_764_500_000L)
                .addPresence(KeyPresence.newBuilder()
                        .setNode("node-a")
                        .setHsm("node-a")
                        .setVerdict("ok"))
                .addPresence(KeyPresence.newBuilder()
                        .setNode("node-b")
                        .setHsm("node-b")
                        .setVerdict(verdictOnB)
                        .setDetail(verdictOnB.equals("ok") ? "" : "holds fingerprint " + FP_OTHER))
                .build();
    }

    @Test
    void keysClusterShowsEveryKeyWithPresencePerHsmAndExit1WhenOneDiffers() throws Exception {
        coordinator.keys = ClusterKeys.newBuilder()
                .addZones(ZoneKeys.newBuilder()
                        .setZone("example.test.")
                        .setDnskeyTtlSeconds(3600)
                        .addKeys(key(KeyRole.KSK, 12345, FP_KSK, "ok"))
                        .addKeys(key(KeyRole.ZSK, 4711, FP_ZSK, "different-public-key")))
                .build();
        assertThat(run("--config", config.toString(), "keys", "--cluster", "--zone", "example.test"))
                .isEqualTo(1);
        assertThat(coordinator.requests(GetClusterKeysRequest.class).get(0).getZone())
                .isEqualTo("example.test");
        assertThat(out).contains("DNSKEY TTL 3600 s").contains("node-a/node-a").contains("node-b/node-b");
        assertThat(lineWith("KSK"))
                .contains("12345")
                .contains(FP_KSK.substring(0, 16))
                .contains("active")
                .contains("ok");
        assertThat(lineWith("ZSK  ")).contains("4711").contains("different-public-key");
        assertThat(out)
                .contains("zone example.test. ZSK tag 4711 fingerprint " + FP_ZSK + " on node-b/node-b: "
                        + "different-public-key (holds fingerprint " + FP_OTHER + ")");

        assertThat(run("--config", config.toString(), "keys", "--cluster", "--json"))
                .isEqualTo(1);
        JsonNode z = JSON.readTree(out).get("zones").get(0);
        assertThat(z.get("keys").get(1).get("fingerprint").asText()).isEqualTo(FP_ZSK);
        assertThat(z.get("keys").get(1).get("presence").get(1).get("verdict").asText())
                .isEqualTo("different-public-key");
        assertThat(z.get("keys").get(0).get("published_since").asText()).isEqualTo("2025-11-30T10:53:20Z");

        coordinator.keys = ClusterKeys.newBuilder()
                .addZones(ZoneKeys.newBuilder()
                        .setZone("example.test.")
                        .addKeys(key(KeyRole.KSK, 12345, FP_KSK, "ok"))
                        .addKeys(key(KeyRole.ZSK, 4711, FP_ZSK, "ok")))
                .build();
        assertThat(run("--config", config.toString(), "keys", "--cluster")).isEqualTo(0);
        assertThat(out).contains("2 key(s), present and proven on all 2 HSM(s)");
    }

    @Test
    void keysWithoutSubcommandOrClusterIsUsage() {
        assertThat(run("keys")).isEqualTo(2);
        assertThat(err).contains("--cluster");
    }

    // ---- preflight and failover

    /** node-b leads in epoch 3 and committed serial 2026120105 after 7.4 s. */
    private static FailoverResult failoverToNodeBDone() {
        return FailoverResult.newBuilder()
                .setPreflight(passed())
                .setPerformed(true)
                .setNewLeader("node-b")
                .setNewEpoch(3)
                .setFirstSerial(2026120105)
                .setTookMillis(7400)
                .build();
    }

    private static PreflightResult passed() {
        return PreflightResult.newBuilder()
                .setFrom("node-a")
                .setTo("node-b")
                .setPassed(true)
                .setNonceHex("ab12")
                .setCheckedAtMillis(1_764_600_000_000L)
                .addChecks(PreflightCheck.newBuilder()
                        .setName("keys-identical")
                        .setZone("example.test.")
                        .setPassed(true)
                        .setDetail("2 keys, same fingerprints on node-a and node-b"))
                .addChecks(PreflightCheck.newBuilder()
                        .setName("possession")
                        .setZone("example.test.")
                        .setPassed(true)
                        .setDetail("every key signed nonce ab12 on node-b"))
                .build();
    }

    private static PreflightResult refused() {
        return PreflightResult.newBuilder(passed())
                .setPassed(false)
                .setChecks(
                        1,
                        PreflightCheck.newBuilder()
                                .setName("possession")
                                .setZone("example.test.")
                                .setPassed(false)
                                .setDetail("ZSK 4711 does not sign on node-b"))
                .addRefusals(Refusal.newBuilder()
                        .setZone("example.test.")
                        .setCheck("possession")
                        .setRole(KeyRole.ZSK)
                        .setKeyTag(4711)
                        .setFingerprint(FP_ZSK)
                        .setNode("node-b")
                        .setHsm("node-b")
                        .setProblem("node-b's HSM holds another key pair under ZSK tag 4711")
                        .setFix("run signerctl keys sync --from node-a --replace-diverged --zone example.test."))
                .build();
    }

    @Test
    void aRefusedPreflightNamesZoneRoleTagFingerprintHsmAndFixWithExit13() throws Exception {
        coordinator.preflight = refused();
        assertThat(run("--config", config.toString(), "preflight", "--to", "node-b"))
                .isEqualTo(13);
        assertThat(coordinator.requests(PreflightRequest.class).get(0).getTo()).isEqualTo("node-b");
        assertThat(out).contains("preflight node-a -> node-b: REFUSED");
        assertThat(lineWith("possession")).contains("FAILED");
        assertThat(out)
                .contains("zone example.test. check possession ZSK tag 4711 fingerprint " + FP_ZSK
                        + " node node-b HSM node-b")
                .contains("problem: node-b's HSM holds another key pair")
                .contains("fix: run signerctl keys sync --from node-a --replace-diverged --zone example.test.");

        assertThat(run("--config", config.toString(), "preflight", "--to", "node-b", "--json"))
                .isEqualTo(13);
        JsonNode r = JSON.readTree(out).get("refusals").get(0);
        assertThat(r.get("role").asText()).isEqualTo("ZSK");
        assertThat(r.get("key_tag").asInt()).isEqualTo(4711);
        assertThat(r.get("fingerprint").asText()).isEqualTo(FP_ZSK);
        assertThat(r.get("hsm").asText()).isEqualTo("node-b");
        assertThat(r.get("fix").asText()).startsWith("run signerctl keys sync");
    }

    @Test
    void aPassingPreflightIsExit0() {
        coordinator.preflight = passed();
        assertThat(run("--config", config.toString(), "preflight", "--to", "node-b"))
                .isEqualTo(0);
        assertThat(out).contains("PASSED");
    }

    @Test
    void failoverRefusedByThePreflightNeverOrdersTheCutOverNorAsks() {
        coordinator.preflight = refused();
        assertThat(run(answering("node-b"), "--config", config.toString(), "failover", "--to", "node-b"))
                .isEqualTo(13);
        assertThat(prompts).isEmpty();
        assertThat(coordinator.requests(FailoverRequest.class)).isEmpty();
        assertThat(out).contains("REFUSED").contains("fix: run signerctl keys sync");
    }

    @Test
    void failoverWithoutTerminalAndWithoutYesRefusesWithUsage() {
        coordinator.preflight = passed();
        assertThat(run(noTerminal(), "--config", config.toString(), "failover", "--to", "node-b"))
                .isEqualTo(2);
        assertThat(err).contains("no terminal to confirm on").contains("--yes");
        assertThat(coordinator.requests(FailoverRequest.class)).isEmpty();
    }

    @Test
    void failoverAsksAndGoesOnlyWhenTheNewLeadersNameIsTyped() {
        coordinator.preflight = passed();
        coordinator.failover = failoverToNodeBDone();
        assertThat(run(answering("yes"), "--config", config.toString(), "failover", "--to", "node-b"))
                .isEqualTo(17);
        assertThat(prompts).hasSize(1);
        assertThat(prompts.get(0)).contains("node-a").contains("node-b");
        assertThat(coordinator.requests(FailoverRequest.class)).isEmpty();
        assertThat(out).contains("PASSED").contains("not confirmed");

        assertThat(run(
                        answering("node-b"),
                        "--config",
                        config.toString(),
                        "failover",
                        "--to",
                        "node-b",
                        "--reason",
                        "dc1 maintenance",
                        "--timeout",
                        "30s"))
                .isEqualTo(0);
        FailoverRequest req = coordinator.requests(FailoverRequest.class).get(0);
        assertThat(req.getTo()).isEqualTo("node-b");
        assertThat(req.getReason()).isEqualTo("dc1 maintenance");
        assertThat(req.getTimeoutMillis()).isEqualTo(30_000);
        assertThat(out).contains("failover done: node-b leads in epoch 3 and committed serial 2026120105, 7.4 s");
    }

    @Test
    void failoverWithYesDoesNotAskAndJsonIsOneDocument() throws Exception {
        coordinator.preflight = passed();
        coordinator.failover = failoverToNodeBDone();
        assertThat(run(answering("no"), "--config", config.toString(), "failover", "--to", "node-b", "--yes", "--json"))
                .isEqualTo(0);
        assertThat(prompts).isEmpty();
        JsonNode j = JSON.readTree(out);
        assertThat(j.get("performed").asBoolean()).isTrue();
        assertThat(j.get("new_epoch").asLong()).isEqualTo(3);
        assertThat(j.get("preflight").get("passed").asBoolean()).isTrue();
        assertThat(coordinator.requests(FailoverRequest.class).get(0).getTimeoutMillis())
                .isEqualTo(120_000);
    }

    @Test
    void failoverRefusedAtTheCoordinatorOrNotSeenInTimeHaveTheirOwnCodes() {
        coordinator.preflight = passed();
        coordinator.failover = FailoverResult.newBuilder()
                .setPreflight(refused())
                .setPerformed(false)
                .setOutcome("the preflight failed on the second run")
                .build();
        assertThat(run("--config", config.toString(), "failover", "--to", "node-b", "--yes"))
                .isEqualTo(13);
        assertThat(out)
                .contains("failover NOT performed: the preflight failed on the second run")
                .contains("fix: run signerctl keys sync");

        coordinator.failover = FailoverResult.newBuilder()
                .setPreflight(passed())
                .setPerformed(true)
                .setOutcome("no publication by node-b within 120 s")
                .build();
        assertThat(run("--config", config.toString(), "failover", "--to", "node-b", "--yes"))
                .isEqualTo(16);
        assertThat(out).contains("failover INCOMPLETE").contains("no publication by node-b within 120 s");
    }

    // ---- step-down

    @Test
    void stepDownOrdersTheNamedNodeOrTheLeader() throws Exception {
        coordinator.stepDown = StepDownResult.newBuilder()
                .setNode("node-a")
                .setWasLeader(true)
                .setEpoch(4)
                .build();
        assertThat(run("--config", config.toString(), "step-down", "--reason", "patching dc1"))
                .isEqualTo(0);
        StepDownRequest req = coordinator.requests(StepDownRequest.class).get(0);
        assertThat(req.getNode()).isEmpty();
        assertThat(req.getReason()).isEqualTo("patching dc1");
        assertThat(out).contains("node-a stepped down from epoch 4");

        coordinator.stepDown = StepDownResult.newBuilder().setNode("node-b").build();
        assertThat(run("--config", config.toString(), "step-down", "--node", "node-b", "--json"))
                .isEqualTo(0);
        assertThat(coordinator.requests(StepDownRequest.class).get(1).getNode()).isEqualTo("node-b");
        assertThat(JSON.readTree(out).get("was_leader").asBoolean()).isFalse();

        coordinator.failure = Status.FAILED_PRECONDITION.withDescription("node-b refuses: stopping");
        assertThat(run("--config", config.toString(), "step-down", "--node", "node-b"))
                .isEqualTo(6);
        assertThat(err).contains("node-b refuses: stopping");
    }

    @Test
    void everyNewExitCodeIsDistinct() {
        assertThat(Arrays.stream(ExitCode.values())
                        .map(ExitCode::code)
                        .distinct()
                        .count())
                .isEqualTo(ExitCode.values().length);
        assertThat(ExitCode.PREFLIGHT_REFUSED.code()).isEqualTo(13);
        assertThat(ExitCode.COORDINATOR_UNREACHABLE.code()).isEqualTo(14);
    }

    private String lineWith(String text) {
        return out.lines()
                .filter(l -> l.contains(text))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no line with '" + text + "' in:\n" + out));
    }
}
