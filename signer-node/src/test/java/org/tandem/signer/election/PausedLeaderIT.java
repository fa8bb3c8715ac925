package org.tandem.signer.election;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.Prerequisites;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;

/**
 * F3 / INV-L1, L3, L4: the leader is a separate JVM, SIGSTOPped past its session timeout while a
 * standby takes over, then SIGCONTed. After it resumes it must not publish: the publish history
 * shows one writer per epoch, epochs never going back, and strictly increasing serials.
 */
class PausedLeaderIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    private static final ZoneName ZONE = ZoneName.of("example.test");
    private static final Duration SESSION = Duration.ofSeconds(6);
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final List<String> out = new CopyOnWriteArrayList<>();
    /** Each test its own cluster in the one ZooKeeper: epochs start at 1. */
    private String root;

    private Process leader;
    private ElectionNode standby;

    @BeforeEach
    void freshRoot(TestInfo test) {
        root = "/it-paused-" + test.getTestMethod().orElseThrow().getName();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (leader != null) {
            signal("CONT");
            leader.destroyForcibly();
            leader.waitFor(10, TimeUnit.SECONDS);
        }
        if (standby != null) {
            standby.close();
        }
    }

    @Test
    void aPausedLeaderNeverPublishesAfterItLostLeadership() throws Exception {
        Prerequisites.requireTool("kill", "procps");
        startLeaderProcess();
        TestTiming.until(WAIT, "child leads and commits", () -> count("COMMIT epoch=1 ") >= 3);
        standby = new ElectionNode(ZK.connectString(), root, "node-b", new SwitchableCheck(true), SESSION).start();
        TestTiming.until(
                WAIT, "node-b is a candidate", () -> standby.election.state().role() == ElectionRole.CANDIDATE);

        signal("STOP");
        long stoppedAt = System.nanoTime();
        Instant stoppedWall = Instant.now();
        TestTiming.until(WAIT, "node-b takes over after node-a's session expired", standby::leads);
        Duration takeover = Duration.ofNanos(System.nanoTime() - stoppedAt);
        Leadership b = standby.leadership();
        assertThat(b.epoch()).isEqualTo(2);
        for (int i = 0; i < 3; i++) {
            standby.ledger.commit(b, ZONE, standby.ledger.nextSerial(ZONE, 1), KeySyncedElectionIT.sha256("b " + i));
        }
        int refusalsBeforeResume = count("REFUSED");

        signal("CONT");
        long resumedAt = System.nanoTime();
        TestTiming.until(WAIT, "node-a hears it lost", () -> count("LOST epoch=1") >= 1);
        Duration hearsLoss = Duration.ofNanos(System.nanoTime() - resumedAt);
        // let node-a run a while longer, as a resumed leader would, while node-b keeps publishing
        for (int i = 3; i < 6; i++) {
            standby.ledger.commit(b, ZONE, standby.ledger.nextSerial(ZONE, 1), KeySyncedElectionIT.sha256("b " + i));
        }
        TestTiming.until(WAIT, "node-a re-enters as a candidate", () -> {
            try {
                return standby.client
                                .getChildren()
                                .forPath(root + "/cluster/leader")
                                .size()
                        == 2;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });

        List<PublishRecord> history = standby.ledger.history(ZONE);
        System.out.println("F3 pause: takeover after " + takeover.toMillis() + " ms, paused leader heard LOST "
                + hearsLoss.toMillis() + " ms after SIGCONT; child said: " + filtered());
        // no commit by node-a after it was paused: every epoch-1 commit line and record is older than the stop
        // its in-flight commit was refused by its own lease check, before the epoch fence was asked
        TestTiming.until(
                WAIT,
                "node-a's in-flight commit refused by its lease",
                () -> out.stream()
                        .filter(l -> l.startsWith("REFUSED"))
                        .skip(refusalsBeforeResume)
                        .anyMatch(l -> l.contains("StaleLeadershipException")
                                && l.contains("leadership no longer valid here")));
        assertThat(out.stream().filter(l -> l.startsWith("REFUSED")).skip(refusalsBeforeResume))
                .allSatisfy(l -> assertThat(l).startsWith("REFUSED epoch=1 "));
        // every COMMIT line names a serial node-a committed before the pause (a line may be printed late:
        // SIGSTOP can land between a commit and its line)
        List<Long> committedBeforeStop = standby.ledger.history(ZONE).stream()
                .filter(r -> r.node().equals("node-a") && !r.committedAt().isAfter(stoppedWall))
                .map(PublishRecord::serial)
                .toList();
        assertThat(out.stream()
                        .filter(l -> l.startsWith("COMMIT"))
                        .map(l -> Long.parseLong(l.replaceAll(".* serial=(\\d+) .*", "$1"))))
                .as("serials of node-a's COMMIT lines")
                .allMatch(committedBeforeStop::contains);
        assertThat(history.stream().filter(r -> r.node().equals("node-a")))
                .allMatch(r -> r.epoch() == 1 && !r.committedAt().isAfter(stoppedWall));
        assertOneWriterPerEpochAndMonotonicSerials(history);
        assertThat(history.get(history.size() - 1).node()).isEqualTo("node-b");
    }

    @Test
    void aPausedLeaderWhoseLeaseIsBypassedIsStoppedByTheEpochCheckAlone() throws Exception {
        Prerequisites.requireTool("kill", "procps");
        startLeaderProcess("bypass-lease"); // node-a commits under its first term whatever its lease says
        TestTiming.until(WAIT, "child leads and commits", () -> count("COMMIT epoch=1 ") >= 3);
        standby = new ElectionNode(ZK.connectString(), root, "node-b", new SwitchableCheck(true), SESSION).start();
        TestTiming.until(
                WAIT, "node-b is a candidate", () -> standby.election.state().role() == ElectionRole.CANDIDATE);

        signal("STOP");
        Instant stoppedWall = Instant.now();
        TestTiming.until(WAIT, "node-b takes over after node-a's session expired", standby::leads);
        Leadership b = standby.leadership();
        standby.ledger.commit(b, ZONE, standby.ledger.nextSerial(ZONE, 1), KeySyncedElectionIT.sha256("b 0"));
        int commitsBeforeResume = count("COMMIT");

        signal("CONT");
        String fenced = "the cluster epoch is now " + b.epoch();
        TestTiming.until(WAIT, "node-a's commits are refused by the epoch check", () -> refusals(fenced) >= 3);
        standby.ledger.commit(b, ZONE, standby.ledger.nextSerial(ZONE, 1), KeySyncedElectionIT.sha256("b 1"));

        System.out.println("F3 pause, lease bypassed: node-a said: " + filtered());
        assertThat(count("COMMIT")).as("commits by node-a after SIGCONT").isEqualTo(commitsBeforeResume);
        assertThat(out.stream().filter(l -> l.startsWith("REFUSED")))
                .as("the lease was out of the way: no refusal names it")
                .noneMatch(l -> l.contains("no longer valid here"));
        List<PublishRecord> history = standby.ledger.history(ZONE);
        assertThat(history.stream().filter(r -> r.node().equals("node-a")))
                .allMatch(r -> r.epoch() == 1 && !r.committedAt().isAfter(stoppedWall));
        assertOneWriterPerEpochAndMonotonicSerials(history);
        assertThat(history.get(history.size() - 1).node()).isEqualTo("node-b");
    }

    /** The chaos harness's history check: one node per epoch, epochs never go back, serials strictly increase. */
    static void assertOneWriterPerEpochAndMonotonicSerials(List<PublishRecord> history) {
        assertThat(history).isNotEmpty();
        Map<Long, String> writer = new LinkedHashMap<>();
        PublishRecord previous = null;
        for (PublishRecord r : history) {
            String w = writer.putIfAbsent(r.epoch(), r.node());
            assertThat(w == null ? r.node() : w)
                    .as("writer of epoch %d", r.epoch())
                    .isEqualTo(r.node());
            if (previous != null) {
                assertThat(r.epoch()).as("epoch order at %s", r).isGreaterThanOrEqualTo(previous.epoch());
                assertThat(Serials.greater(r.serial(), previous.serial()))
                        .as("serial after %s: %s", previous, r)
                        .isTrue();
            }
            previous = r;
        }
    }

    private void startLeaderProcess(String... extra) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                PausedLeaderMain.class.getName(),
                ZK.connectString(),
                root,
                "node-a",
                String.valueOf(TestTiming.scaled(SESSION).toMillis()),
                ZONE.toString()));
        cmd.addAll(List.of(extra));
        leader = new ProcessBuilder(cmd)
                .redirectError(dir.resolve("node-a.log").toFile())
                .start();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader r = new BufferedReader(
                            new InputStreamReader(leader.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = r.readLine()) != null) {
                            out.add(line);
                        }
                    } catch (IOException e) {
                        out.add("READ-ERROR " + e);
                    }
                },
                "node-a-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    private void signal(String signal) throws InterruptedException {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(leader.pid()))
                    .inheritIO()
                    .start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(kill.exitValue()).as("kill -%s exit code", signal).isZero();
        } catch (IOException e) {
            throw new AssertionError("kill -" + signal + " failed", e);
        }
    }

    private int count(String prefix) {
        return (int) out.stream().filter(l -> l.startsWith(prefix)).count();
    }

    private int refusals(String reason) {
        return (int) out.stream()
                .filter(l -> l.startsWith("REFUSED epoch=1 ") && l.contains(reason))
                .count();
    }

    private List<String> filtered() {
        return out.stream().filter(l -> !l.startsWith("COMMIT")).toList();
    }
}
