package org.tandem.signer.lifecycle;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.tandem.keysync.key.Fingerprint;

/**
 * What is known about the delegation: the keys the parent's DS RRset points at (as last confirmed:
 * by a resolver, an operator, or assumed after the parent's propagation delay when nobody checks),
 * and the keys the zone's own CDS/CDNSKEY RRsets currently ask for (RFC 7344).
 *
 * @param ds the keys the parent's DS RRset names
 * @param dsSince when the DS RRset was confirmed to be {@code ds} (empty: never confirmed)
 * @param cds the keys the published CDS and CDNSKEY RRsets name; empty when none are published
 * @param cdsSince when the current CDS/CDNSKEY content was first published
 */
public record ParentState(
        Set<Fingerprint> ds, Optional<Instant> dsSince, Set<Fingerprint> cds, Optional<Instant> cdsSince) {
    public ParentState {
        ds = Set.copyOf(ds);
        Objects.requireNonNull(dsSince, "dsSince");
        cds = Set.copyOf(cds);
        Objects.requireNonNull(cdsSince, "cdsSince");
        if (!cds.isEmpty() && cdsSince.isEmpty()) {
            throw new IllegalArgumentException("CDS published without a time");
        }
        if (!ds.isEmpty() && dsSince.isEmpty()) {
            // the KSK steps count TTLds from this instant; without it they could never fall due
            throw new IllegalArgumentException("a DS RRset without the time it was confirmed");
        }
    }

    /** An unsigned delegation: no DS, no CDS. */
    public static ParentState none() {
        return new ParentState(Set.of(), Optional.empty(), Set.of(), Optional.empty());
    }

    /** The parent names exactly these keys since {@code at}; no CDS published. */
    public static ParentState ds(Set<Fingerprint> keys, Instant at) {
        return new ParentState(keys, Optional.of(at), Set.of(), Optional.empty());
    }

    public ParentState withDs(Set<Fingerprint> keys, Instant at) {
        return new ParentState(keys, Optional.of(at), cds, cdsSince);
    }

    public ParentState withCds(Set<Fingerprint> keys, Instant at) {
        return keys.isEmpty()
                ? new ParentState(ds, dsSince, Set.of(), Optional.empty())
                : new ParentState(ds, dsSince, keys, Optional.of(at));
    }
}
