package org.tandem.chaos.watch;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.retry.RetryForever;
import org.apache.zookeeper.KeeperException;
import org.tandem.chaos.history.ClusterSample;
import org.tandem.chaos.history.ClusterSample.NodeView;
import org.tandem.chaos.history.JsonLines;
import org.tandem.chaos.history.LedgerEntry;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ZooKeeperClientSettings;
import org.tandem.keysync.manifest.ZooKeeperLayout;
import org.tandem.proto.signer.v1.PublishedZone;
import org.tandem.signer.election.PublishLedger;
import org.tandem.signer.election.PublishRecord;

/**
 * The cluster watch: runs on a host of the "internet" site and writes, every interval, what
 * ZooKeeper and every node's {@code /metrics} and {@code /health} say ({@code cluster.jsonl}), and
 * every ledger commit once ({@code ledger.jsonl}). Read-only: it never writes to ZooKeeper.
 *
 * <pre>ClusterWatchMain ZK-CONNECT ROOT ZONE OUT-DIR INTERVAL-MS [--zookeeper-tls=CA,CERT,KEY] name=host:port ...</pre>
 *
 * With {@code --zookeeper-tls} it reaches ZooKeeper over TLS with that (read-only, {@code
 * OU=coordinator}) certificate; without, in plaintext (a lab).
 *
 * Stops on SIGTERM.
 */
public final class ClusterWatchMain {
    private ClusterWatchMain() {}

