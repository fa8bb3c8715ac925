package org.tandem.signer.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.sign.SigningPolicy;

class ResignPlannerTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final ZoneName ZONE = ZoneName.of("example.com");
    private static final SigningPolicy POLICY = SigningPolicy.defaults(); // refresh 7 d
    private final ResignPlanner planner = new ResignPlanner(Duration.ofSeconds(10), Clock.fixed(NOW, ZoneOffset.UTC));

    private static ZoneResignState state(Instant expiry, Instant changed, Instant attempt) {
        return new ZoneResignState(
                ZONE, Optional.ofNullable(expiry), Optional.ofNullable(changed), Optional.ofNullable(attempt));
    }

    @Test
    void signsAZoneWithoutASignedVersionNow() {
        ResignPlan plan = planner.plan(ZoneResignState.unsigned(ZONE), POLICY, NOW);

        assertThat(plan.due()).isEqualTo(NOW);
        assertThat(plan.reason()).isEqualTo(ResignReason.NEVER_SIGNED);
        assertThat(plan.heldByFloor()).isFalse();
    }

    @Test
    void resignsWhenTheEarliestSignatureReachesItsRefreshPoint() {
        Instant expiry = NOW.plus(Duration.ofDays(13));

        ResignPlan plan = planner.plan(state(expiry, null, NOW.minus(Duration.ofDays(1))), POLICY, NOW);

        assertThat(plan.due()).isEqualTo(expiry.minus(Duration.ofDays(7)));
        assertThat(plan.reason()).isEqualTo(ResignReason.REFRESH);
    }

    @Test
    void resignsAtOnceWhenTheRefreshPointHasPassed() {
        // Mozilla 2013 shape: the node was down; signatures have less than the refresh left.
        ResignPlan plan = planner.plan(state(NOW.plus(Duration.ofDays(2)), null, null), POLICY, NOW);

        assertThat(plan.due()).isEqualTo(NOW);
        assertThat(plan.reason()).isEqualTo(ResignReason.REFRESH);
    }

    @Test
    void aSourceChangeComesBeforeTheRefresh() {
        Instant changed = NOW.minusSeconds(3);

        ResignPlan plan =
                planner.plan(state(NOW.plus(Duration.ofDays(13)), changed, NOW.minusSeconds(600)), POLICY, NOW);

        assertThat(plan.due()).isEqualTo(NOW);
        assertThat(plan.reason()).isEqualTo(ResignReason.SOURCE_CHANGED);
    }

    @Test
    void aRefreshDueBeforeTheSourceChangeWins() {
        ResignPlan plan = planner.plan(state(NOW.plus(Duration.ofDays(1)), NOW.plusSeconds(60), null), POLICY, NOW);

        assertThat(plan.reason()).isEqualTo(ResignReason.REFRESH);
        assertThat(plan.due()).isEqualTo(NOW);
    }

    @Test
    void neverSoonerThanTheFloorAfterTheLastAttempt() {
        Instant attempt = NOW.minusSeconds(4);

        ResignPlan changed = planner.plan(state(NOW.plus(Duration.ofDays(13)), NOW, attempt), POLICY, NOW);
        ResignPlan failing = planner.plan(state(null, null, attempt), POLICY, NOW);

        assertThat(changed.due()).isEqualTo(attempt.plusSeconds(10));
        assertThat(changed.heldByFloor()).isTrue();
        assertThat(changed.reason()).isEqualTo(ResignReason.SOURCE_CHANGED);
        assertThat(failing.due()).isEqualTo(attempt.plusSeconds(10));
        assertThat(failing.reason()).isEqualTo(ResignReason.NEVER_SIGNED);
    }

    @Test
    void theFloorDoesNotDelayARefreshThatIsFurtherAway() {
        ResignPlan plan = planner.plan(state(NOW.plus(Duration.ofDays(13)), null, NOW), POLICY, NOW);

        assertThat(plan.heldByFloor()).isFalse();
        assertThat(plan.due()).isEqualTo(NOW.plus(Duration.ofDays(6)));
    }

    @Test
    void nextReadsTheInjectedClock() {
        Instant later = NOW.plus(Duration.ofHours(5));
        ResignPlanner atLater = new ResignPlanner(Duration.ZERO, Clock.fixed(later, ZoneOffset.UTC));

        assertThat(atLater.next(ZoneResignState.unsigned(ZONE), POLICY).due()).isEqualTo(later);
        assertThat(planner.next(ZoneResignState.unsigned(ZONE), POLICY).due()).isEqualTo(NOW);
    }

    @Test
    void followsAShortPolicyForFastExpiryTests() {
        SigningPolicy fast = new SigningPolicy(
                Duration.ofHours(1),
                Duration.ofMinutes(20),
                Duration.ZERO,
                Duration.ofMinutes(5),
                60,
                POLICY.denial(),
                POLICY.nsec3(),
                POLICY.serial(),
                false,
                1);
        Instant expiry = NOW.plus(Duration.ofMinutes(55));

        assertThat(planner.plan(state(expiry, null, NOW), fast, NOW).due()).isEqualTo(NOW.plus(Duration.ofMinutes(35)));
    }

    @Test
    void refusesAFloorThatCouldHoldARefreshPastExpiry() {
        ResignPlanner slow = new ResignPlanner(Duration.ofDays(7), Clock.systemUTC());

        assertThatThrownBy(() -> slow.plan(ZoneResignState.unsigned(ZONE), POLICY, NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "zone example.com.: re-sign floor PT168H must be shorter than the policy's refresh");
        assertThatThrownBy(() -> new ResignPlanner(Duration.ofSeconds(-1), Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
