package org.tandem.keysync.hsm;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to reach one HSM: a PKCS#11 library (any vendor's, by path), the token label, the file
 * holding the user PIN, and how many sessions to open for parallel work.
 */
public record HsmSpec(HsmId name, Path library, String tokenLabel, Path pinFile, int sessions) {
    public HsmSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(library, "library");
        Objects.requireNonNull(tokenLabel, "tokenLabel");
        Objects.requireNonNull(pinFile, "pinFile");
        if (tokenLabel.isBlank() || tokenLabel.length() > 32) {
            throw new IllegalArgumentException("token label must be 1 to 32 characters: '" + tokenLabel + "'");
        }
        if (sessions < 1 || sessions > 64) {
            throw new IllegalArgumentException("sessions must be 1 to 64, got " + sessions);
        }
    }
}
