package org.tandem.keysync.hsm;

import java.util.Objects;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;

/** What to generate: a key pair of the algorithm, for the role, in the zone. */
public record KeySpec(ZoneName zone, KeyRole role, Algorithm algorithm) {
    public KeySpec {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(algorithm, "algorithm");
    }
}
