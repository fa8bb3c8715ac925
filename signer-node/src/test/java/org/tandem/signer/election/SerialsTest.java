package org.tandem.signer.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SerialsTest {
    @Test
    void greaterFollowsRfc1982AcrossTheWrap() {
        assertThat(Serials.greater(2, 1)).isTrue();
        assertThat(Serials.greater(1, 2)).isFalse();
        assertThat(Serials.greater(5, 5)).isFalse();
        // RFC 1982 §3.2: 0 is greater than 4294967295 (the wrap), and 4294967295 is not greater than 0
        assertThat(Serials.greater(0, 4294967295L)).isTrue();
        assertThat(Serials.greater(4294967295L, 0)).isFalse();
        assertThat(Serials.greater(100, 4294967200L)).isTrue();
        assertThat(Serials.greater((1L << 31) - 1, 0)).isTrue();
    }

    @Test
    void pairsExactlyHalfTheSpaceApartAreNeverGreater() {
        // RFC 1982 §3.2 leaves them undefined: refusing is the only safe answer
        assertThat(Serials.greater(1L << 31, 0)).isFalse();
        assertThat(Serials.greater(0, 1L << 31)).isFalse();
    }

    @Test
    void incrementWrapsToZero() {
        assertThat(Serials.increment(7)).isEqualTo(8);
        assertThat(Serials.increment(4294967295L)).isZero();
    }

    @Test
    void refusesSerialsOutsideThirtyTwoBits() {
        assertThatThrownBy(() -> Serials.check(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> Serials.check(1L << 32)).isInstanceOf(IllegalArgumentException.class);
    }
}
