package org.tandem.keysync.audit;

import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One audited key operation, as the caller states it; {@link AuditLog#append} adds the sequence
 * number and the hashes.
 *
 * <p>Contract: every string is non-null and valid Unicode (no unpaired surrogates); {@code zone},
 * {@code hsm}, {@code fingerprint}, {@code role} and {@code detail} may be empty when they do not
 * apply (a KEK operation has no zone). {@code fingerprint} is lowercase hex of even length. {@code
 * keyTag} is {@code null} or 0..65535 (RFC 4034 §5.1: the key tag is a 16-bit field). {@code actor}
 * names who did it, {@code user@host} and the command, and is never blank.
 *
 * @param time when the operation happened, from the caller's {@link java.time.Clock}
 * @param keyTag the DNSKEY key tag, display only ({@link #fingerprint} is the key's identity)
 */
public record AuditEvent(
        Instant time,
        AuditOperation operation,
        String zone,
        String hsm,
        String fingerprint,
        Integer keyTag,
        String role,
        AuditOutcome outcome,
        String detail,
        String actor) {

    private static final Pattern HEX = Pattern.compile("(?:[0-9a-f]{2})*");

    public AuditEvent {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(outcome, "outcome");
        requireText(zone, "zone");
        requireText(hsm, "hsm");
        requireText(fingerprint, "fingerprint");
        requireText(role, "role");
        requireText(detail, "detail");
        requireText(actor, "actor");
        if (!HEX.matcher(fingerprint).matches()) {
            throw new IllegalArgumentException(
                    "fingerprint must be lowercase hex of even length, got '" + fingerprint + "'");
        }
        if (keyTag != null && (keyTag < 0 || keyTag > 0xFFFF)) {
            throw new IllegalArgumentException("keyTag must be 0..65535, got " + keyTag);
        }
        if (actor.isBlank()) {
            throw new IllegalArgumentException("actor must name user@host and command");
        }
    }

    private static void requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        // an unpaired surrogate has no UTF-8 encoding, so it could not be written to the log
        if (value.codePoints().anyMatch(cp -> Character.getType(cp) == Character.SURROGATE)) {
            throw new IllegalArgumentException(name + " contains an unpaired surrogate");
        }
    }
}
