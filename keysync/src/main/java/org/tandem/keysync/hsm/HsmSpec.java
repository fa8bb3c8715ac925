package org.tandem.keysync.hsm;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach one HSM: a PKCS#11 library (any vendor's, by path), the token label, the file
 * holding the user PIN, how many sessions to open for parallel work, and the file holding the
 * security officer's PIN, needed only for the KEK ceremonies (the SO marks the KEK and the
 * key-transport keys trusted; see {@code docs/security/hsm.md}).
 */
public record HsmSpec(
        HsmId name, Path library, String tokenLabel, Path pinFile, int sessions, Optional<Path> soPinFile) {
    public HsmSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(library, "library");
        Objects.requireNonNull(tokenLabel, "tokenLabel");
        Objects.requireNonNull(pinFile, "pinFile");
        Objects.requireNonNull(soPinFile, "soPinFile");
        if (tokenLabel.isBlank() || tokenLabel.length() > 32) {
            throw new IllegalArgumentException("token label must be 1 to 32 characters: '" + tokenLabel + "'");
        }
        if (sessions < 1 || sessions > 64) {
            throw new IllegalArgumentException("sessions must be 1 to 64, got " + sessions);
        }
    }

    /** An HSM without a security officer PIN file: it signs, wraps and unwraps, but runs no KEK ceremony. */
    public HsmSpec(HsmId name, Path library, String tokenLabel, Path pinFile, int sessions) {
        this(name, library, tokenLabel, pinFile, sessions, Optional.empty());
    }

    /** This HSM with the security officer's PIN in {@code file}. */
    public HsmSpec withSoPinFile(Path file) {
        return new HsmSpec(name, library, tokenLabel, pinFile, sessions, Optional.of(file));
    }
}
