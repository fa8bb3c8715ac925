package org.tandem.coordinator.view;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.coordinator.config.TlsFiles;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.manifest.EmbeddedZooKeeper;
import org.tandem.keysync.manifest.ZooKeeperClientSettings;
import org.tandem.keysync.testing.TestPki;

/**
 * The coordinator's ZooKeeper client against a locked-down server (TLS, role certificates, role
 * ACLs): with its {@code OU=coordinator} certificate it reads what the nodes wrote, and may change
 * nothing.
 */
class ZooKeeperClientsIT {
    @TempDir
    Path dir;

    @Test
    void theCoordinatorReadsOverTlsAndIsRefusedEveryWrite() throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"), "tandem-cluster-ca");
        TlsMaterial coordinator = pki.issue("coordinator", "coordinator");
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zk"), 0, pki.issue("zookeeper", "zookeeper"));
                CuratorFramework node = ZooKeeperClientSettings.tls(zk.connectString(), pki.issue("node-a", "node"))
                        .curatorBuilder()
                        .retryPolicy(new RetryNTimes(0, 0))
                        .build();
                CuratorFramework view = ZooKeeperClients.build(
                        zk.connectString(),
                        Duration.ofSeconds(10),
                        Optional.of(new TlsFiles(
                                coordinator.trustedCertificates(),
                                coordinator.certificateChain(),
                                coordinator.privateKey())))) {
            node.start();
            view.start();
            assertThat(node.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
            assertThat(view.blockUntilConnected(10, TimeUnit.SECONDS)).isTrue();
            node.create()
                    .creatingParentsIfNeeded()
                    .forPath("/tandem/cluster/epoch", "e".getBytes(StandardCharsets.UTF_8));
            node.setData().forPath("/tandem/cluster/epoch");

            assertThat(view.checkExists().forPath("/tandem/cluster/epoch").getVersion())
                    .isEqualTo(1);
            assertThat(view.getChildren().forPath("/tandem/cluster")).containsExactly("epoch");
            assertThatThrownBy(() -> view.setData().forPath("/tandem/cluster/epoch"))
                    .isInstanceOf(KeeperException.NoAuthException.class);
            assertThatThrownBy(() -> view.delete().forPath("/tandem/cluster/epoch"))
                    .isInstanceOf(KeeperException.NoAuthException.class);
            assertThat(node.checkExists().forPath("/tandem/cluster/epoch").getVersion())
                    .isEqualTo(1);
        }
    }
}
