package org.tandem.signer.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.ClientCnxnSocketNetty;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.manifest.EmbeddedZooKeeper;
import org.tandem.keysync.manifest.ManifestStore;
import org.tandem.keysync.manifest.VersionedManifest;
import org.tandem.keysync.manifest.ZooKeeperClientSettings;
import org.tandem.keysync.manifest.ZooKeeperLayout;
import org.tandem.keysync.manifest.ZooKeeperRole;
import org.tandem.keysync.testing.TestPki;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.proto.keysync.v1.KeyDescriptor;
import org.tandem.proto.keysync.v1.KeyManifest;
import org.tandem.proto.keysync.v1.KeyRole;
import org.tandem.proto.keysync.v1.KeyState;
import org.tandem.proto.keysync.v1.ManifestKey;

/**
 * ZooKeeper locked down (TLS, client certificates mapped to roles, role ACLs) against an attacker who
 * reaches its port: without a certificate, with a certificate of the cluster CA but the wrong role
 * (coordinator, none), or with a node certificate of another CA. Each tries what would break fencing
 * or the keys — bump the epoch, delete and recreate it, push the published serial 2^31 ahead, drop a
 * key from the manifest, append a forged ledger entry, open the ACLs — while a node leads and publishes;
 * every attempt is refused, nothing changes, and the node keeps publishing.
 */
class ZooKeeperLockdownIT {
    private static final Duration SESSION = Duration.ofSeconds(20);
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** How long a refused client is given to connect (it never does). */
    private static final Duration REFUSED_WITHIN = Duration.ofSeconds(3);

    private static final String ZONE = SwitchableCheck.ZONE.toString();

    @TempDir
    static Path dir;

    private static TestPki pki;
    private static EmbeddedZooKeeper zk;
    private static TlsMaterial nodeTls;

    private final List<AutoCloseable> open = new ArrayList<>();
    private String root;
    private ZooKeeperLayout paths;

    @BeforeAll
    static void lockedDownZooKeeper() throws Exception {
        pki = TestPki.create(dir.resolve("pki"), "tandem-cluster-ca");
        zk = EmbeddedZooKeeper.start(dir.resolve("zookeeper"), 0, pki.issue("zookeeper", "zookeeper"));
        nodeTls = pki.issue("node-a", "node");
    }

    @AfterAll
    static void stop() {
        if (zk != null) {
            zk.close();
        }
    }

