package org.tandem.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tandem.coordinator.config.CoordinatorConfig;
import org.tandem.keysync.KeySync;
import org.tandem.keysync.grpc.MtlsChannels;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.KeySyncedTokens;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.keysync.testing.StrayKeys;
import org.tandem.keysync.testing.TestPki;
import org.tandem.keysync.testing.TestPorts;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.proto.coordinator.v1.ClusterStatus;
import org.tandem.proto.coordinator.v1.CoordinatorGrpc;
import org.tandem.proto.coordinator.v1.FailoverRequest;
import org.tandem.proto.coordinator.v1.FailoverResult;
import org.tandem.proto.coordinator.v1.GetClusterKeysRequest;
import org.tandem.proto.coordinator.v1.GetClusterStatusRequest;
import org.tandem.proto.coordinator.v1.NodeRole;
import org.tandem.proto.coordinator.v1.NodeView;
import org.tandem.proto.coordinator.v1.PreflightRequest;
import org.tandem.proto.coordinator.v1.PreflightResult;
import org.tandem.proto.coordinator.v1.Refusal;
import org.tandem.proto.coordinator.v1.StepDownRequest;
import org.tandem.proto.coordinator.v1.ZoneView;
import org.tandem.proto.signer.v1.ReloadRequest;
import org.tandem.proto.signer.v1.SignerNodeGrpc;
import org.tandem.signer.election.ClusterConnection;
import org.tandem.signer.election.PublishLedger;
import org.tandem.signer.election.PublishRecord;
import org.tandem.signer.node.NodeProcess;

