package org.tandem.signer.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** INV-D5 / F8: the clock-skew guard with an injected wall clock, monotonic clock and reference. */
class ClockGuardTest {
    private static final Duration MAX = Duration.ofSeconds(30);
    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-01T12:00:00Z"));
    private final FakeClockReference reference = new FakeClockReference(clock);
    private final ClockGuard guard = new ClockGuard("node-a", reference, "ZooKeeper", MAX, clock, clock::nanoTime);

    @Test
    void beforeTheFirstReadingTheSkewIsUnknownAndRefuses() {
        ClockVerdict v = guard.verdict();
        assertThat(v.ok()).isFalse();
        assertThat(v.skew()).isEmpty();
        assertThat(v.skewSeconds()).isNaN();
        assertThat(v.describe()).isEqualTo("clock skew unknown vs ZooKeeper: no reference reading yet");
    }

    @Test
    void aReadingGivesTheSkewAtTheMidpointWithHalfTheRoundTripAsUncertainty() throws Exception {
        reference.localAhead = Duration.ofMillis(1500);
        reference.roundTrip = Duration.ofMillis(10);
        ClockVerdict v = guard.sample();
        assertThat(v.ok()).isTrue();
        // the reading is taken 5 ms after the sample's midpoint: local and monotonic advanced alike
        assertThat(v.skew()).contains(Duration.ofMillis(1500));
        assertThat(v.uncertainty()).isEqualTo(Duration.ofMillis(6));
        assertThat(v.describe()).isEqualTo("clock skew +1.5 s vs ZooKeeper (±0.006 s) within max-skew 30 s");
    }

    @Test
    void f8AWallClockJumpShowsAtOnceWithoutANewReading() throws Exception {
        guard.sample();
        clock.advance(Duration.ofSeconds(3));
        assertThat(guard.verdict().ok()).isTrue();
        int readings = reference.calls.get();

        clock.jump(Duration.ofDays(1).plusMillis(200)); // the wall clock jumps, the monotonic one does not

        ClockVerdict v = guard.verdict();
        assertThat(reference.calls.get()).as("no round trip").isEqualTo(readings);
        assertThat(v.ok()).isFalse();
        assertThat(v.skew()).contains(Duration.ofDays(1).plusMillis(200));
        assertThat(v.describe()).isEqualTo("clock skew +86400.2 s vs ZooKeeper exceeds max-skew 30 s");
    }

    @Test
    void aBackwardJumpRefusesToo() throws Exception {
        guard.sample();
        clock.jump(Duration.ofHours(-2));
        assertThat(guard.verdict().ok()).isFalse();
        assertThat(guard.verdict().describe()).startsWith("clock skew -7200.0 s vs ZooKeeper exceeds max-skew 30 s");
    }

    @Test
    void theThresholdIsInclusiveAndSlowDriftShowsAtTheNextReading() throws Exception {
        guard.sample();
        reference.localAhead = MAX; // drifted to exactly the threshold: extrapolation cannot see drift
        assertThat(guard.verdict().skew()).contains(Duration.ZERO);
        assertThat(guard.sample().ok()).isTrue();
        reference.localAhead = MAX.plusMillis(1);
        ClockVerdict v = guard.sample();
        assertThat(v.ok()).isFalse();
        assertThat(v.describe()).contains("exceeds max-skew 30 s");
    }

    @Test
    void theNodeIsEligibleAgainWhenTheClockIsBackWithinTheThreshold() throws Exception {
        guard.sample();
        clock.jump(Duration.ofDays(1));
        reference.localAhead = Duration.ofDays(1);
        assertThat(guard.sample().ok()).isFalse();
        clock.jump(Duration.ofDays(-1)); // ntp steps it back
        assertThat(guard.verdict().ok())
                .as("the extrapolation sees the step back at once")
                .isTrue();
        reference.localAhead = Duration.ZERO;
        assertThat(guard.sample().ok()).isTrue();
    }

    @Test
    void verdictAtChecksTheGivenReadingNotALaterOne() throws Exception {
        guard.sample();
        Instant bad = clock.instant().plus(Duration.ofHours(1));
        assertThat(guard.verdictAt(bad).ok()).isFalse();
        assertThat(guard.verdictAt(clock.instant()).ok()).isTrue();
    }

    @Test
    void aFailedReadingKeepsTheLastGoodOneAndSaysWhy() throws Exception {
        guard.sample();
        reference.fail("ZooKeeper not connected");
        ClockVerdict v = guard.sample();
        assertThat(v.ok()).isTrue();
        assertThat(v.note()).contains("/fake/clocks/node-a", "ZooKeeper not connected");
        clock.jump(Duration.ofMinutes(5));
        assertThat(guard.verdict().ok())
                .as("still extrapolated from the last good reading")
                .isFalse();
    }

    @Test
    void aFailedFirstReadingLeavesTheSkewUnknown() throws Exception {
        reference.fail("ZooKeeper not connected");
        ClockVerdict v = guard.sample();
        assertThat(v.ok()).isFalse();
        assertThat(v.describe())
                .isEqualTo("clock skew unknown vs ZooKeeper: clock reference /fake/clocks/node-a: ZooKeeper "
                        + "not connected");
    }

    @Test
    void aReadingWithARoundTripLongerThanTheThresholdIsDiscarded() throws Exception {
        reference.roundTrip = Duration.ofSeconds(40); // uncertainty 20 s > 30 s / 2
        ClockVerdict v = guard.sample();
        assertThat(v.ok()).isFalse();
        assertThat(v.describe()).contains("unknown", "round trip 40000 ms is too long for max-skew 30 s");
    }

    @Test
    void theThresholdMustBePositive() {
        assertThatThrownBy(() -> new ClockGuard("node-a", reference, "ZooKeeper", Duration.ZERO, clock))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxSkew");
    }

    @Test
    void aSampleRejectsAnAfterBeforeItsBefore() {
        assertThatThrownBy(() -> new ClockSample(Instant.EPOCH, Instant.EPOCH, 10, 9))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
