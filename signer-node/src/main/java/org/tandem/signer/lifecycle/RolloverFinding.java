package org.tandem.signer.lifecycle;

import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.key.Fingerprint;

/**
 * Something about a zone's keys an operator must know, beside the steps: a key past its lifetime
 * with no successor in flight (the Mozilla case: a key expired unnoticed), a successor waiting for
 * its proof on every HSM, a rollover waiting for the parent.
 *
 * @param kind what
 * @param key the key concerned, if one
 * @param message the whole story: zone-independent, naming role, key tag, fingerprint and times
 */
public record RolloverFinding(Kind kind, Optional<Fingerprint> key, String message) {
    /** What was found. */
    public enum Kind {
        /** An active key has outlived its policy lifetime and no successor is in flight. */
        LIFETIME_EXCEEDED,
        /** A new key is not yet proven on every HSM; it is neither published nor used until it is. */
        AWAITING_PROOF,
        /** A step waits for the parent's DS RRset to change. */
        AWAITING_PARENT
    }

    public RolloverFinding {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(message, "message");
    }
}
