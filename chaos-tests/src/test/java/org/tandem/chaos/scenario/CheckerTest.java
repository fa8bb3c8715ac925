package org.tandem.chaos.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.chaos.history.CapturedVersion;
import org.tandem.chaos.history.ClusterSample;
import org.tandem.chaos.history.LedgerEntry;
import org.tandem.chaos.history.ProberEvent;

class CheckerTest {
    static final Instant T0 = SelfTest.T0;

    @TempDir
    Path dir;

    private static Trial trial() {
        return SelfTest.trial("switch-failure");
    }

    private static LedgerEntry commit(long serial, long epoch, String node, String sha, int at) {
        return SelfTest.commit(serial, epoch, node, sha, at);
    }

    private static ProberEvent answer(ProberEvent.Kind kind, int at) {
        return SelfTest.answer(kind, at);
    }

    private List<String> invariants(Trial t) {
        return t.violations().stream()
                .map(Trial.Violation::invariant)
                .distinct()
                .toList();
    }

    @Test
    void aCleanHistoryViolatesNothingAndGivesTheTakeoverTimeAtTheAuthoritativeServer() {
        Trial t = trial();
        t.fault("switch of dc1 down");
        t.faultAt = T0.plusSeconds(5);
        t.expectTakeover();
        new Checker(dir)
                .check(
                        t,
                        List.of(commit(10, 1, "node-a", "aa", -30), commit(11, 2, "node-b", "bb", 12)),
                        List.of(),
                        List.of(
                                answer(ProberEvent.Kind.AD, 1),
                                answer(ProberEvent.Kind.AD, 20),
                                answer(ProberEvent.Kind.TIMEOUT, 21)),
                        List.of());
        // no capture of serial 11: the takeover did not reach the authoritative server, nor did the commit
        assertThat(invariants(t)).containsExactlyInAnyOrder("takeover", "distribution");
        assertThat(t.ledgerTakeoverSeconds).isEqualTo(7.0);
        assertThat(t.prober).containsExactly(2, 0, 1, 0);
    }

    @Test
    void twoPublishersInOneEpochAndAFallingSerialAreViolations() {
        Trial t = trial();
        new Checker(dir)
                .check(
                        t,
                        List.of(
                                commit(10, 1, "node-a", "aa", 1),
                                commit(11, 1, "node-b", "bb", 2),
                                commit(11, 2, "node-b", "cc", 3),
                                commit(9, 3, "node-a", "dd", 4)),
                        List.of(),
                        List.of(),
                        List.of());
        assertThat(t.violations())
                .extracting(Trial.Violation::detail)
                .anySatisfy(d -> assertThat(d).contains("epoch 1 has commits"))
                .anySatisfy(d -> assertThat(d).contains("serial 11 was committed with two contents"))
                .anySatisfy(d -> assertThat(d).contains("serial 9"));
        assertThat(invariants(t)).contains("INV-L1", "INV-L5").doesNotContain("INV-L4", "INV-L3");
    }

    @Test
    void aServfailAndAVersionTheLedgerNeverCommittedAreViolations() {
        Trial t = trial();
        CapturedVersion rogue = new CapturedVersion(
                T0.plusSeconds(3), "example.test.", 12, "published/example.test/12.zone", "ee", 10, "ee".repeat(32));
        new Checker(dir)
                .check(
                        t,
                        List.of(commit(10, 1, "node-a", "aa", 1)),
                        List.of(rogue),
                        List.of(answer(ProberEvent.Kind.SERVFAIL, 4)),
                        List.of());
        assertThat(invariants(t)).contains("no-servfail", "INV-L4");
        assertThat(t.violations())
                .extracting(Trial.Violation::detail)
                .anySatisfy(d -> assertThat(d).contains("1 SERVFAIL").contains("DNSSEC_BOGUS"));
    }

    @Test
    void eventsOutsideTheTrialDoNotCount() {
        Trial t = trial();
        new Checker(dir)
                .check(
                        t,
                        List.of(),
                        List.of(),
                        List.of(answer(ProberEvent.Kind.SERVFAIL, -5), answer(ProberEvent.Kind.SERVFAIL, 61)),
                        List.of());
        assertThat(t.passed()).isTrue();
        assertThat(t.prober).containsExactly(0, 0, 0, 0);
    }

    @Test
    void theMostNodesBelievingTheyLeadAtOnceIsReported() {
        Trial t = trial();
        ClusterSample.NodeView leads = new ClusterSample.NodeView(true, true, true, "ok");
        ClusterSample.NodeView waits = new ClusterSample.NodeView(true, false, true, "ok");
        new Checker(dir)
                .check(
                        t,
                        List.of(),
                        List.of(),
                        List.of(),
                        List.of(
                                new ClusterSample(
                                        T0.plusSeconds(1),
                                        true,
                                        List.of("node-a"),
                                        1,
                                        10,
                                        "node-a",
                                        1,
                                        Map.of("node-a", leads, "node-b", waits)),
                                new ClusterSample(
                                        T0.plusSeconds(2),
                                        true,
                                        List.of("node-b"),
                                        2,
                                        10,
                                        "node-a",
                                        1,
                                        Map.of("node-a", leads, "node-b", leads))));
        assertThat(t.maxConcurrentLeaders).isEqualTo(2);
        assertThat(invariants(t)).containsExactly("INV-L3");
    }

    @Test
    void everyCheckIsListedWithItsVerdict() {
        Trial t = trial();
        new Checker(dir).check(t, List.of(commit(10, 1, "node-a", "aa", 1)), List.of(), List.of(), List.of());
        assertThat(t.checks).contains("INV-L1", "INV-L3", "INV-L4", "INV-L5", "INV-K5", "INV-D1", "INV-D5");
        assertThat(t.passed("INV-L1")).isTrue();
        assertThat(t.passed("distribution")).isFalse();
    }
}
