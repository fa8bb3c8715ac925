package org.tandem.signer.election;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A snapshot of the election for status and metrics.
 *
 * @param node this node's participant id
 * @param role where it stands
 * @param epoch the epoch of its valid leadership, empty unless {@link ElectionRole#LEADER}
 * @param leaseRemaining time left on the lease, empty unless leader
 * @param lastCheck the last key-sync verdict, empty before the first check
 * @param reason why it is in this role, one phrase ("key-sync check failed: …", "lost: suspended")
 * @param since when it entered this role
 * @param lastTakeover the verdict of the last {@link TakeoverCheck} (after the last win); empty before
 *     the first win or without a takeover check
 */
public record ElectionState(
        String node,
        ElectionRole role,
        OptionalLong epoch,
        Optional<Duration> leaseRemaining,
        Optional<KeySyncVerdict> lastCheck,
        String reason,
        Instant since,
        Optional<TakeoverVerdict> lastTakeover) {
    /** A state without a takeover verdict. */
    public ElectionState(
            String node,
            ElectionRole role,
            OptionalLong epoch,
            Optional<Duration> leaseRemaining,
            Optional<KeySyncVerdict> lastCheck,
            String reason,
            Instant since) {
        this(node, role, epoch, leaseRemaining, lastCheck, reason, since, Optional.empty());
    }

    public ElectionState {
        Objects.requireNonNull(lastTakeover, "lastTakeover");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(epoch, "epoch");
        Objects.requireNonNull(leaseRemaining, "leaseRemaining");
        Objects.requireNonNull(lastCheck, "lastCheck");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(since, "since");
    }
}
