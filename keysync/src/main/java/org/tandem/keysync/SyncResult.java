package org.tandem.keysync;

import java.util.List;
import java.util.Objects;
import org.tandem.keysync.proof.KeyCheck;
import org.tandem.keysync.proof.KeySetReport;

/**
 * What {@code keys sync} did.
 *
 * @param actions one line per copy or removal done, in order
 * @param refused problems sync would not repair on its own (diverged keys without
 *     {@code --replace-diverged}, extra keys, unreachable HSMs)
 * @param after the verification after the sync; {@code after.keySynced()} is the outcome
 */
public record SyncResult(List<String> actions, List<KeyCheck> refused, KeySetReport after) {
    public SyncResult {
        actions = List.copyOf(actions);
        refused = List.copyOf(refused);
        Objects.requireNonNull(after, "after");
    }
}
