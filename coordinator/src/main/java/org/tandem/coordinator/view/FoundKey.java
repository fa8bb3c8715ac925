package org.tandem.coordinator.view;

import java.util.Objects;
import java.util.Optional;
import org.tandem.proto.keysync.v1.KeyRole;

/**
 * A key object one HSM of a node reported in {@code Inventory}, as the coordinator judged it: the
 * fingerprint computed here from the reported public key (empty when unreadable), the claimed role,
 * tag and algorithm, the object's CKA_ID (hex) and label, and the proof verdict: empty {@code
 * proofProblem} when the proof over the coordinator's nonce verified with the manifest's DNSKEY of
 * the same fingerprint; for a key not in the manifest the proof is not checked ({@code
 * proofChecked} false).
 */
public record FoundKey(
        String hsm,
        KeyRole role,
        int keyTag,
        int algorithm,
        Optional<String> fingerprint,
        String objectIdHex,
        String label,
        boolean proofChecked,
        Optional<String> proofProblem) {
    public FoundKey {
        Objects.requireNonNull(hsm, "hsm");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(objectIdHex, "objectIdHex");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(proofProblem, "proofProblem");
    }

    /** Proof checked and valid. */
    public boolean proven() {
        return proofChecked && proofProblem.isEmpty();
    }
}
