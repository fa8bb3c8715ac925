package org.tandem.keysync.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tandem.keysync.manifest.TestManifests.manifest;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.testing.TestPki;
import org.tandem.keysync.testing.TestTiming;

class EmbeddedZooKeeperIT {
    private static final String ZONE = "example.com.";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dataDir;

    @TempDir
    Path pkiDir;

    private TlsMaterial serverTls;
    private TlsMaterial nodeTls;

    @BeforeEach
    void issueCertificates() throws Exception {
        TestPki pki = TestPki.create(pkiDir, "tandem-cluster-ca");
        serverTls = pki.issue("zookeeper", "zookeeper");
        nodeTls = pki.issue("node-a", "node");
    }

    @Test
    void servesTheManifestStoreOnAFreePortAndReleasesThePortOnClose() throws Exception {
        int port;
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dataDir, 0, serverTls)) {
            port = zk.port();
            assertThat(port).isPositive();
            assertThat(zk.connectString()).isEqualTo("127.0.0.1:" + port);
            try (ZooKeeperManifestStore store = ZooKeeperManifestStore.connect(
                    ZooKeeperClientSettings.tls(zk.connectString(), nodeTls),
                    ZooKeeperManifestStore.DEFAULT_ROOT,
                    TestTiming.scaled(CONNECT_TIMEOUT))) {
                VersionedManifest created = store.create(manifest(ZONE, "demo"));
                assertThat(store.read(ZONE)).contains(created);
                assertThat(store.zones()).containsExactly(ZONE);
            }
        }

        TestTiming.until(Duration.ofSeconds(10), "port " + port + " released", () -> canBind(port));
    }

    @Test
    void keepsManifestsAcrossARestartOnTheSameDataDirectory() throws Exception {
        VersionedManifest written;
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dataDir, 0, serverTls);
                ZooKeeperManifestStore store = ZooKeeperManifestStore.connect(
                        ZooKeeperClientSettings.tls(zk.connectString(), nodeTls),
                        ZooKeeperManifestStore.DEFAULT_ROOT,
                        TestTiming.scaled(CONNECT_TIMEOUT))) {
            VersionedManifest v0 = store.create(manifest(ZONE, "demo"));
            written = store.compareAndSet(v0.version(), manifest(ZONE, "demo rollover"));
        }

        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dataDir, 0, serverTls);
                ZooKeeperManifestStore store = ZooKeeperManifestStore.connect(
                        ZooKeeperClientSettings.tls(zk.connectString(), nodeTls),
                        ZooKeeperManifestStore.DEFAULT_ROOT,
                        TestTiming.scaled(CONNECT_TIMEOUT))) {
            assertThat(store.read(ZONE)).contains(written);
        }
        assertThat(dataDir.resolve("version-2")).isDirectory();
    }

    @Test
    void refusesAPortInUseAtOnceNamingIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();

            assertThatThrownBy(() -> EmbeddedZooKeeper.start(dataDir, port))
                    .isInstanceOf(ManifestStoreUnavailableException.class)
                    .hasMessageContainingAll("127.0.0.1:" + port, "in use", dataDir.toString());
        }
    }

    @Test
    void rejectsPortsOutOfRange() {
        assertThatThrownBy(() -> EmbeddedZooKeeper.start(dataDir, 65_536)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EmbeddedZooKeeper.start(dataDir, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static boolean canBind(int port) {
        try (ServerSocket probe = new ServerSocket()) {
            // as any server would: connections in TIME_WAIT do not hold a released listening port
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
