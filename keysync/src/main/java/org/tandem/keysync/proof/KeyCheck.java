package org.tandem.keysync.proof;

import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyTag;
import org.tandem.keysync.key.ZoneName;

/**
 * One line of a key-set report: one key on one HSM.
 *
 * @param zone the zone
 * @param hsm the HSM
 * @param role role (of the manifest key, or as the HSM object claims for an extra key)
 * @param keyTag key tag (likewise)
 * @param fingerprint the manifest's fingerprint, or the extra key's
 * @param found the fingerprint of what the HSM holds, when it differs or is an extra key
 * @param status the verdict
 * @param detail what exactly is wrong, empty when OK
 * @param fix the suggested operator action, empty when OK
 */
public record KeyCheck(
        ZoneName zone,
        HsmId hsm,
        KeyRole role,
        KeyTag keyTag,
        Optional<Fingerprint> fingerprint,
        Optional<Fingerprint> found,
        KeyStatus status,
        String detail,
        String fix) {
    public KeyCheck {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(hsm, "hsm");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(keyTag, "keyTag");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(found, "found");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(fix, "fix");
    }

    public boolean ok() {
        return status == KeyStatus.OK;
    }

    /** One line for logs and errors: zone, role, tag, fingerprint, HSM, verdict, detail. */
    public String describe() {
        return "zone " + zone + " " + role + " " + keyTag + " fp "
                + fingerprint.map(Fingerprint::shortHex).orElse("-") + " on HSM " + hsm + ": " + status.display()
                + (detail.isEmpty() ? "" : " (" + detail + ")");
    }
}
