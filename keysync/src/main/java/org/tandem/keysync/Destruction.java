package org.tandem.keysync;

import java.util.Objects;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.key.DnssecKey;

/**
 * What {@link KeySync#destroyDeleted} did with one DELETED key on one HSM.
 *
 * @param key the key (zone, role, key tag, fingerprint)
 * @param hsm the HSM
 * @param result destroyed now, not held (destroyed before, or never there), or failed
 * @param detail for a failure why (the HSM's error); for a destruction what the audit log says; else empty
 */
public record Destruction(DnssecKey key, HsmId hsm, Result result, String detail) {
    /** The outcome on one HSM. */
    public enum Result {
        /** The HSM held the key; it is destroyed now (audited). */
        DESTROYED,
        /** The HSM does not hold the key (destroyed earlier, or never there): nothing to do. */
        NOT_HELD,
        /** The HSM is absent or failed: the key stays there until the next attempt. */
        FAILED
    }

    public Destruction {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(hsm, "hsm");
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(detail, "detail");
    }

    /** {@code zone example.com. ZSK 4711 fp 3f2a9c01 on HSM hsm-a}, for messages with the node added. */
    public String describe() {
        return "zone " + key.zone() + " " + key.role() + " " + key.keyTag() + " fp "
                + key.fingerprint().shortHex() + " on HSM " + hsm;
    }
}
