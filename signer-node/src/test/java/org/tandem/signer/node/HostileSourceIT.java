package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.signer.election.JumpableClock;
import org.tandem.signer.election.Leadership;
import org.tandem.signer.election.PublishLedger;
import org.tandem.signer.election.PublishRecord;
import org.tandem.signer.publish.Retention;
import org.tandem.signer.publish.ZoneDirectory;
import org.tandem.signer.sign.SigningPolicy;
import org.tandem.signer.zone.ZoneLimits;

/**
 * A zone source turned hostile on a leader that signs with a SoftHSM2 token and a real ZooKeeper:
 * each attack (an {@code $INCLUDE} of the node's PIN file by absolute path, by {@code ../} and through
 * a symlink, of a FIFO, of {@code /dev/zero}; a {@code $GENERATE} over the cap; more records than the
 * cap; a source over the size cap) stops the run at stage SOURCE with an error naming the file, line
 * and cap, the PIN never appears in it, and the last good signed zone stays published and committed.
 */
class HostileSourceIT {
    private static final ZoneLimits LIMITS = new ZoneLimits(64 << 10, 8 << 10, 100, 50);
    private static final String PIN = "SECRET-PIN-4711";
    private static final String GOOD = """
            $ORIGIN example.test.
            $TTL 3600
            @    SOA ns1 hostmaster 2026120100 7200 3600 1209600 300
            @    NS  ns1
            ns1  A   192.0.2.53
            """;

    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    private static final ZoneName ZONE = ZoneName.of("example.test");

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final JumpableClock clock = new JumpableClock();
    private PublishLedger ledger;
    private ZoneCycle cycle;
    private ZoneDirectory directory;
    private Leadership leadership;

    @BeforeEach
    void leaderWithKeys() throws Exception {
        LoneLeader lone = LoneLeader.start(ZK, "hostile-source", ZONE, dir, clock);
        open.add(lone);
        ledger = lone.ledger;
        leadership = lone.leadership;

        Path source = Files.createDirectories(dir.resolve("zones")).resolve("example.test.zone");
        Files.writeString(source, GOOD, StandardCharsets.US_ASCII);
        Path out = Files.createDirectories(dir.resolve("published"));
        ZoneConfig zone = new ZoneConfig(ZONE, source, Optional.empty(), SigningPolicy.defaults(), out, LIMITS);
        directory = new ZoneDirectory(out, Retention.all());
        cycle = lone.cycle(zone, directory, () -> true);
    }

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    /** One attack: what the source says, the file and line the error must name, and what it must say. */
    private record Attack(String name, String source, String file, int line, String reason) {}

    @Test
    void everyHostileSourceStopsTheRunAndTheLastGoodZoneStaysPublished() throws Exception {
        assertThat(cycle.publish(leadership, "test", false, List.of())).isInstanceOf(ZoneCycle.Outcome.Published.class);
        PublishRecord published = ledger.last(ZONE).orElseThrow();
        String current = Files.readString(directory.currentFile(ZONE));

        Path zones = dir.resolve("zones");
        Path pin = Files.writeString(
                Files.createDirectories(dir.resolve("etc/tandem")).resolve("dc1-hsm1.pin"), PIN + "\n");
        Files.createSymbolicLink(zones.resolve("pin.inc"), pin);
        Files.createSymbolicLink(zones.resolve("zero.inc"), Path.of("/dev/zero"));
        Process mkfifo = new ProcessBuilder("mkfifo", zones.resolve("fifo.inc").toString())
                .inheritIO()
                .start();
        assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0)
                .as("mkfifo")
                .isTrue();
        String source = "example.test.zone";
        List<Attack> attacks = List.of(
                new Attack(
                        "absolute path",
                        GOOD + "$INCLUDE " + pin + "\n",
                        source,
                        6,
                        "outside the zone source's directory"),
                new Attack(
                        "../",
                        GOOD + "$INCLUDE ../etc/tandem/dc1-hsm1.pin\n",
                        source,
                        6,
                        "outside the zone source's directory"),
                new Attack("symlink", GOOD + "$INCLUDE pin.inc\n", source, 6, "outside the zone source's directory"),
                new Attack("/dev/zero", GOOD + "$INCLUDE zero.inc\n", source, 6, "outside the zone source's directory"),
                new Attack("FIFO", GOOD + "$INCLUDE fifo.inc\n", source, 6, "is not a regular file"),
                new Attack(
                        "$GENERATE",
                        GOOD + "$GENERATE 0-4294967295 h-$ A 192.0.2.1\n",
                        source,
                        6,
                        "zone-limits.max-generate-records (50)"),
                new Attack(
                        "records",
                        GOOD + "$GENERATE 1-50 a-$ A 192.0.2.1\n$GENERATE 1-50 b-$ A 192.0.2.2\n",
                        source,
                        7,
                        "zone-limits.max-records (100)"),
                new Attack(
                        "size",
                        GOOD + "; padding to grow the file past the cap, line after line\n".repeat(1300),
                        source,
                        0,
                        "zone-limits.max-file-size (65536 bytes)"));
        for (Attack attack : attacks) {
            Files.writeString(zones.resolve(source), attack.source(), StandardCharsets.US_ASCII);
            ZoneCycle.Outcome o = assertTimeoutPreemptively(
                    TestTiming.scaled(Duration.ofSeconds(30)),
                    () -> cycle.publish(leadership, "test", false, List.of()),
                    attack.name());
            assertThat(o).as(attack.name()).isInstanceOfSatisfying(ZoneCycle.Outcome.Stopped.class, s -> {
                assertThat(s.stage()).isEqualTo(ZoneCycle.Stage.SOURCE);
                assertThat(s.reason())
                        .startsWith(zones.resolve(attack.file()) + ":" + attack.line() + ": ")
                        .contains(attack.reason())
                        .doesNotContain(PIN);
            });
            assertThat(ledger.last(ZONE)).as(attack.name()).contains(published);
            assertThat(Files.readString(directory.currentFile(ZONE)))
                    .as(attack.name())
                    .isEqualTo(current);
        }

        Files.writeString(zones.resolve(source), GOOD.replace("2026120100", "2026120101"), StandardCharsets.US_ASCII);
        assertThat(cycle.publish(leadership, "test", false, List.of()))
                .as("a good source again")
                .isInstanceOf(ZoneCycle.Outcome.Published.class);
    }
}