/**
 * The coordinator against a real cluster: two signer-node JVMs on their own SoftHSM2 tokens, a real
 * ZooKeeper, keys generated and replicated by keysync, the coordinator in this JVM on real mutual
 * TLS. One cluster for the class; each refusal plants its fault on the standby's token (behind
 * Tandem's back, as an outside tool would), asserts the diff, and repairs with keys sync. Then a
 * cut-over that passes, validated with ldns-verify-zone, and last the APNIC timing refusal (a fresh
 * ZSK, not published for the DNSKEY TTL).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CoordinatorIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    static final ZoneName ZONE = ZoneName.of("example.test");
    static final String Z = "example.test.";
    static final Duration SESSION = Duration.ofSeconds(5);
    static final Duration WAIT = Duration.ofSeconds(120);
    static final long DNSKEY_TTL = 3600;

    private Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final Map<String, NodeProcess> nodes = new HashMap<>();
    private final Clock clock = Clock.systemUTC();
    private KeySyncedTokens tokens;
    private String root;
    private KeySync keySync;
    private PublishLedger ledger;
    private TestPki pki;
    private Coordinator coordinator;
    private Path auditFile;
    private CoordinatorGrpc.CoordinatorBlockingStub operator;

    @BeforeAll
    void cluster() throws Exception {
        Prerequisites.requireSoftHsm();
        Prerequisites.requireTool("ldns-verify-zone", "ldnsutils");
        dir = Files.createTempDirectory("coordinator-it");
        root = "/coordinator-it-" + Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);
        tokens = KeySyncedTokens.create(
                List.of("node-a", "node-b"), ZONE, ZK.connectString(), root, dir.resolve("keysync-audit.jsonl"));
        open.add(tokens);
        keySync = tokens.keySync();
        ClusterConnection cluster =
                ClusterConnection.connect(ZK.clientSettings(), root, Duration.ofSeconds(20), Duration.ofSeconds(10));
        open.add(cluster);
        ledger = cluster.ledger(clock);
        pki = TestPki.create(dir.resolve("pki"), "coordinator-it CA");
        Files.createDirectories(dir.resolve("zones"));
        Files.writeString(dir.resolve("policy.yaml"), "dnskey-ttl: " + DNSKEY_TTL + "\n");
        for (String n : List.of("node-a", "node-b")) {
            writeZone(n, "");
        }
        nodes.put("node-a", start("node-a"));
        awaitPublish(r -> r.node().equals("node-a"), "node-a publishes");
        nodes.put("node-b", start("node-b"));

        TlsMaterial c = pki.issue("coordinator", "coordinator");
        auditFile = dir.resolve("coordinator-audit.jsonl");
        Path yaml = dir.resolve("coordinator.yaml");
        Files.writeString(
                yaml,
                "coordinator: {name: coordinator-it}\nnodes:\n"
                        + "  - {name: node-a, site: dc1, endpoint: \"127.0.0.1:" + grpcPort("node-a") + "\"}\n"
                        + "  - {name: node-b, site: dc2, endpoint: \"127.0.0.1:" + grpcPort("node-b") + "\"}\n"
                        + "zookeeper: {connect: \"" + ZK.connectString() + "\", root: " + root
                        + ", insecure-plaintext: true}\n"
                        + "grpc: {listen: \"127.0.0.1:0\"}\n"
                        + "metrics: {listen: \"127.0.0.1:0\"}\n"
                        + "tls: {ca: " + c.trustedCertificates() + ", cert: " + c.certificateChain() + ", key: "
                        + c.privateKey()
                        + "}\n"
                        + "audit-log: " + auditFile + "\n"
                        + "preflight: {min-expiry-after-takeover: 1d, wait-for-publish: 90s}\n");
        coordinator = Coordinator.start(CoordinatorConfig.load(yaml), clock);
        ManagedChannel ch = MtlsChannels.open("127.0.0.1:" + coordinator.port(), pki.issue("alice", "operator"));
        open.add(ch::shutdownNow);
        operator = CoordinatorGrpc.newBlockingStub(ch);
        awaitRoles("node-a", "node-b");
    }

    @AfterAll
    void stop() throws Exception {
        if (coordinator != null) {
            coordinator.close();
        }
        for (NodeProcess n : nodes.values()) {
            n.stop(Duration.ofSeconds(20)); // SIGTERM: the nodes leave the election cleanly
        }
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    @Order(1)
    void theClusterViewShowsLeaderStandbyLedgerAndProvenKeys() throws Exception {
        ClusterStatus s = operator.getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
        assertThat(s.getLeader()).isEqualTo("node-a");
        assertThat(s.getEpoch()).isEqualTo(ledger.currentEpoch());
        ZoneView z = s.getZones(0);
        assertThat(z.getZone()).isEqualTo(Z);
        assertThat(z.getCommittedBy()).isEqualTo("node-a");
        assertThat(Integer.toUnsignedLong(z.getCommittedSerial()))
                .isEqualTo(ledger.last(ZONE).orElseThrow().serial());
        var keys = operator.getClusterKeys(
                GetClusterKeysRequest.newBuilder().setZone(Z).build());
        assertThat(keys.getProblemsList()).isEmpty();
        assertThat(keys.getZones(0).getKeysList()).hasSize(2).allSatisfy(k -> {
            assertThat(k.getPresenceList())
                    .extracting(p -> p.getNode() + "/" + p.getVerdict())
                    .containsExactlyInAnyOrder("node-a/ok", "node-b/ok");
            assertThat(k.getPublishedSinceSeconds()).isPositive();
        });
        assertThat(keys.getZones(0).getDnskeyTtlSeconds()).isEqualTo(DNSKEY_TTL);
    }

    @Test
    @Order(2)
    void clientsWithoutACertificateOrFromAnotherCaCannotCallAnyMethod() throws Exception {
        TlsMaterial rogue = TestPki.create(dir.resolve("rogue-pki"), "rogue CA").issue("mallory", "operator");
        ManagedChannel untrusted = MtlsChannels.open(
                "127.0.0.1:" + coordinator.port(),
                new TlsMaterial(rogue.certificateChain(), rogue.privateKey(), pki.caCertificate()));
        ManagedChannel anonymous = NettyChannelBuilder.forTarget(
                        "127.0.0.1:" + coordinator.port(),
                        TlsChannelCredentials.newBuilder()
                                .trustManager(pki.caCertificate().toFile())
                                .build())
                .build();
        long auditLines = auditLines();
        try {
            for (ManagedChannel ch : List.of(untrusted, anonymous)) {
                var stub = CoordinatorGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
                List<Supplier<Object>> calls = List.of(
                        () -> stub.getClusterStatus(GetClusterStatusRequest.getDefaultInstance()),
                        () -> stub.getClusterKeys(GetClusterKeysRequest.getDefaultInstance()),
                        () -> stub.preflight(
                                PreflightRequest.newBuilder().setTo("node-b").build()),
                        () -> stub.failover(
                                FailoverRequest.newBuilder().setTo("node-b").build()),
                        () -> stub.stepDown(StepDownRequest.getDefaultInstance()));
                for (Supplier<Object> call : calls) {
                    assertThatThrownBy(call::get)
                            .isInstanceOf(StatusRuntimeException.class)
                            .satisfies(e -> assertThat(((StatusRuntimeException) e)
                                            .getStatus()
                                            .getCode())
                                    .isEqualTo(Status.Code.UNAVAILABLE));
                }
            }
        } finally {
            untrusted.shutdownNow();
            anonymous.shutdownNow();
        }
        assertThat(auditLines()).as("nothing reached the service").isEqualTo(auditLines);
        assertThat(ledger.last(ZONE).orElseThrow().node()).isEqualTo("node-a");

        // a cluster certificate without the operator/coordinator role may read, not order
        ManagedChannel node = MtlsChannels.open("127.0.0.1:" + coordinator.port(), pki.issue("node-x", "node"));
        try {
            var stub = CoordinatorGrpc.newBlockingStub(node).withDeadlineAfter(60, TimeUnit.SECONDS);
            assertThat(stub.getClusterStatus(GetClusterStatusRequest.getDefaultInstance())
                            .getLeader())
                    .isEqualTo("node-a");
            assertThatThrownBy(() -> stub.failover(
                            FailoverRequest.newBuilder().setTo("node-b").build()))
                    .isInstanceOf(StatusRuntimeException.class)
                    .satisfies(e -> {
                        Status st = ((StatusRuntimeException) e).getStatus();
                        assertThat(st.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                        assertThat(st.getDescription()).contains("node-x", "OU=operator");
                    });
            assertThatThrownBy(() -> stub.stepDown(StepDownRequest.getDefaultInstance()))
                    .isInstanceOf(StatusRuntimeException.class)
                    .satisfies(e -> assertThat(
                                    ((StatusRuntimeException) e).getStatus().getCode())
                            .isEqualTo(Status.Code.PERMISSION_DENIED));
        } finally {
            node.shutdownNow();
        }
        assertThat(auditDetails()).contains("\"caller\":\"node-x\"", "denied");
        assertThat(ledger.last(ZONE).orElseThrow().node()).isEqualTo("node-a");
    }

    @Test
    @Order(3)
    void refusedWhenTheStandbyLacksTheZsk() throws Exception {
        HsmKey zsk = key("node-b", KeyRole.ZSK);
        DnssecKey manifestZsk = manifestKey(KeyRole.ZSK);
        StrayKeys.remove(tokens.spec("node-b"), zsk.ref().objectId());
        try {
            FailoverResult r = operator.withDeadlineAfter(180, TimeUnit.SECONDS)
                    .failover(FailoverRequest.newBuilder()
                            .setTo("node-b")
                            .setReason("test: missing ZSK")
                            .build());
            assertThat(r.getPerformed()).isFalse();
            Refusal x = refusal(r.getPreflight(), "keys-identical", KeyRole.ZSK);
            assertThat(x.getZone()).isEqualTo(Z);
            assertThat(x.getKeyTag()).isEqualTo(manifestZsk.keyTag().value());
            assertThat(x.getFingerprint()).isEqualTo(manifestZsk.fingerprint().hex());
            assertThat(x.getNode()).isEqualTo("node-b");
            assertThat(x.getHsm()).isEqualTo("node-b");
            assertThat(x.getProblem()).contains("missing");
            assertThat(x.getFix()).contains("keys sync", "node-a");
            assertThat(ledger.last(ZONE).orElseThrow().node()).isEqualTo("node-a");
            String audit = auditDetails();
            assertThat(audit)
                    .contains(
                            "\"caller\":\"alice\"",
                            "\"order\":\"Failover\"",
                            "test: missing ZSK",
                            manifestZsk.fingerprint().hex(),
                            "refused by the preflight");
        } finally {
            repair();
        }
    }

    @Test
    @Order(4)
    void refusedWhenTheStandbyHoldsAnotherKeyPairUnderTheZsksIdentity() throws Exception {
        HsmKey zsk = key("node-b", KeyRole.ZSK);
        DnssecKey manifestZsk = manifestKey(KeyRole.ZSK);
        StrayKeys.replaceKeyPair(tokens.spec("node-b"), zsk.label(), zsk.ref().objectId()); // DENIC 2026
        try {
            PreflightResult p = preflight("node-b");
            Refusal x = refusal(p, "keys-identical", KeyRole.ZSK);
            assertThat(x.getZone()).isEqualTo(Z);
            assertThat(x.getKeyTag()).isEqualTo(manifestZsk.keyTag().value());
            assertThat(x.getHsm()).isEqualTo("node-b");
            assertThat(x.getFingerprint())
                    .hasSize(64)
                    .isNotEqualTo(manifestZsk.fingerprint().hex());
            assertThat(x.getProblem())
                    .contains("different key pair", manifestZsk.fingerprint().hex());
            assertThat(x.getFix()).contains("keys delete", "--fingerprint " + x.getFingerprint());
        } finally {
            repair();
        }
    }

    @Test
    @Order(5)
    void refusedWhenTheStandbysPrivateKeyDoesNotMatch() throws Exception {
        HsmKey zsk = key("node-b", KeyRole.ZSK);
        DnssecKey manifestZsk = manifestKey(KeyRole.ZSK);
        StrayKeys.replacePrivateKeyOnly(
                tokens.spec("node-b"), zsk.label(), zsk.ref().objectId());
        try {
            PreflightResult p = preflight("node-b");
            Refusal x = refusal(p, "possession", KeyRole.ZSK);
            assertThat(x.getZone()).isEqualTo(Z);
            assertThat(x.getKeyTag()).isEqualTo(manifestZsk.keyTag().value());
            assertThat(x.getFingerprint()).isEqualTo(manifestZsk.fingerprint().hex());
            assertThat(x.getHsm()).isEqualTo("node-b");
            assertThat(x.getProblem()).contains("does not verify", "private key does not match");
            assertThat(p.getRefusalsList()).noneMatch(r -> r.getCheck().equals("keys-identical"));
        } finally {
            repair();
        }
    }

    @Test
    @Order(6)
    void refusedWhenTheStandbysCanaryFails() throws Exception {
        // a record type the signer refuses (RFC 6895 meta type range) in the standby's copy of the zone
        writeZone("node-b", "canary   TYPE200 \\# 1 00\n");
        try {
            PreflightResult p = preflight("node-b");
            Refusal x = p.getRefusalsList().stream()
                    .filter(r -> r.getCheck().equals("canary"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no canary refusal in " + p));
            assertThat(x.getZone()).isEqualTo(Z);
            assertThat(x.getNode()).isEqualTo("node-b");
            assertThat(x.getHsm()).isEqualTo("node-b");
            assertThat(x.getProblem()).contains("canary", "TYPE200");
            assertThat(p.getRefusalsList()).extracting(Refusal::getCheck).containsOnly("canary");
        } finally {
            writeZone("node-b", "");
        }
    }

    @Test
    @Order(7)
    void aCutOverThatPassesThePreflightMovesLeadershipAndTheNewLeaderPublishesAValidZone() throws Exception {
        awaitRoles("node-a", "node-b");
        PublishRecord before = ledger.last(ZONE).orElseThrow();
        FailoverResult r = operator.withDeadlineAfter(240, TimeUnit.SECONDS)
                .failover(FailoverRequest.newBuilder()
                        .setTo("node-b")
                        .setReason("test: planned cut-over")
                        // the old leader is held off the election for this timeout + 10 s; awaitRoles waits it out
                        .setTimeoutMillis(30_000)
                        .build());
        assertThat(r.getPreflight().getRefusalsList())
                .as(r.getPreflight().toString())
                .isEmpty();
        assertThat(r.getPreflight().getPassed()).isTrue();
        assertThat(r.getPreflight().getFrom()).isEqualTo("node-a");
        assertThat(r.getPreflight().getChecksList())
                .extracting(c -> c.getName())
                .contains(
                        "keys-identical",
                        "possession",
                        "published-long-enough",
                        "retired-keys-published",
                        "canary",
                        "serial-epoch-current",
                        "expiry-safe");
        assertThat(r.getPerformed()).as(r.getOutcome()).isTrue();
        assertThat(r.getNewLeader()).as(r.getOutcome()).isEqualTo("node-b");
        assertThat(r.getNewEpoch()).isGreaterThan(before.epoch());
        assertThat(Integer.toUnsignedLong(r.getFirstSerial())).isGreaterThan(before.serial());
        PublishRecord after = ledger.last(ZONE).orElseThrow();
        assertThat(after.node()).isEqualTo("node-b");
        assertThat(after.dnskeyFingerprints())
                .as("same DNSKEY RRset")
                .isEqualTo(before.dnskeyFingerprints())
                .hasSize(2);
        Path published = dir.resolve("published-node-b/example.test").resolve(after.serial() + ".zone");
        // the ledger commit comes a moment before the promote into the directory
        TestTiming.until(
                Duration.ofSeconds(20), "node-b promotes serial " + after.serial(), () -> Files.exists(published));
        validates(published);
        assertThat(auditDetails()).contains("test: planned cut-over", "performed: node-b leads");
        awaitRoles("node-b", "node-a");
        String metrics = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + coordinator.metricsPort() + "/metrics"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(metrics)
                .contains("tandem_coordinator_failovers_completed_total{coordinator=\"coordinator-it\"} 1.0")
                .contains("tandem_coordinator_preflight_ok{coordinator=\"coordinator-it\",node=\"node-b\","
                        + "zone=\"example.test.\"} 1")
                .contains("tandem_coordinator_node_reachable{coordinator=\"coordinator-it\",node=\"node-a\"} 1.0");
    }

    @Test
    @Order(8)
    void refusedWhenAFreshKeyIsNotYetPublishedForTheDnskeyTtl() throws Exception {
        // node-b leads now; a second ZSK, synced everywhere, is at most seconds old in the DNSKEY RRset
        DnssecKey fresh = keySync.generate(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256, new HsmId("node-b"));
        assertThat(keySync.sync(ZONE, Optional.empty(), false).after().keySynced())
                .isTrue();
        // the leader re-signs at once (signerctl reload) and publishes the new DNSKEY RRset
        ManagedChannel ch = MtlsChannels.open("127.0.0.1:" + grpcPort("node-b"), pki.issue("alice", "operator"));
        try {
            SignerNodeGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .reload(ReloadRequest.newBuilder().addZones(Z).build());
        } finally {
            ch.shutdownNow();
        }
        awaitPublish(r -> r.dnskeyFingerprints().contains(fresh.fingerprint().hex()), "the fresh ZSK is published");
        PreflightResult p = preflight("node-a");
        assertThat(p.getFrom()).isEqualTo("node-b");
        Refusal x = p.getRefusalsList().stream()
                .filter(r -> r.getCheck().equals("published-long-enough"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no published-long-enough refusal in " + p));
        assertThat(x.getZone()).isEqualTo(Z);
        assertThat(x.getRole()).isEqualTo(org.tandem.proto.keysync.v1.KeyRole.ZSK);
        assertThat(x.getKeyTag()).isEqualTo(fresh.keyTag().value());
        assertThat(x.getFingerprint()).isEqualTo(fresh.fingerprint().hex());
        assertThat(x.getNode()).isEqualTo("node-a");
        assertThat(x.getHsm()).isEqualTo("node-a");
        assertThat(x.getProblem()).contains("is published since", "less than the DNSKEY TTL " + DNSKEY_TTL + " s");
        assertThat(x.getFix()).startsWith("wait until ");
        assertThat(p.getRefusalsList())
                .filteredOn(r -> r.getCheck().equals("published-long-enough"))
                .as("only the fresh key; the old ones are published since the first version")
                .hasSize(1);
        assertThat(p.getPassed()).isFalse();
    }

    // ---------------------------------------------------------------------------------------------

    private PreflightResult preflight(String to) {
        return operator.withDeadlineAfter(180, TimeUnit.SECONDS)
                .preflight(PreflightRequest.newBuilder().setTo(to).build());
    }

    private static Refusal refusal(PreflightResult p, String check, KeyRole role) {
        return p.getRefusalsList().stream()
                .filter(r -> r.getCheck().equals(check) && r.getRole().name().equals(role.name()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + check + " refusal for a " + role + " in " + p));
    }

    /** Repairs the standby's token from the other: removes whatever sits under the key's id, syncs. */
    private void repair() throws Exception {
        DnssecKey zsk = manifestKey(KeyRole.ZSK);
        StrayKeys.remove(tokens.spec("node-b"), zsk.fingerprint().bytes());
        assertThat(keySync.sync(ZONE, Optional.empty(), false).after().keySynced())
                .isTrue();
        awaitRoles("node-a", "node-b"); // the standby's own key check lets it back into the election
    }

    private HsmKey key(String node, KeyRole role) throws Exception {
        DnssecKey m = manifestKey(role);
        return tokens.hsm(node).list(ZONE).stream()
                .filter(k -> k.fingerprint().filter(m.fingerprint()::equals).isPresent())
                .findFirst()
                .orElseThrow();
    }

    private DnssecKey manifestKey(KeyRole role) throws Exception {
        return keySync.manifest(ZONE).live().stream()
                .filter(e -> e.key().role() == role)
                .findFirst()
                .orElseThrow()
                .key();
    }

    private void writeZone(String node, String extra) throws IOException {
        Files.writeString(dir.resolve("zones/" + node + ".zone"), """
                $ORIGIN example.test.
                $TTL 3600
                @        SOA   ns1 hostmaster 2026120100 7200 3600 1209600 300
                @        NS    ns1
                ns1      A     192.0.2.53
                www      A     192.0.2.80
                www      AAAA  2001:db8::80
                @        CAA   0 issue "ca.example"
                """ + extra, StandardCharsets.US_ASCII);
    }

    private final Map<String, Integer> grpcPorts = new HashMap<>();

    private int grpcPort(String node) {
        return grpcPorts.get(node);
    }

    private NodeProcess start(String node) throws Exception {
        Path hsmYaml = dir.resolve(node + "-hsm.yaml");
        HsmSpec s = tokens.spec(node);
        Files.writeString(
                hsmYaml,
                "hsms:\n  - name: " + node + "\n    library: " + s.library() + "\n    token-label: "
                        + s.tokenLabel() + "\n    pin-file: " + s.pinFile() + "\nzookeeper: " + ZK.connectString()
                        + "\nzookeeper-root: " + root + "\naudit-log: " + dir.resolve(node + "-keysync-audit.jsonl")
                        + "\n");
        TlsMaterial tls = pki.issue(node, "node");
        int grpc = freePort();
        grpcPorts.put(node, grpc);
        Path config = dir.resolve(node + ".yaml");
        Files.writeString(
                config,
                "node: {name: " + node + ", site: dc-" + node + "}\n"
                        + "hsm-config: " + hsmYaml + "\n"
                        + "zones:\n  - name: " + ZONE + "\n    source: zones/" + node
                        + ".zone\n    policy: policy.yaml\n"
                        + "zookeeper: {connect: \"" + ZK.connectString() + "\", session-timeout: " + SESSION.toSeconds()
                        + "s, root: " + root + ", insecure-plaintext: true}\n"
                        + "publish:\n  directory: published-" + node + "\n"
                        + "grpc: {listen: \"127.0.0.1:" + grpc + "\"}\n"
                        + "metrics: {listen: \"127.0.0.1:" + freePort() + "\"}\n"
                        + "tls: {ca: " + tls.trustedCertificates() + ", cert: " + tls.certificateChain() + ", key: "
                        + tls.privateKey() + "}\n"
                        + "resign: {floor: 1s, debounce: 200ms}\n");
        Files.createDirectories(dir.resolve("published-" + node));
        return NodeProcess.start(node, config, SoftHsmTokens.shared().environment(), dir.resolve("logs"));
    }

    private PublishRecord awaitPublish(Predicate<PublishRecord> what, String name) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<PublishRecord> last = ledger.last(ZONE);
            if (last.isPresent() && what.test(last.get())) {
                return last.get();
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        throw new AssertionError("timed out waiting until " + name + "; last " + ledger.last(ZONE) + logs());
    }

    /** Polls the coordinator's view until {@code leader} leads and {@code standby} is a standby. */
    private void awaitRoles(String leader, String standby) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        ClusterStatus s = null;
        while (System.nanoTime() < deadline) {
            s = operator.withDeadlineAfter(30, TimeUnit.SECONDS)
                    .getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
            Map<String, NodeRole> roles = new HashMap<>();
            for (NodeView n : s.getNodesList()) {
                roles.put(n.getName(), n.getRole());
            }
            if (roles.get(leader) == NodeRole.LEADER
                    && roles.get(standby) == NodeRole.STANDBY
                    && s.getZonesList().stream()
                            .anyMatch(z -> z.getCommittedBy().equals(leader))) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
        throw new AssertionError("never " + leader + " leading and " + standby + " standing by: " + s + logs());
    }

    /** The coordinator's order lines (checkpoints left out; they come and go with time). */
    private long auditLines() throws IOException {
        return Files.exists(auditFile)
                ? Files.readAllLines(auditFile).stream()
                        .filter(l -> !l.contains("\"op\":\"CHECKPOINT\""))
                        .count()
                : 0;
    }

    /** The {@code detail} of every order line: the JSON the coordinator writes, one per line. */
    private String auditDetails() throws IOException {
        ObjectMapper json = new ObjectMapper();
        StringBuilder b = new StringBuilder();
        for (String line : Files.readAllLines(auditFile)) {
            b.append(json.readTree(line).get("detail").asText()).append('\n');
        }
        return b.toString();
    }

    private String logs() throws IOException {
        StringBuilder b = new StringBuilder();
        for (NodeProcess n : nodes.values()) {
            String log = n.log();
            b.append("\n--- ")
                    .append(n.name())
                    .append(" ---\n")
                    .append(log.length() > 6000 ? log.substring(log.length() - 6000) : log);
        }
        return b.toString();
    }

    private static void validates(Path file) throws Exception {
        Process p = new ProcessBuilder("ldns-verify-zone", file.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("ldns-verify-zone " + file + ": " + out).isZero();
    }

    private static int freePort() throws IOException {
        return TestPorts.free();
    }
}
