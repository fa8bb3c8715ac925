package org.tandem.keysync.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tandem.keysync.manifest.TestManifests.manifest;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.proto.keysync.v1.KeyManifest;
import org.tandem.proto.keysync.v1.KeyState;

class ManifestStoreIT {
    private static final String ZONE = "example.com.";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    private final List<AutoCloseable> closeAfterTest = new ArrayList<>();
    private String root;
    private ZooKeeperManifestStore store;

    @BeforeEach
    void connect(TestInfo test) throws Exception {
        // one root per test: the tests share the server, never data
        root = "/it/" + test.getTestMethod().orElseThrow().getName();
        store = open(ZooKeeperManifestStore.connect(ZK.clientSettings(), root, TestTiming.scaled(CONNECT_TIMEOUT)));
    }

    @AfterEach
    void closeStores() throws Exception {
        for (AutoCloseable c : closeAfterTest) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T open(T closeable) {
        closeAfterTest.add(closeable);
        return closeable;
    }

    @Test
    void createdManifestReadsBackEqualAtVersionZero() throws Exception {
        KeyManifest written = manifest(ZONE, "node-1 signerctl keys init");

        VersionedManifest created = store.create(written);

        assertThat(created).isEqualTo(new VersionedManifest(written, 0));
        assertThat(store.read(ZONE)).contains(new VersionedManifest(written, 0));
    }

    @Test
    void storesTheExactProtobufBytesAtTheDocumentedPath() throws Exception {
        KeyManifest written = manifest(ZONE, "node-1");
        store.create(written);

        byte[] raw = ZK.newClient().getData().forPath(root + "/zones/example.com/keys");

        assertThat(raw).isEqualTo(written.toByteArray());
    }

    @Test
    void readOfZoneWithoutManifestIsEmpty() throws Exception {
        assertThat(store.read("nothing-here.example.")).isEmpty();
    }

    @Test
    void compareAndSetWithCurrentVersionSucceedsAndBumpsVersion() throws Exception {
        VersionedManifest v0 = store.create(manifest(ZONE, "node-1"));
        KeyManifest next = v0.manifest().toBuilder()
                .setKeys(1, v0.manifest().getKeys(1).toBuilder().setState(KeyState.ACTIVE))
                .setUpdatedBy("node-1 rollover")
                .build();

        VersionedManifest v1 = store.compareAndSet(v0.version(), next);
        VersionedManifest v2 = store.compareAndSet(v1.version(), manifest(ZONE, "node-2"));

        assertThat(v1).isEqualTo(new VersionedManifest(next, 1));
        assertThat(v2.version()).isEqualTo(2);
        assertThat(store.read(ZONE)).contains(new VersionedManifest(manifest(ZONE, "node-2"), 2));
    }

    @Test
    void theVersionAloneFollowsEveryWriteAndIsEmptyWithoutAManifest() throws Exception {
        assertThat(store.version(ZONE)).isEmpty();
        VersionedManifest v0 = store.create(manifest(ZONE, "node-1"));
        assertThat(store.version(ZONE)).contains(0);
        store.compareAndSet(v0.version(), manifest(ZONE, "node-2"));
        assertThat(store.version(ZONE))
                .contains(1)
                .contains(store.read(ZONE).orElseThrow().version());
    }

    @Test
    void compareAndSetWithStaleVersionConflictsNamingZoneAndBothVersions() throws Exception {
        VersionedManifest v0 = store.create(manifest(ZONE, "node-1"));
        store.compareAndSet(v0.version(), manifest(ZONE, "node-2"));

        assertThatThrownBy(() -> store.compareAndSet(v0.version(), manifest(ZONE, "node-1 stale")))
                .isInstanceOfSatisfying(ManifestConflictException.class, e -> {
                    assertThat(e.zone()).isEqualTo(ZONE);
                    assertThat(e.expectedVersion()).isZero();
                    assertThat(e.actualVersion()).isEqualTo(1);
                    assertThat(e.path()).isEqualTo(root + "/zones/example.com/keys");
                })
                .hasMessageContainingAll(
                        ZONE, root + "/zones/example.com/keys", "expected version 0", "found version 1");
        assertThat(store.read(ZONE)).contains(new VersionedManifest(manifest(ZONE, "node-2"), 1));
    }

    @Test
    void exactlyOneOfTwoConcurrentCompareAndSetsWithTheSameVersionWins() throws Exception {
        CuratorFramework clientA = ZK.newClient();
        CuratorFramework clientB = ZK.newClient();
        ZooKeeperManifestStore storeA = open(new ZooKeeperManifestStore(clientA, root));
        ZooKeeperManifestStore storeB = open(new ZooKeeperManifestStore(clientB, root));
        VersionedManifest base = storeA.create(manifest(ZONE, "init"));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 20; round++) {
                int expected = base.version();
                KeyManifest fromA = manifest(ZONE, "node-a round " + round);
                KeyManifest fromB = manifest(ZONE, "node-b round " + round);
                CyclicBarrier start = new CyclicBarrier(2);
                Future<VersionedManifest> a = pool.submit(casAfter(start, storeA, expected, fromA));
                Future<VersionedManifest> b = pool.submit(casAfter(start, storeB, expected, fromB));

                List<VersionedManifest> won = new ArrayList<>();
                List<ManifestConflictException> lost = new ArrayList<>();
                for (Future<VersionedManifest> f : List.of(a, b)) {
                    try {
                        won.add(f.get(TestTiming.scaled(Duration.ofSeconds(30)).toMillis(), TimeUnit.MILLISECONDS));
                    } catch (ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(ManifestConflictException.class);
                        lost.add((ManifestConflictException) e.getCause());
                    }
                }

                assertThat(won).as("winners of round %d", round).hasSize(1);
                assertThat(lost).as("losers of round %d", round).hasSize(1);
                VersionedManifest winner = won.get(0);
                assertThat(winner.version()).isEqualTo(expected + 1);
                assertThat(winner.manifest()).isIn(fromA, fromB);
                assertThat(lost.get(0).zone()).isEqualTo(ZONE);
                assertThat(lost.get(0).expectedVersion()).isEqualTo(expected);
                assertThat(lost.get(0).actualVersion()).isEqualTo(expected + 1);
                assertThat(storeA.read(ZONE)).contains(winner);
                assertThat(storeB.read(ZONE)).contains(winner);
                base = winner;
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static Callable<VersionedManifest> casAfter(
            CyclicBarrier start, ManifestStore store, int expectedVersion, KeyManifest manifest) {
        return () -> {
            start.await();
            return store.compareAndSet(expectedVersion, manifest);
        };
    }

    @Test
    void compareAndSetOfZoneWithoutManifestConflicts() throws Exception {
        assertThatThrownBy(() -> store.compareAndSet(0, manifest(ZONE, "node-1")))
                .isInstanceOfSatisfying(ManifestConflictException.class, e -> {
                    assertThat(e.expectedVersion()).isZero();
                    assertThat(e.actualVersion()).isEqualTo(ManifestConflictException.NO_MANIFEST);
                })
                .hasMessageContainingAll(ZONE, "expected version 0", "found no manifest");
        assertThat(store.read(ZONE)).isEmpty();
    }

    @Test
    void compareAndSetRefusesNegativeExpectedVersion() throws Exception {
        store.create(manifest(ZONE, "node-1"));

        // -1 is ZooKeeper's "any version": it would turn the compare-and-set into a blind overwrite
        assertThatThrownBy(() -> store.compareAndSet(-1, manifest(ZONE, "node-2")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(ZONE);
        assertThat(store.read(ZONE)).contains(new VersionedManifest(manifest(ZONE, "node-1"), 0));
    }

    @Test
    void secondCreateOfTheSameZoneConflicts() throws Exception {
        store.create(manifest(ZONE, "node-1"));

        assertThatThrownBy(() -> store.create(manifest(ZONE, "node-2")))
                .isInstanceOfSatisfying(ManifestConflictException.class, e -> {
                    assertThat(e.expectedVersion()).isEqualTo(ManifestConflictException.NO_MANIFEST);
                    assertThat(e.actualVersion()).isZero();
                })
                .hasMessageContainingAll(ZONE, "expected no manifest", "found version 0");
        assertThat(store.read(ZONE)).contains(new VersionedManifest(manifest(ZONE, "node-1"), 0));
    }

    @Test
    void secondStoreOnNewClientReadsTheSameManifestAfterZooKeeperRestart() throws Exception {
        VersionedManifest v0 = store.create(manifest(ZONE, "node-1"));
        VersionedManifest v1 = store.compareAndSet(v0.version(), manifest(ZONE, "node-1 again"));
        store.close();

        ZK.restart();
        ZooKeeperManifestStore second =
                open(ZooKeeperManifestStore.connect(ZK.clientSettings(), root, TestTiming.scaled(CONNECT_TIMEOUT)));

        assertThat(second.read(ZONE)).contains(v1);
        assertThat(second.compareAndSet(v1.version(), manifest(ZONE, "node-2")).version())
                .isEqualTo(2);
    }

    @Test
    void unreachableZooKeeperFailsWithinTheTimeoutNamingTheConnectString() throws Exception {
        String closedPort = "127.0.0.1:" + freePort();
        long started = System.nanoTime();

        assertThatThrownBy(() -> ZooKeeperManifestStore.connect(
                        ZooKeeperClientSettings.insecurePlaintext(closedPort), root, Duration.ofSeconds(1)))
                .isInstanceOfSatisfying(
                        ManifestStoreUnavailableException.class,
                        e -> assertThat(e.connectString()).isEqualTo(closedPort))
                .hasMessageContainingAll("ZooKeeper at " + closedPort, "unreachable after 1 s", "is it running?");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(TestTiming.scaled(Duration.ofSeconds(10)));
    }

    @Test
    void operationDuringOutageIsUnavailableNamingConnectStringAndZoneAndWorksAfterRestart() throws Exception {
        ZooKeeperManifestStore shortTimeout =
                open(ZooKeeperManifestStore.connect(ZK.clientSettings(), root, Duration.ofSeconds(1)));
        VersionedManifest v0 = shortTimeout.create(manifest(ZONE, "node-1"));
        ZK.stop();
        try {
            assertThatThrownBy(() -> shortTimeout.read(ZONE))
                    .isInstanceOfSatisfying(ManifestStoreUnavailableException.class, e -> {
                        assertThat(e.connectString()).isEqualTo(ZK.connectString());
                        assertThat(e.zone()).contains(ZONE);
                    })
                    .hasMessageContainingAll(ZK.connectString(), ZONE, root + "/zones/example.com/keys");
        } finally {
            ZK.restart();
        }
        assertThat(shortTimeout.read(ZONE)).contains(v0);
    }

    @Test
    void unparseableBytesAreCorruptNamingZoneAndPath() throws Exception {
        String path = root + "/zones/example.com/keys";
        // 0xFF... is a varint that never ends: no protobuf parser accepts it
        ZK.newClient().create().creatingParentsIfNeeded().forPath(path, new byte[] {
            (byte) 0xFF, (byte) 0xFF, (byte) 0xFF
        });

        assertThatThrownBy(() -> store.read(ZONE))
                .isInstanceOfSatisfying(ManifestCorruptException.class, e -> {
                    assertThat(e.zone()).isEqualTo(ZONE);
                    assertThat(e.path()).isEqualTo(path);
                    assertThat(e.version()).isZero();
                })
                .hasMessageContainingAll(ZONE, path, "not a KeyManifest");
    }

    @Test
    void manifestOfAnotherZoneUnderThisZoneIsCorrupt() throws Exception {
        String path = root + "/zones/example.com/keys";
        ZK.newClient()
                .create()
                .creatingParentsIfNeeded()
                .forPath(path, manifest("example.net.", "x").toByteArray());

        assertThatThrownBy(() -> store.read(ZONE))
                .isInstanceOf(ManifestCorruptException.class)
                .hasMessageContainingAll(ZONE, path, "example.net.");
    }

    @Test
    void corruptManifestCanBeRepairedByCompareAndSetAtItsVersion() throws Exception {
        String path = root + "/zones/example.com/keys";
        ZK.newClient()
                .create()
                .creatingParentsIfNeeded()
                .forPath(path, "not protobuf".getBytes(StandardCharsets.UTF_8));
        int corruptVersion = 0;

        VersionedManifest repaired = store.compareAndSet(corruptVersion, manifest(ZONE, "operator repair"));

        assertThat(store.read(ZONE)).contains(repaired);
    }

    @Test
    void zonesListsZonesWithAManifestSorted() throws Exception {
        assertThat(store.zones()).isEmpty();
        store.create(manifest("example.org.", "n"));
        store.create(manifest(ZONE, "n"));
        store.create(manifest("a.example.net.", "n"));
        // a zone node without a manifest (a create in progress) is not a zone yet
        ZK.newClient().create().creatingParentsIfNeeded().forPath(root + "/zones/b.example");

        assertThat(store.zones()).containsExactly("a.example.net.", ZONE, "example.org.");
    }

    @Test
    void rejectsInvalidZoneNamesBeforeTouchingZooKeeper() {
        assertThatThrownBy(() -> store.read("Example.com."))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lower case");
        assertThatThrownBy(() -> store.create(manifest("example.com", "n")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("absolute");
        assertThatThrownBy(() -> store.compareAndSet(0, manifest("a/b.example.", "n")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'/'");
        assertThatThrownBy(() -> store.read("a..example."))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty label");
    }

    @Test
    void closingAStoreLeavesABorrowedClientOpenAndRefusesFurtherUse() throws Exception {
        CuratorFramework client = ZK.newClient();
        ZooKeeperManifestStore borrowing = new ZooKeeperManifestStore(client, root);
        borrowing.create(manifest(ZONE, "n"));

        borrowing.close();

        assertThat(client.getState()).isEqualTo(CuratorFrameworkState.STARTED);
        assertThat(client.checkExists().forPath(root + "/zones/example.com/keys"))
                .isNotNull();
        assertThatThrownBy(() -> borrowing.read(ZONE))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
