package org.tandem.signer.node;

import java.time.Instant;
import java.util.Objects;

/**
 * What a step-down did.
 *
 * @param wasLeader whether the node led when the order arrived
 * @param epoch the epoch it gave up; 0 when it did not lead
 * @param holdOffUntil until when it stays out of the election
 */
public record StepDownResult(boolean wasLeader, long epoch, Instant holdOffUntil) {
    public StepDownResult {
        Objects.requireNonNull(holdOffUntil, "holdOffUntil");
        if (epoch < 0 || (!wasLeader && epoch != 0)) {
            throw new IllegalArgumentException("epoch must be positive for a leader and 0 otherwise, got " + epoch);
        }
    }
}