    public static void main(String[] args) throws Exception {
        String connect = args[0];
        String root = args[1];
        ZoneName zone = ZoneName.of(args[2]);
        Path out = Path.of(args[3]);
        long interval = Long.parseLong(args[4]);
        Map<String, String> nodes = new LinkedHashMap<>();
        ZooKeeperClientSettings settings = ZooKeeperClientSettings.insecurePlaintext(connect);
        for (int i = 5; i < args.length; i++) {
            if (args[i].startsWith("--zookeeper-tls=")) {
                String[] f = args[i].substring("--zookeeper-tls=".length()).split(",", 3);
                settings = ZooKeeperClientSettings.tls(
                        connect, new TlsMaterial(Path.of(f[1]), Path.of(f[2]), Path.of(f[0])));
                continue;
            }
            String[] kv = args[i].split("=", 2);
            nodes.put(kv[0], kv[1]);
        }
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofMillis(400)).build();
        try (CuratorFramework zk = settings.curatorBuilder()
                        .sessionTimeoutMs(10_000)
                        .connectionTimeoutMs(1_000)
                        .retryPolicy(new RetryForever(500))
                        .build();
                JsonLines samples = JsonLines.append(out.resolve("cluster.jsonl"));
                JsonLines ledgerOut = JsonLines.append(out.resolve("ledger.jsonl"))) {
            zk.start();
            PublishLedger ledger = new PublishLedger(zk, root, Clock.systemUTC());
            Set<String> seen = new HashSet<>();
            System.out.println("cluster watch started zookeeper=" + connect + " nodes=" + nodes);
            // Every source has its own reader thread, and the sampler takes their latest answers at a
            // fixed rate: ZooKeeper without quorum or a paused node (whose reads block up to their
            // timeouts) must not stretch the interval in which the others are sampled.
            long period = TimeUnit.MILLISECONDS.toNanos(interval);
            AtomicReference<Timed<ZkView>> zkView = new AtomicReference<>();
            Map<String, AtomicReference<Timed<NodeView>>> nodeViews = new LinkedHashMap<>();
            List<Thread> readers = new ArrayList<>();
            readers.add(reader(
                    "watch-zookeeper",
                    stop,
                    period,
                    () -> zkView.set(
                            new Timed<>(System.nanoTime(), readZooKeeper(zk, root, zone, ledger, ledgerOut, seen)))));
            for (Map.Entry<String, String> n : nodes.entrySet()) {
                AtomicReference<Timed<NodeView>> ref = new AtomicReference<>();
                nodeViews.put(n.getKey(), ref);
                readers.add(reader(
                        "watch-" + n.getKey(),
                        stop,
                        period,
                        () -> ref.set(new Timed<>(System.nanoTime(), view(http, n.getValue())))));
            }
            long next = System.nanoTime();
            while (!stop.await(Math.max(0, next - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                next = Math.max(next + period, System.nanoTime());
                samples.write(sample(zkView.get(), nodeViews));
            }
            for (Thread r : readers) {
                r.interrupt();
            }
        } finally {
            stopped.countDown();
        }
    }

    /** An answer and when it came (monotonic clock). */
    private record Timed<T>(long nanos, T value) {
        boolean fresh() {
            return System.nanoTime() - nanos < STALE.toNanos();
        }
    }

    /** What ZooKeeper said in one read. */
    private record ZkView(
            boolean up, List<String> latch, long epoch, long lastSerial, String lastNode, long lastEpoch) {}

    /** An answer older than this counts as none: the source is not answering. */
    static final Duration STALE = Duration.ofSeconds(1);

    private static Thread reader(String name, CountDownLatch stop, long period, Runnable read) {
        Thread t = new Thread(
                () -> {
                    try {
                        long next = System.nanoTime();
                        while (!stop.await(Math.max(0, next - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                            next = Math.max(next + period, System.nanoTime());
                            read.run();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static ClusterSample sample(Timed<ZkView> zkView, Map<String, AtomicReference<Timed<NodeView>>> nodeViews) {
        Instant at = Instant.now();
        Map<String, NodeView> views = new LinkedHashMap<>();
        for (Map.Entry<String, AtomicReference<Timed<NodeView>>> n : nodeViews.entrySet()) {
            Timed<NodeView> v = n.getValue().get();
            views.put(
                    n.getKey(),
                    v != null && v.fresh()
                            ? v.value()
                            : new NodeView(false, false, false, "no answer within " + STALE.toMillis() + " ms"));
        }
        if (zkView == null || !zkView.fresh() || !zkView.value().up()) {
            return new ClusterSample(at, false, List.of(), -1, -1, "", -1, views);
        }
        ZkView z = zkView.value();
        return new ClusterSample(at, true, z.latch(), z.epoch(), z.lastSerial(), z.lastNode(), z.lastEpoch(), views);
    }

    private static ZkView readZooKeeper(
            CuratorFramework zk,
            String root,
            ZoneName zone,
            PublishLedger ledger,
            JsonLines ledgerOut,
            Set<String> seen) {
        boolean up = zk.getZookeeperClient().isConnected();
        List<String> latch = List.of();
        long epoch = -1;
        long lastSerial = -1;
        String lastNode = "";
        long lastEpoch = -1;
        if (up) {
            try {
                latch = latch(zk, new ZooKeeperLayout(root).latchPath());
                epoch = ledger.currentEpoch();
                Optional<PublishRecord> last = ledger.last(zone);
                if (last.isPresent()) {
                    lastSerial = last.get().serial();
                    lastNode = last.get().node();
                    lastEpoch = last.get().epoch();
                    if (!seen.contains(last.get().serial() + "/" + last.get().epoch())) {
                        copyNewCommits(zk, new ZooKeeperLayout(root).historyPath(zone), ledgerOut, seen);
                    }
                }
            } catch (Exception e) {
                up = false;
                System.out.println(Instant.now() + " zookeeper read failed: " + e);
            }
        }
        return new ZkView(up, latch, epoch, lastSerial, lastNode, lastEpoch);
    }

    /**
     * Copies the history records not seen before into {@code ledger.jsonl}: only the new children are
     * read (a churning zone commits every second; reading the whole history each time grows with the run).
     * {@code seen} holds child names and {@code serial/epoch} keys.
     */
    private static void copyNewCommits(CuratorFramework zk, String path, JsonLines ledgerOut, Set<String> seen)
            throws Exception {
        List<String> children;
        try {
            children = new ArrayList<>(zk.getChildren().forPath(path));
        } catch (KeeperException.NoNodeException e) {
            return;
        }
        children.sort(null); // p-NNNNNNNNNN: zero-padded sequence numbers sort as text
        Instant now = Instant.now();
        for (String child : children) {
            if (seen.contains(child)) {
                continue;
            }
            byte[] data;
            try {
                data = zk.getData().forPath(path + "/" + child);
            } catch (KeeperException.NoNodeException e) {
                seen.add(child);
                continue;
            }
            PublishedZone p = PublishedZone.parseFrom(data == null ? new byte[0] : data);
            seen.add(child);
            long serial = Integer.toUnsignedLong(p.getSerial());
            seen.add(serial + "/" + p.getEpoch());
            ledgerOut.write(new LedgerEntry(
                    serial,
                    p.getEpoch(),
                    p.getNode(),
                    HexFormat.of().formatHex(p.getSha256().toByteArray()),
                    Instant.ofEpochMilli(p.getCommittedAtMillis()),
                    now));
        }
    }

    /** The latch's participants, lowest sequence first (Curator's LeaderLatch: {@code ...-latch-NNNNNNNNNN}). */
    private static List<String> latch(CuratorFramework zk, String path) throws Exception {
        List<String> children;
        try {
            children = new ArrayList<>(zk.getChildren().forPath(path));
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
        children.sort(Comparator.comparing(c -> c.substring(c.lastIndexOf('-') + 1)));
        List<String> ids = new ArrayList<>();
        for (String c : children) {
            try {
                ids.add(new String(zk.getData().forPath(path + "/" + c), StandardCharsets.UTF_8));
            } catch (KeeperException.NoNodeException e) {
                // left between the listing and the read
            }
        }
        return ids;
    }

    private static NodeView view(HttpClient http, String hostPort) {
        try {
            HttpResponse<String> m = http.send(
                    HttpRequest.newBuilder(URI.create("http://" + hostPort + "/metrics"))
                            .timeout(Duration.ofMillis(800))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            boolean leader = m.body()
                    .lines()
                    .anyMatch(l -> l.startsWith("tandem_leader")
                            && Double.parseDouble(l.substring(l.trim().lastIndexOf(' ') + 1)
                                            .trim())
                                    == 1.0);
            HttpResponse<String> h = http.send(
                    HttpRequest.newBuilder(URI.create("http://" + hostPort + "/health"))
                            .timeout(Duration.ofMillis(800))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return new NodeView(true, leader, h.statusCode() == 200, h.body().strip());
        } catch (IOException e) {
            return new NodeView(false, false, false, e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new NodeView(false, false, false, "interrupted");
        }
    }
}
