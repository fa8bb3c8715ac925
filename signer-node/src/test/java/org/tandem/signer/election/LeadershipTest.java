package org.tandem.signer.election;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LeadershipTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final Leadership leadership = new Leadership(
            "node-1",
            3,
            "/tandem/cluster/leader/_c_x-latch-0000000001",
            "/tandem/cluster/epoch",
            Instant.EPOCH,
            Duration.ofSeconds(10),
            now.get(),
            now::get);

    @Test
    void isValidUntilTheLeaseRunsOutWithoutAConfirmation() {
        assertThat(leadership.isValid()).isTrue();
        now.addAndGet(Duration.ofSeconds(9).toNanos());
        assertThat(leadership.isValid()).isTrue();
        assertThat(leadership.leaseRemaining()).isEqualTo(Duration.ofSeconds(1));
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(leadership.isValid()).isFalse();
        assertThat(leadership.leaseRemaining()).isZero();
    }

    @Test
    void aPausedJvmFindsItsLeaseExpiredWithoutAnyEvent() {
        // F3: SIGSTOP past the session timeout; nanoTime jumps on SIGCONT
        now.addAndGet(Duration.ofSeconds(45).toNanos());
        assertThat(leadership.isValid()).isFalse();
        assertThat(leadership.revocation()).contains(LossReason.LEASE_EXPIRED);
        // a late answer to a request sent before the pause does not revive it
        leadership.confirmed(now.get());
        assertThat(leadership.isValid()).isFalse();
    }

    @Test
    void aConfirmationExtendsTheLeaseFromWhenItsRequestWasSentNeverBackwards() {
        long sent = now.addAndGet(Duration.ofSeconds(8).toNanos());
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        leadership.confirmed(sent);
        leadership.confirmed(sent - Duration.ofSeconds(5).toNanos()); // a late answer to an older request
        assertThat(leadership.leaseRemaining()).isEqualTo(Duration.ofSeconds(9));
    }

    @Test
    void revocationIsFinalAndKeepsTheFirstReason() {
        assertThat(leadership.revoke(LossReason.SUSPENDED)).isTrue();
        assertThat(leadership.revoke(LossReason.LOST)).isFalse();
        leadership.confirmed(now.get());
        assertThat(leadership.isValid()).isFalse();
        assertThat(leadership.revocation()).contains(LossReason.SUSPENDED);
        assertThat(leadership.leaseRemaining()).isZero();
    }
}
