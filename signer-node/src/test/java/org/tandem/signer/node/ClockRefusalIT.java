package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.signer.election.JumpableClock;
import org.tandem.signer.election.Leadership;
import org.tandem.signer.election.PublishLedger;
import org.tandem.signer.election.PublishRecord;
import org.tandem.signer.publish.Retention;
import org.tandem.signer.publish.ZoneDirectory;
import org.tandem.signer.sign.SigningPolicy;

/**
 * INV-D5 in the zone cycle, with a SoftHSM2 token, a real ZooKeeper as the reference and a wall clock
 * the test jumps: a leader refuses to sign when its clock is a day ahead (stage CLOCK, before
 * signing), and refuses the commit when the clock jumps during the run (after signing, before the
 * ledger commit); either way the ledger and the published file stay as they were.
 */
class ClockRefusalIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    private static final ZoneName ZONE = ZoneName.of("example.test");

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final JumpableClock clock = new JumpableClock();
    private final AtomicBoolean jumpAtThePermit = new AtomicBoolean();
    private PublishLedger ledger;
    private ZoneCycle cycle;
    private ZoneDirectory directory;
    private Leadership leadership;

    @BeforeEach
    void leaderWithKeys() throws Exception {
        LoneLeader lone = LoneLeader.start(ZK, "clock-refusal", ZONE, dir, clock);
        open.add(lone);
        ledger = lone.ledger;
        leadership = lone.leadership;

        Path source = dir.resolve("example.test.zone");
        Files.writeString(source, """
                $ORIGIN example.test.
                $TTL 3600
                @    SOA ns1 hostmaster 2026120100 7200 3600 1209600 300
                @    NS  ns1
                ns1  A   192.0.2.53
                """, StandardCharsets.US_ASCII);
        Path out = Files.createDirectories(dir.resolve("published"));
        ZoneConfig zone = new ZoneConfig(ZONE, source, Optional.empty(), SigningPolicy.defaults(), out);
        directory = new ZoneDirectory(out, Retention.all());
        cycle = lone.cycle(zone, directory, () -> {
            if (jumpAtThePermit.get()) {
                clock.set(Duration.ofDays(1)); // during the run: after signing, before the commit
            }
            return true;
        });
    }

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void aLeaderWhoseClockIsADayAheadRefusesToSignAndTheLastGoodZoneStays() throws Exception {
        ZoneCycle.Outcome first = cycle.publish(leadership, "test", false, List.of());
        assertThat(first).isInstanceOf(ZoneCycle.Outcome.Published.class);
        PublishRecord published = ledger.last(ZONE).orElseThrow();
        String current = Files.readString(directory.currentFile(ZONE));

        clock.set(Duration.ofDays(1));
        ZoneCycle.Outcome o = cycle.publish(leadership, "test", false, List.of());

        assertThat(o).isInstanceOfSatisfying(ZoneCycle.Outcome.Stopped.class, s -> {
            assertThat(s.stage()).isEqualTo(ZoneCycle.Stage.CLOCK);
            assertThat(s.reason())
                    .matches("clock skew \\+86(39[89]|40[01])\\.\\d s vs ZooKeeper exceeds max-skew 30 s; refused to"
                            + " sign, the last good zone stays published");
        });
        assertThat(ledger.last(ZONE)).contains(published);
        assertThat(Files.readString(directory.currentFile(ZONE))).isEqualTo(current);

        clock.set(Duration.ZERO);
        assertThat(cycle.publish(leadership, "test", false, List.of()))
                .as("back within the threshold")
                .isInstanceOf(ZoneCycle.Outcome.Published.class);
    }

    @Test
    void aClockJumpDuringTheRunRefusesTheCommit() throws Exception {
        assertThat(cycle.publish(leadership, "test", false, List.of())).isInstanceOf(ZoneCycle.Outcome.Published.class);
        PublishRecord published = ledger.last(ZONE).orElseThrow();
        String current = Files.readString(directory.currentFile(ZONE));
        Files.writeString(dir.resolve("example.test.zone"), "www A 192.0.2.80\n", StandardOpenOption.APPEND);

        jumpAtThePermit.set(true);
        ZoneCycle.Outcome o = cycle.publish(leadership, "test", false, List.of());

        assertThat(clock.offset())
                .as("the permit ran, so the run got past signing")
                .isEqualTo(Duration.ofDays(1));
        assertThat(o).isInstanceOfSatisfying(ZoneCycle.Outcome.Stopped.class, s -> {
            assertThat(s.stage()).isEqualTo(ZoneCycle.Stage.CLOCK);
            assertThat(s.reason()).contains("exceeds max-skew 30 s; refused to commit");
        });
        assertThat(ledger.last(ZONE)).contains(published);
        assertThat(Files.readString(directory.currentFile(ZONE))).isEqualTo(current);
    }
}
