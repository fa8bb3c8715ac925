package org.tandem.chaos.hsm;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What one {@link TokenFaults} operation did, for the scenario's report: the token, the key it
 * concerned (label and {@code CKA_ID}) and, for a planted key, the new object's label, {@code CKA_ID}
 * and public key.
 *
 * @param operation the operation ({@code remove-token}, {@code change-pin}, {@code delete-key},
 *     {@code plant-stray-key-pair}, {@code replace-with-different-key}, {@code restore})
 * @param tokenLabel the token's label
 * @param keyLabel the {@code CKA_LABEL} of the key the fault concerned, empty for a token-wide fault
 * @param ckaIdHex the {@code CKA_ID} of that key in lower-case hex, empty for a token-wide fault
 * @param newKeyLabel the {@code CKA_LABEL} of the key pair the fault created, if any
 * @param newCkaIdHex the {@code CKA_ID} of the key pair the fault created, if any
 * @param newPublicKey the new pair's public key as DER SubjectPublicKeyInfo, as {@code pkcs11-tool
 *     --read-object} gave it, if a pair was created
 * @param actions one line per step, in order (each command with PINs masked, each file operation)
 */
public record FaultApplied(
        String operation,
        String tokenLabel,
        Optional<String> keyLabel,
        Optional<String> ckaIdHex,
        Optional<String> newKeyLabel,
        Optional<String> newCkaIdHex,
        Optional<byte[]> newPublicKey,
        List<String> actions) {
    public FaultApplied {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(tokenLabel, "tokenLabel");
        Objects.requireNonNull(keyLabel, "keyLabel");
        Objects.requireNonNull(ckaIdHex, "ckaIdHex");
        Objects.requireNonNull(newKeyLabel, "newKeyLabel");
        Objects.requireNonNull(newCkaIdHex, "newCkaIdHex");
        newPublicKey = Objects.requireNonNull(newPublicKey, "newPublicKey").map(byte[]::clone);
        actions = List.copyOf(actions);
        if (operation.isBlank() || tokenLabel.isBlank()) {
            throw new IllegalArgumentException("operation and token label must not be blank");
        }
    }

    @Override
    public Optional<byte[]> newPublicKey() {
        return newPublicKey.map(byte[]::clone);
    }

    /** One line for logs and the scenario report: operation, token, key, new key, steps. */
    public String describe() {
        StringBuilder b = new StringBuilder(operation)
                .append(" token='")
                .append(tokenLabel)
                .append("'");
        keyLabel.ifPresent(l -> b.append(" key-label='").append(l).append("'"));
        ckaIdHex.ifPresent(id -> b.append(" cka-id=").append(id));
        newKeyLabel.ifPresent(l -> b.append(" new-key-label='").append(l).append("'"));
        newCkaIdHex.ifPresent(id -> b.append(" new-cka-id=").append(id));
        b.append(": ").append(String.join("; ", actions));
        return b.toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
