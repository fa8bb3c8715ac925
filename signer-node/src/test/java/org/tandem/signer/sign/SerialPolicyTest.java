package org.tandem.signer.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SerialPolicyTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:15:30Z");
    private static final long MAX = 4294967295L;

    @Test
    void incrementAddsOneAndWrapsAround() {
        assertThat(SerialPolicy.INCREMENT.next(2024010101L, NOW)).isEqualTo(2024010102L);
        assertThat(SerialPolicy.INCREMENT.next(MAX, NOW)).isZero(); // RFC 1982: 0 > 4294967295
        assertThat(SerialPolicy.isGreater(0, MAX)).isTrue();
    }

    @Test
    void unixtimeUsesTheClockUnlessThatWouldNotAdvance() {
        assertThat(SerialPolicy.UNIXTIME.next(1_700_000_000L, NOW)).isEqualTo(NOW.getEpochSecond());
        long ahead = NOW.getEpochSecond() + 10;
        assertThat(SerialPolicy.UNIXTIME.next(ahead, NOW)).isEqualTo(ahead + 1);
        assertThat(SerialPolicy.UNIXTIME.next(NOW.getEpochSecond(), NOW)).isEqualTo(NOW.getEpochSecond() + 1);
    }

    @Test
    void dateserialStartsTheDayAtZeroAndCountsUpWithinTheDay() {
        assertThat(SerialPolicy.DATESERIAL.next(2026112105L, NOW)).isEqualTo(2026112200L);
        assertThat(SerialPolicy.DATESERIAL.next(2026112200L, NOW)).isEqualTo(2026112201L);
        assertThat(SerialPolicy.DATESERIAL.next(2026112299L, NOW)).isEqualTo(2026112300L);
        // a unixtime serial from before is numerically smaller than a date serial: still forward
        assertThat(SerialPolicy.DATESERIAL.next(1_700_000_000L, NOW)).isEqualTo(2026112200L);
    }

    @ParameterizedTest
    @EnumSource(SerialPolicy.class)
    void neverGoesBackwardsInRfc1982Arithmetic(SerialPolicy policy) {
        long[] previous = {
            0,
            1,
            1_000,
            2026112200L,
            NOW.getEpochSecond(),
            2_147_483_647L,
            2_147_483_648L,
            MAX - 1,
            MAX,
            (NOW.getEpochSecond() + (1L << 31)) % (1L << 32),
            (2026112200L + (1L << 31)) % (1L << 32),
            (2026112200L + (1L << 31) + 5) % (1L << 32)
        };
        for (long p : previous) {
            long next = policy.next(p, NOW);
            assertThat(SerialPolicy.isGreater(next, p))
                    .as(policy + " after " + p + " gave " + next)
                    .isTrue();
            assertThat(next).isBetween(0L, MAX);
        }
    }

    @Test
    void rfc1982ComparisonIncludingTheUndefinedHalfwayPoint() {
        assertThat(SerialPolicy.isGreater(1, 0)).isTrue();
        assertThat(SerialPolicy.isGreater(0, 1)).isFalse();
        assertThat(SerialPolicy.isGreater(5, 5)).isFalse();
        assertThat(SerialPolicy.isGreater(44, 4294967295L - 10)).isTrue();
        assertThat(SerialPolicy.isGreater(2_147_483_647L, 0)).isTrue();
        // exactly 2^31 apart: undefined, so neither is treated as greater
        assertThat(SerialPolicy.isGreater(2_147_483_648L, 0)).isFalse();
        assertThat(SerialPolicy.isGreater(0, 2_147_483_648L)).isFalse();
        // a clock far ahead (exactly 2^31) must not be taken as an increase
        long previous = (NOW.getEpochSecond() + (1L << 31)) % (1L << 32);
        assertThat(SerialPolicy.UNIXTIME.next(previous, NOW)).isEqualTo(previous + 1);
    }

    @Test
    void refusesSerialsOutsideThirtyTwoBits() {
        assertThatThrownBy(() -> SerialPolicy.INCREMENT.next(-1, NOW)).hasMessageContaining("0 to 4294967295");
        assertThatThrownBy(() -> SerialPolicy.INCREMENT.next(1L << 32, NOW)).hasMessageContaining("0 to 4294967295");
        assertThatThrownBy(() -> SerialPolicy.add(1, 1L << 31)).hasMessageContaining("2^31-1");
    }
}
