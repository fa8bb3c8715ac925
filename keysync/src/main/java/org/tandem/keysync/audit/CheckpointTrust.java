package org.tandem.keysync.audit;

import java.security.PublicKey;
import java.util.List;
import java.util.Objects;

/**
 * What {@link AuditChain#verify(java.nio.file.Path, CheckpointTrust)} checks checkpoints against.
 *
 * @param keys the audit keys whose checkpoints count; a checkpoint by any other key is a defect
 * @param requireSignedTail whether lines after the last signed checkpoint are a defect (use it for a
 *     log whose writer was shut down cleanly: it ends in a {@code close} checkpoint); otherwise they
 *     are a warning, as long as there are no more of them than the checkpoint interval
 */
public record CheckpointTrust(List<PublicKey> keys, boolean requireSignedTail) {
    public CheckpointTrust {
        keys = List.copyOf(Objects.requireNonNull(keys, "keys"));
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("at least one trusted audit key is needed to check checkpoints");
        }
    }
}
