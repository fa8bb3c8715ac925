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
 */
public record ElectionState(
        String node,
        ElectionRole role,
        OptionalLong epoch,
        Optional<Duration> leaseRemaining,
        Optional<KeySyncVerdict> lastCheck,
        String reason,
        Instant since) {
    public ElectionState {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(epoch, "epoch");
        Objects.requireNonNull(leaseRemaining, "leaseRemaining");
        Objects.requireNonNull(lastCheck, "lastCheck");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(since, "since");
    }
}
