package org.tandem.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.cli.SignerctlRun;
import org.tandem.cli.cluster.ClusterConfig;
import org.tandem.keysync.grpc.MtlsChannels;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.manifest.ManifestStoreUnavailableException;
import org.tandem.keysync.manifest.ZooKeeperClientSettings;
import org.tandem.keysync.manifest.ZooKeeperManifestStore;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.proto.keysync.v1.InventoryRequest;
import org.tandem.proto.keysync.v1.InventoryResponse;
import org.tandem.proto.keysync.v1.KeySyncGrpc;
import org.tandem.signer.election.ClusterConnection;
import org.tandem.signer.election.PublishRecord;

/**
 * {@code signerctl demo --keep-running} leaves ZooKeeper and both nodes (and, once the module is on the
 * class path, the coordinator) running as processes of their own, writes the files the runbook uses,
 * and {@code demo --stop} leaves no process behind.
 */
class DemoKeepRunningIT {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TempDir
    Path tmp;

    private Path work;

    @AfterEach
    void neverLeaveProcessesBehind() throws Exception {
        if (work != null && Files.exists(work.resolve(DemoProcesses.FILE))) {
            DemoProcesses.stop(work, new PrintWriter(new StringWriter()));
        }
    }

    private String[] run(String... args) {
        SignerctlRun r = SignerctlRun.of(args);
        return new String[] {Integer.toString(r.code()), r.out(), r.err()};
    }

