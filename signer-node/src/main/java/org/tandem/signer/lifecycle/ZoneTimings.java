package org.tandem.signer.lifecycle;

import java.time.Duration;
import java.util.Objects;

/**
 * The zone's own timing facts the RFC 7583 intervals are built from, besides the policy.
 *
 * @param dnskeyTtl the DNSKEY RRset's TTL (TTLkey); the planner uses the largest of this and every
 *     TTL in the publication history
 * @param maxZoneTtl the largest TTL of any signed RRset in the zone (TTLsig)
 * @param signingDelay how long after a key starts or stops signing every RRset carries the change
 *     (RFC 7583 Dsgn): for Tandem at most the signature validity minus the refresh, after which every
 *     signature has been made again
 */
public record ZoneTimings(Duration dnskeyTtl, Duration maxZoneTtl, Duration signingDelay) {
    public ZoneTimings {
        Objects.requireNonNull(dnskeyTtl, "dnskeyTtl");
        Objects.requireNonNull(maxZoneTtl, "maxZoneTtl");
        Objects.requireNonNull(signingDelay, "signingDelay");
        if (dnskeyTtl.isNegative() || maxZoneTtl.isNegative() || signingDelay.isNegative()) {
            throw new IllegalArgumentException("zone timings must not be negative");
        }
    }
}
