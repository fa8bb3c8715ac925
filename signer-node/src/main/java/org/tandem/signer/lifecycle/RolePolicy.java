package org.tandem.signer.lifecycle;

import java.time.Duration;
import java.util.Objects;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;

/**
 * The policy for the keys of one role: which algorithm they use and how long each lives.
 *
 * @param role KSK, ZSK or CSK
 * @param algorithm the algorithm new keys of the role are generated with; a change starts an
 *     algorithm rollover (RFC 6781 §4.1.4)
 * @param lifetime how long a key of the role stays active before its successor takes over (from its
 *     activation); {@link Duration#ZERO}: never rolled
 */
public record RolePolicy(KeyRole role, Algorithm algorithm, Duration lifetime) {
    public RolePolicy {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(lifetime, "lifetime");
        if (lifetime.isNegative()) {
            throw new IllegalArgumentException("lifetime must be 0 (never roll) or positive, got " + lifetime);
        }
    }

    /** Whether keys of this role are rolled at all. */
    public boolean rolls() {
        return !lifetime.isZero();
    }
}
