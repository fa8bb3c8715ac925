package org.tandem.signer.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import org.tandem.keysync.key.Fingerprint;

/**
 * One published version of the zone as the publish ledger records it: when it was committed, which
 * keys its DNSKEY RRset held and with what TTL. The planner dates a key's publication by the first
 * version that carried it, not by what the manifest intended.
 *
 * @param serial the SOA serial
 * @param at when the leader committed it
 * @param dnskeys the fingerprints of the published DNSKEY RRset
 * @param dnskeyTtl its TTL
 */
public record PublishedVersion(long serial, Instant at, Set<Fingerprint> dnskeys, Duration dnskeyTtl) {
    public PublishedVersion {
        Objects.requireNonNull(at, "at");
        dnskeys = Set.copyOf(dnskeys);
        Objects.requireNonNull(dnskeyTtl, "dnskeyTtl");
        if (dnskeyTtl.isNegative()) {
            throw new IllegalArgumentException("DNSKEY TTL must not be negative, got " + dnskeyTtl);
        }
    }
}
