package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.KeySyncedTokens;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.keysync.testing.TestPki;
import org.tandem.keysync.testing.TestPorts;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.signer.election.ClusterConnection;
import org.tandem.signer.election.LedgerException;
import org.tandem.signer.election.PublishLedger;
import org.tandem.signer.election.PublishRecord;
import org.tandem.signer.publish.SignedZoneFile;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;

/**
 * F8 / INV-D5 end to end: a real signer-node JVM under libfaketime (LD_PRELOAD, the offset in a file
 * the test rewrites while the node runs, the monotonic clock left true) leads and publishes; its wall
 * clock jumps a day ahead; it must stop leading within seconds, publish nothing (no RRSIG with an
 * inception in the future) and say why in its log, {@code /health} and {@code /metrics}; back at
 * {@code +0} it leads and publishes again.
 */
class ClockJumpIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    /** libfaketime from Debian's {@code libfaketime} package. */
    static final Path LIBFAKETIME = Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1");

    static final ZoneName ZONE = ZoneName.of("example.test");
    static final Duration SESSION = Duration.ofSeconds(5);
    static final Duration WAIT = Duration.ofSeconds(Long.getLong("clockjump.wait", 90));

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final Clock clock = Clock.systemUTC();
    private NodeProcess node;
    private PublishLedger ledger;
    private Path faketime;
    private int metricsPort;

    @BeforeEach
    void cluster() throws Exception {
        Prerequisites.requireSoftHsm();
        Prerequisites.require(Files.isRegularFile(LIBFAKETIME), LIBFAKETIME + " (apt-get install libfaketime)");
        Prerequisites.requireTool("ldns-verify-zone", "ldnsutils");
        String root = "/clock-jump-" + Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);
        KeySyncedTokens tokens =
                KeySyncedTokens.create(List.of("node-a"), ZONE, ZK.connectString(), root, dir.resolve("audit.jsonl"));
        open.add(tokens);
        ClusterConnection cluster =
                ClusterConnection.connect(ZK.clientSettings(), root, Duration.ofSeconds(20), Duration.ofSeconds(10));
        open.add(cluster);
        ledger = cluster.ledger(clock);
        TestPki pki = TestPki.create(dir.resolve("pki"), "clock-jump CA");
        NodeTestFiles.zone(dir, NodeTestFiles.MINIMAL_ZONE + "www      A     192.0.2.80\n");
        HsmSpec s = tokens.spec("node-a");
        Path hsmYaml = dir.resolve("node-a-hsm.yaml");
        Files.writeString(
                hsmYaml,
                "hsms:\n  - name: node-a\n    library: " + s.library() + "\n    token-label: "
                        + s.tokenLabel() + "\n    pin-file: " + s.pinFile() + "\nzookeeper: " + ZK.connectString()
                        + "\nzookeeper-root: " + root + "\n");
        TlsMaterial tls = pki.issue("node-a", "node");
        metricsPort = freePort();
        Path config = NodeYaml.node("node-a", "dc-a")
                .hsmConfig(hsmYaml)
                .zone(ZONE.toString(), "zones/example.test.zone")
                .plaintextZooKeeper(ZK.connectString(), SESSION, root)
                .grpc("127.0.0.1:" + freePort())
                .metrics("127.0.0.1:" + metricsPort)
                .tls(tls)
                .more("resign: {floor: 1s, debounce: 200ms}\nclock: {max-skew: 30s}\n")
                .write(dir.resolve("node-a.yaml"));
        faketime = dir.resolve("faketime");
        setOffset("+0");
        Map<String, String> env = new HashMap<>(SoftHsmTokens.shared().environment());
        env.putAll(faketimeEnvironment(faketime));
        node = NodeProcess.start("node-a", config, env, dir.resolve("logs"));
    }

    /**
     * The recipe: preload libfaketime, read the offset from a file (re-read at most every second), keep
     * the monotonic clock (System.nanoTime) true, and switch libfaketime's "monotonic fix" off: with it
     * (the default on this glibc) every timed wait of the JVM (Thread.sleep, parkNanos, Object.wait)
     * spins, and the node crawled (1.2 s CPU for 4 s of an idle JVM; 13 s to connect to ZooKeeper).
     */
    static Map<String, String> faketimeEnvironment(Path offsetFile) {
        return Map.of(
                "LD_PRELOAD", LIBFAKETIME.toString(),
                "FAKETIME_TIMESTAMP_FILE", offsetFile.toString(),
                "FAKETIME_CACHE_DURATION", "1",
                "FAKETIME_DONT_FAKE_MONOTONIC", "1",
                "FAKETIME_FORCE_MONOTONIC_FIX", "0");
    }

    /** Rewrites the offset file atomically (libfaketime must never read a half-written file). */
    private void setOffset(String offset) throws IOException {
        Path tmp = faketime.resolveSibling("faketime.tmp");
        Files.writeString(tmp, offset + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, faketime, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @AfterEach
    void stop() throws Exception {
        if (node != null) {
            node.close();
            String keep = System.getProperty("clockjump.log"); // -Dclockjump.log=FILE keeps the node's log
            if (keep != null) {
                Files.writeString(Path.of(keep), node.log());
            }
        }
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void f8ALeaderWhoseWallClockJumpsADayAheadStopsLeadingAndPublishesNothingUntilItIsBack() throws Exception {
        PublishRecord first = awaitPublish(r -> r.node().equals("node-a"), "node-a publishes under +0");
        validates(versionFile(first));
        assertThat(Files.readString(Path.of("/proc/" + node.pid() + "/maps")))
                .as("libfaketime is loaded in the node")
                .contains("libfaketime.so.1");
        assertThat(http("/health")).startsWith("200 ");

        long jumped = System.nanoTime();
        setOffset("+1d");
        String health = awaitHttp("/health", r -> r.startsWith("503 ") && r.contains("clock skew +86"));
        double seconds = (System.nanoTime() - jumped) / 1e9;
        assertThat(seconds).as("refusal within a few seconds of the jump").isLessThan(5.0);
        System.out.printf(Locale.ROOT, "F8 clock jump +1d: /health named the skew after %.2f s%n", seconds);
        // the clock check's own line, or the election's loss reason when the lease went first: both name the skew
        assertThat(health)
                .containsPattern("node node-a(: | is not eligible: lost: clock-skew: )"
                        + "clock skew \\+86(39[89]|40[01])\\.\\d s vs "
                        + "ZooKeeper exceeds max-skew 30 s");

        // a change a leader would publish at once (floor 1 s, debounce 200 ms)
        Files.writeString(
                dir.resolve("zones/example.test.zone"),
                "txt TXT \"changed while the clock was a day ahead\"\n",
                StandardOpenOption.APPEND);
        long until = System.nanoTime() + Duration.ofSeconds(8).toNanos();
        while (System.nanoTime() < until) {
            assertThat(ledger.last(ZONE)).contains(first);
            Thread.sleep(250);
        }
        String metrics = http("/metrics");
        assertThat(metrics)
                // the skew is measured: a millisecond either side of the day
                .containsPattern("tandem_clock_skew_seconds\\{node=\"node-a\"\\} 86(39[89]|40[01])\\.")
                .contains("tandem_clock_ok{node=\"node-a\"} 0.0")
                .contains("tandem_leader{node=\"node-a\"} 0.0")
                .contains("tandem_clock_max_skew_seconds{node=\"node-a\"} 30.0");
        String log = node.log();
        assertThat(log)
                .containsPattern(
                        "node=node-a event=clock-skew clock skew \\+86(39[89]|40[01])\\.\\d s vs ZooKeeper exceeds"
                                + " max-skew 30 s; the node does not sign");
        assertThat(log)
                .containsPattern("election node=node-a epoch=\\d+ (leadership lost reason=clock-skew|clock skew)");
        assertThat(Files.readString(dir.resolve("published/example.test.zone")))
                .isEqualTo(Files.readString(versionFile(first)));
        noInceptionInTheFuture();

        setOffset("+0");
        PublishRecord again =
                awaitPublish(r -> r.serial() > first.serial(), "node-a publishes the change once back at +0");
        assertThat(again.node()).isEqualTo("node-a");
        assertThat(again.epoch()).isGreaterThan(first.epoch());
        assertThat(Files.readString(versionFile(again))).contains("changed while the clock was a day ahead");
        validates(versionFile(again));
        noInceptionInTheFuture();
        assertThat(ledger.history(ZONE)).allMatch(r -> !r.committedAt().isAfter(Instant.now()));
        assertThat(awaitHttp("/health", r -> r.startsWith("200 "))).startsWith("200 ");

        // later changes are published as usual: nothing stamped while the clock was a day ahead (the source
        // change above) holds the zone until the clock reaches that stamp
        Files.writeString(
                dir.resolve("zones/example.test.zone"),
                "later TXT \"changed after the clock came back\"\n",
                StandardOpenOption.APPEND);
        PublishRecord later = awaitPublish(r -> r.serial() > again.serial(), "node-a publishes a later change");
        assertThat(later.node()).isEqualTo("node-a");
        assertThat(Files.readString(versionFile(later))).contains("changed after the clock came back");
        validates(versionFile(later));
    }

    /** Every version ever written: no RRSIG incepted after the true time (what every validator would call bogus). */
    private void noInceptionInTheFuture() throws Exception {
        Instant now = Instant.now();
        try (Stream<Path> files = Files.list(dir.resolve("published/example.test"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".zone")).toList()) {
                List<RRSIGRecord> sigs = new ArrayList<>();
                for (Record r : SignedZoneFile.read(f, ZONE.name())) {
                    if (r instanceof RRSIGRecord sig) {
                        sigs.add(sig);
                    }
                }
                assertThat(sigs)
                        .as(f.toString())
                        .isNotEmpty()
                        .allSatisfy(sig -> assertThat(sig.getTimeSigned())
                                .as(f + " " + sig)
                                .isBefore(now));
            }
        }
    }

    private PublishRecord awaitPublish(Predicate<PublishRecord> what, String name) throws Exception {
        PublishRecord[] found = new PublishRecord[1];
        try {
            TestTiming.until(WAIT, name, () -> {
                try {
                    Optional<PublishRecord> last = ledger.last(ZONE);
                    found[0] = last.filter(what).orElse(null);
                    return found[0] != null
                            && Files.exists(versionFile(found[0]))
                            && Files.isSameFile(dir.resolve("published/example.test.zone"), versionFile(found[0]));
                } catch (LedgerException | IOException e) {
                    return false;
                }
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last " + ledger.last(ZONE) + "\n" + tail(), e);
        }
        return found[0];
    }

    private String awaitHttp(String path, Predicate<String> what) throws Exception {
        String[] last = {"no answer"};
        try {
            TestTiming.until(WAIT, path + " answers as expected", () -> {
                last[0] = http(path);
                return what.test(last[0]);
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last: " + last[0] + "\n" + tail(), e);
        }
        return last[0];
    }

    /** "STATUS BODY", or the exception text. */
    private String http(String path) {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + path))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body();
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e.toString();
        }
    }

    private String tail() throws IOException {
        String log = node.log();
        return "--- node-a ---\n" + (log.length() > 8000 ? log.substring(log.length() - 8000) : log) + threads();
    }

    /** The node's thread dump ({@code jcmd PID Thread.print}), for a failure message. */
    private String threads() {
        try {
            Process p = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "jcmd")
                                    .toString(),
                            Long.toString(node.pid()),
                            "Thread.print")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return "\n--- node-a threads ---\n" + out;
        } catch (IOException e) {
            return "\n(no thread dump: " + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static void validates(Path file) throws Exception {
        Process p = new ProcessBuilder("ldns-verify-zone", file.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("ldns-verify-zone " + file + ": " + out).isZero();
    }

    private Path versionFile(PublishRecord r) {
        return dir.resolve("published/example.test").resolve(r.serial() + ".zone");
    }

    private static int freePort() throws IOException {
        return TestPorts.free();
    }
}