    @BeforeEach
    void freshRoot(TestInfo test) {
        root = "/lockdown-" + test.getTestMethod().orElseThrow().getName();
        paths = new ZooKeeperLayout(root);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    /** A node that leads, has committed one publication and a manifest: what the attacker goes after. */
    private record Leading(
            ClusterConnection cluster,
            KeySyncedElection election,
            PublishLedger ledger,
            ManifestStore manifests,
            Leadership leadership,
            PublishRecord committed,
            VersionedManifest manifest) {}

    private Leading leadingNode() throws Exception {
        ClusterConnection cluster = ClusterConnection.connect(
                ZooKeeperClientSettings.tls(zk.connectString(), nodeTls), root, SESSION, Duration.ofSeconds(10));
        open.add(cluster);
        assertThat(cluster.connected())
                .as("node-a connects with its node certificate")
                .isTrue();
        KeySyncedElection election =
                cluster.election("node-a", new SwitchableCheck(true), ElectionNode.FAST, Clock.systemUTC());
        open.add(election);
        election.start();
        TestTiming.until(WAIT, "node-a leads", () -> election.leadership().isPresent());
        Leadership leadership = election.leadership().orElseThrow();
        PublishLedger ledger = cluster.ledger(Clock.systemUTC());
        PublishRecord committed = ledger.commit(leadership, SwitchableCheck.ZONE, 2026120101, sha256("v1"));
        ManifestStore manifests = cluster.manifests();
        VersionedManifest manifest = manifests.create(manifest(ZONE));
        return new Leading(cluster, election, ledger, manifests, leadership, committed, manifest);
    }

    @Test
    void theZnodesTandemCreatesCarryRoleAclsAndNothingForTheWorld() throws Exception {
        Leading node = leadingNode();
        CuratorFramework client = tlsClient(nodeTls);

        for (String path : List.of(
                root,
                paths.epochPath(),
                paths.publishedPath(SwitchableCheck.ZONE),
                paths.historyPath(SwitchableCheck.ZONE),
                root + "/zones/example.test/keys")) {
            assertThat(client.getACL().forPath(path)).as(path).containsExactlyInAnyOrderElementsOf(ZooKeeperRole.ACL);
        }
        assertThat(ZooKeeperRole.ACL).noneMatch(acl -> acl.getId().getScheme().equals("world"));
        assertThat(node.leadership().isValid()).isTrue();
    }

    @Test
    void aCoordinatorCertificateReadsButCannotBumpResetForgeOrDropAnything() throws Exception {
        Leading node = leadingNode();
        CuratorFramework mallory = tlsClient(pki.issue("mallory-coordinator", "coordinator"));
        Snapshot before = snapshot(node);

        // it may read what the coordinator's view reads
        assertThat(mallory.checkExists().forPath(paths.epochPath()).getVersion())
                .isEqualTo(before.epochVersion);
        assertThat(mallory.getChildren().forPath(paths.historyPath(SwitchableCheck.ZONE)))
                .hasSize(1);

        for (Attack attack : attacks(node)) {
            assertThatThrownBy(() -> attack.run(mallory))
                    .as(attack.name)
                    .isInstanceOf(KeeperException.NoAuthException.class);
        }

        assertThat(snapshot(node)).isEqualTo(before);
        assertTheNodeKeepsPublishing(node);
    }

    @Test
    void clientsWithoutACertificateOrWithoutARoleOrFromAnotherCaAreNotLetIn() throws Exception {
        Leading node = leadingNode();
        Snapshot before = snapshot(node);
        TestPki otherCa = TestPki.create(dir.resolve("other-ca-" + System.nanoTime()), "attacker-ca");

        List<CuratorFramework> refused = List.of(
                client(plaintext()),
                client(tlsWithoutCertificate()),
                client(ZooKeeperClientSettings.tls(zk.connectString(), pki.issue("mallory-no-role"))
                        .clientConfig()),
                client(ZooKeeperClientSettings.tls(zk.connectString(), otherCa.issue("mallory-node", "node"))
                        .clientConfig()));

        for (CuratorFramework mallory : refused) {
            assertThat(mallory.blockUntilConnected((int) REFUSED_WITHIN.toMillis(), TimeUnit.MILLISECONDS))
                    .as("a client without a Tandem certificate never gets a session")
                    .isFalse();
            for (Attack attack : attacks(node)) {
                assertThatThrownBy(() -> attack.run(mallory)).as(attack.name).isInstanceOf(Exception.class);
            }
        }

        assertThat(snapshot(node)).isEqualTo(before);
        assertTheNodeKeepsPublishing(node);
    }

    private void assertTheNodeKeepsPublishing(Leading node) throws Exception {
        assertThat(node.leadership().isValid()).isTrue();
        PublishRecord next = node.ledger().commit(node.leadership(), SwitchableCheck.ZONE, 2026120102, sha256("v2"));
        assertThat(node.ledger().last(SwitchableCheck.ZONE)).contains(next);
        assertThat(node.ledger().history(SwitchableCheck.ZONE)).containsExactly(node.committed(), next);
        assertThat(node.ledger().currentEpoch()).isEqualTo(node.leadership().epoch());
    }

    /** One thing an attacker with a client tries. */
    private record Attack(String name, Op op) {
        void run(CuratorFramework client) throws Exception {
            op.run(client);
        }
    }

    @FunctionalInterface
    private interface Op {
        void run(CuratorFramework client) throws Exception;
    }

    private List<Attack> attacks(Leading node) {
        String epoch = paths.epochPath();
        String published = paths.publishedPath(SwitchableCheck.ZONE);
        String manifestPath = root + "/zones/example.test/keys";
        PublishRecord last = node.committed();
        // RFC 1982: the largest serial still "greater" than the last one, which every later commit would
        // have to exceed.
        long ahead = (last.serial() + (1L << 31) - 1) & 0xFFFF_FFFFL;
        byte[] forged = new PublishRecord(
                        SwitchableCheck.ZONE, ahead, last.sha256Hex(), last.epoch(), "node-a", Instant.now())
                .toProto()
                .toByteArray();
        byte[] fewerKeys =
                node.manifest().manifest().toBuilder().removeKeys(1).build().toByteArray();
        return List.of(
                new Attack("bump the epoch", c -> c.setData().forPath(epoch, new byte[0])),
                new Attack("delete the epoch", c -> c.delete().forPath(epoch)),
                new Attack(
                        "recreate the epoch elsewhere in the tree",
                        c -> c.create().forPath(root + "/cluster/epoch2", new byte[0])),
                new Attack("publish a serial 2^31 ahead", c -> c.setData().forPath(published, forged)),
                new Attack(
                        "append a forged ledger entry",
                        c -> c.create()
                                .withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                                .forPath(paths.historyRecordPrefix(SwitchableCheck.ZONE), forged)),
                new Attack("drop a key from the manifest", c -> c.setData().forPath(manifestPath, fewerKeys)),
                new Attack("delete the manifest", c -> c.delete().forPath(manifestPath)),
                new Attack(
                        "open the ACL of the root",
                        c -> c.setACL().withACL(ZooDefs.Ids.OPEN_ACL_UNSAFE).forPath(root)));
    }

    /** What the attacks must leave as it was. */
    private record Snapshot(
            int epochVersion, ByteString published, List<String> history, ByteString manifest, int manifestVersion) {}

    private Snapshot snapshot(Leading node) throws Exception {
        CuratorFramework reader = tlsClient(nodeTls);
        Stat epoch = reader.checkExists().forPath(paths.epochPath());
        Stat manifest = new Stat();
        byte[] manifestBytes = reader.getData().storingStatIn(manifest).forPath(root + "/zones/example.test/keys");
        return new Snapshot(
                epoch.getVersion(),
                ByteString.copyFrom(reader.getData().forPath(paths.publishedPath(SwitchableCheck.ZONE))),
                reader.getChildren().forPath(paths.historyPath(SwitchableCheck.ZONE)).stream()
                        .sorted()
                        .toList(),
                ByteString.copyFrom(manifestBytes),
                manifest.getVersion());
    }

    private CuratorFramework tlsClient(TlsMaterial tls) throws Exception {
        CuratorFramework c =
                client(ZooKeeperClientSettings.tls(zk.connectString(), tls).clientConfig());
        assertThat(c.blockUntilConnected(10, TimeUnit.SECONDS))
                .as("connects with " + tls.certificateChain())
                .isTrue();
        return c;
    }

    private CuratorFramework client(ZKClientConfig config) {
        CuratorFramework c = CuratorFrameworkFactory.builder()
                .connectString(zk.connectString())
                .zkClientConfig(config)
                .sessionTimeoutMs(10_000)
                .connectionTimeoutMs(1_000)
                .retryPolicy(new RetryNTimes(0, 0))
                .build();
        open.add(c);
        c.start();
        return c;
    }

    private static ZKClientConfig plaintext() {
        ZKClientConfig config = new ZKClientConfig();
        config.setProperty(ZKClientConfig.SECURE_CLIENT, "false");
        return config;
    }

    /** TLS that trusts the cluster CA but presents no certificate. */
    private static ZKClientConfig tlsWithoutCertificate() {
        ZKClientConfig config = new ZKClientConfig();
        config.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
        config.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, ClientCnxnSocketNetty.class.getName());
        config.setProperty("zookeeper.ssl.keyStore.location", "");
        config.setProperty(
                "zookeeper.ssl.trustStore.location", pki.caCertificate().toString());
        config.setProperty("zookeeper.ssl.trustStore.type", "PEM");
        return config;
    }

    private static KeyManifest manifest(String zone) {
        KeyManifest.Builder b = KeyManifest.newBuilder()
                .setZone(zone)
                .setUpdatedBy("lockdown test")
                .setUpdatedEpochMillis(1_767_225_600_000L);
        int seed = 1;
        for (KeyRole role : List.of(KeyRole.KSK, KeyRole.ZSK)) {
            byte[] publicKey = new byte[64];
            for (int i = 0; i < publicKey.length; i++) {
                publicKey[i] = (byte) (seed * 31 + i);
            }
            b.addKeys(ManifestKey.newBuilder()
                    .setKey(KeyDescriptor.newBuilder()
                            .setZone(zone)
                            .setRole(role)
                            .setAlgorithm(13)
                            .setFlags(role == KeyRole.KSK ? 257 : 256)
                            .setKeyTag(10_000 + seed)
                            .setPublicKey(ByteString.copyFrom(publicKey))
                            .setFingerprint(ByteString.copyFrom(sha256(zone + seed))))
                    .setState(KeyState.ACTIVE)
                    .setCreatedEpochSeconds(1_767_225_600L)
                    .setGeneratedOn("tokA"));
            seed++;
        }
        return b.build();
    }

    private static byte[] sha256(String content) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