    @Test
    void keepRunningLeavesTheClusterUpWithValidFilesAndStopStopsEveryProcess() throws Exception {
        Prerequisites.requireSoftHsm();
        Prerequisites.requireTool("openssl", "openssl");
        work = tmp.resolve("demo").toAbsolutePath();

        String[] r = run("demo", "--keep-running", "--workdir", work.toString());
        assertThat(r[0]).as(r[1] + r[2]).isEqualTo("0");
        Matcher leads = Pattern.compile("(node-[ab]) leads \\(epoch 1\\)").matcher(r[1]);
        assertThat(leads.find()).as(r[1]).isTrue();
        String leader = leads.group(1);
        String standby = leader.equals("node-a") ? "node-b" : "node-a";
        assertThat(r[1])
                .contains(standby + " is a key-synced standby")
                .contains("kek enrol --config=signerctl.yaml --from=node-a --to=node-b")
                .contains("signerctl demo --stop --workdir " + work);

        // the pid file lists every process, each alive and ours
        List<DemoProcesses.Entry> pids = DemoProcesses.read(work);
        List<String> names = pids.stream().map(DemoProcesses.Entry::name).toList();
        assertThat(names).containsExactly("zookeeper", "node-a", "node-b", "coordinator");
        for (DemoProcesses.Entry e : pids) {
            assertThat(DemoProcesses.ours(work, e.pid())).as(e.name()).isPresent();
        }

        // coordinator.yaml in the fixed format, with the nodes' real gRPC ports and ZooKeeper
        JsonNode c = YAML.readTree(work.resolve("coordinator.yaml").toFile());
        assertThat(c.get("coordinator").get("name").asText()).isEqualTo("coordinator");
        assertThat(c.get("nodes")).hasSize(2);
        for (int i = 0; i < 2; i++) {
            JsonNode node = c.get("nodes").get(i);
            JsonNode nodeYaml = YAML.readTree(
                    work.resolve(node.get("name").asText() + ".yaml").toFile());
            assertThat(node.get("endpoint").asText())
                    .isEqualTo(nodeYaml.get("grpc").get("listen").asText());
            assertThat(node.get("site").asText()).isEqualTo("dc" + (i + 1));
        }
        String zk = c.get("zookeeper").get("connect").asText();
        assertThat(c.get("zookeeper").get("root").asText()).isEqualTo("/tandem");
        assertThat(c.get("grpc").get("listen").asText()).startsWith("127.0.0.1:");
        assertThat(c.get("preflight").get("wait-for-publish").asText()).isEqualTo("120s");
        for (String f : List.of("ca", "cert", "key")) {
            assertThat(work.resolve(c.get("tls").get(f).asText())).exists();
        }
        assertThat(Files.readString(work.resolve("tls/coordinator.crt"))).isNotBlank();

        // signerctl.yaml loads (its TLS files check) and points at the coordinator's listen address
        ClusterConfig sc = ClusterConfig.load(work.resolve("signerctl.yaml"));
        assertThat(sc.coordinator()).isEqualTo(c.get("grpc").get("listen").asText());
        assertThat(sc.tls().certificateChain()).isEqualTo(work.resolve("tls/operator.crt"));

        // ZooKeeper outlived the demo command: the ledger holds the leader's publication, with the DNSKEY set
        // ... and speaks TLS only: the coordinator's certificate may read, a client without one gets nowhere
        for (String f : List.of("ca", "cert", "key")) {
            assertThat(work.resolve(c.get("zookeeper").get("tls").get(f).asText()))
                    .exists();
        }
        assertThatThrownBy(() -> ZooKeeperManifestStore.connect(
                        ZooKeeperClientSettings.insecurePlaintext(zk), "/tandem", Duration.ofSeconds(3)))
                .isInstanceOf(ManifestStoreUnavailableException.class);
        TlsMaterial zkReader = new TlsMaterial(
                work.resolve("tls/coordinator.crt"), work.resolve("tls/coordinator.key"), work.resolve("tls/ca.crt"));
        try (ClusterConnection cluster = ClusterConnection.connect(
                ZooKeeperClientSettings.tls(zk, zkReader), "/tandem", Duration.ofSeconds(6), Duration.ofSeconds(20))) {
            PublishRecord last =
                    cluster.ledger(Clock.systemUTC()).last(DemoCluster.ZONE).orElseThrow();
            assertThat(last.node()).isEqualTo(leader);
            assertThat(last.dnskeyFingerprints()).hasSize(2);
            assertThat(last.dnskeyTtlSeconds()).isPositive();
        }
        // each node serves KeySync on its gRPC port: Inventory with our nonce, every key proven on its own HSM;
        // for the coordinator's certificate only: the operator's is refused (least privilege)
        TlsMaterial coordinatorTls = TlsMaterial.load(
                work.resolve("tls/coordinator.crt"), work.resolve("tls/coordinator.key"), work.resolve("tls/ca.crt"));
        for (JsonNode node : c.get("nodes")) {
            ManagedChannel operator = MtlsChannels.open(node.get("endpoint").asText(), sc.tls());
            try {
                StatusRuntimeException denied = catchThrowableOfType(
                        StatusRuntimeException.class,
                        () -> KeySyncGrpc.newBlockingStub(operator)
                                .withDeadlineAfter(60, TimeUnit.SECONDS)
                                .inventory(InventoryRequest.newBuilder()
                                        .setZone("example.test.")
                                        .setNonce(ByteString.copyFrom(new byte[32]))
                                        .build()));
                assertThat(denied).isNotNull();
                assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
            } finally {
                operator.shutdownNow();
            }
            ManagedChannel ch = MtlsChannels.open(node.get("endpoint").asText(), coordinatorTls);
            try {
                byte[] nonce = new byte[32];
                new SecureRandom().nextBytes(nonce);
                InventoryResponse inv = KeySyncGrpc.newBlockingStub(ch)
                        .withDeadlineAfter(60, TimeUnit.SECONDS)
                        .inventory(InventoryRequest.newBuilder()
                                .setZone("example.test.")
                                .setNonce(ByteString.copyFrom(nonce))
                                .build());
                assertThat(inv.getNode()).isEqualTo(node.get("name").asText());
                assertThat(inv.getHsmsList()).hasSize(1);
                assertThat(inv.getHsms(0).getError()).isEmpty();
                assertThat(inv.getHsms(0).getKeysList())
                        .hasSize(2)
                        .allSatisfy(k -> assertThat(k.getProofError()).isEmpty())
                        .allSatisfy(k -> assertThat(k.getProofRrsig().isEmpty()).isFalse());
            } finally {
                ch.shutdownNow();
            }
        }
        String[] s = run("--config", work.resolve("signerctl.yaml").toString(), "status", "--json");
        assertThat(s[0]).as(s[1] + s[2]).isEqualTo("0");
        assertThat(s[1]).contains("\"leader\" : \"" + leader + "\"");
        // each node's own HSM: its hsm.yaml names its token only
        for (String node : List.of("node-a", "node-b")) {
            assertThat(Files.readString(work.resolve("hsm/" + node + "/hsm.yaml")))
                    .contains("token-label: " + node)
                    .doesNotContain("token-label: " + (node.equals("node-a") ? "node-b" : "node-a"));
        }

        // --stop: every process gone, and it says which
        String[] stop = run("demo", "--stop", "--workdir", work.toString());
        assertThat(stop[0]).as(stop[1] + stop[2]).isEqualTo("0");
        for (DemoProcesses.Entry e : pids) {
            assertThat(stop[1]).contains("stopped " + e.name() + " (pid " + e.pid() + ")");
            assertThat(ProcessHandle.of(e.pid()).map(ProcessHandle::isAlive).orElse(false))
                    .as(e.name())
                    .isFalse();
        }
        assertThat(work.resolve(DemoProcesses.FILE)).doesNotExist();

        // a second --stop has nothing to stop: usage
        assertThat(run("demo", "--stop", "--workdir", work.toString())[0]).isEqualTo("2");
    }

    @Test
    void keepRunningAndStopNeedAWorkdir() {
        assertThat(run("demo", "--keep-running")[0]).isEqualTo("2");
        assertThat(run("demo", "--stop")[0]).isEqualTo("2");
    }
}
