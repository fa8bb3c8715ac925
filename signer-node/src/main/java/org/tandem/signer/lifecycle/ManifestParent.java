package org.tandem.signer.lifecycle;

import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.manifest.ZoneKeySet;

/**
 * The parent's DS state as the manifest records it (replicated through ZooKeeper with the keys): the
 * keys the DS RRset names since the time it was last confirmed ({@code signerctl keys ds-seen}, or
 * assumed by the rollover agent with {@code parent.check: none}), and the keys the zone's CDS/CDNSKEY
 * RRsets ask for since they last changed.
 */
public final class ManifestParent {
    private ManifestParent() {}

    /** The parent state the manifest records; {@link ParentState#none()} when it records nothing. */
    public static ParentState of(ZoneKeySet manifest) {
        Set<Fingerprint> ds = manifest.entries().stream()
                .filter(e -> e.dsSince().isPresent())
                .map(e -> e.key().fingerprint())
                .collect(Collectors.toSet());
        Optional<Instant> dsSince =
                manifest.entries().stream().flatMap(e -> e.dsSince().stream()).max(Comparator.naturalOrder());
        Set<Fingerprint> cds = manifest.entries().stream()
                .filter(e -> e.cdsSince().isPresent())
                .map(e -> e.key().fingerprint())
                .collect(Collectors.toSet());
        Optional<Instant> cdsSince =
                manifest.entries().stream().flatMap(e -> e.cdsSince().stream()).max(Comparator.naturalOrder());
        return new ParentState(ds, dsSince, cds, cdsSince);
    }

    /** A copy of the manifest recording {@code parent} (the version stays: write it with a compare-and-set). */
    public static ZoneKeySet record(ZoneKeySet manifest, ParentState parent) {
        return manifest.withParent(
                parent.ds(),
                parent.dsSince().orElse(Instant.EPOCH),
                parent.cds(),
                parent.cdsSince().orElse(Instant.EPOCH));
    }

    /**
     * The manifest with the parent's DS RRset confirmed to name exactly {@code keys} at {@code at}; the
     * confirmation time stays when the set is the one already recorded.
     *
     * @throws IllegalArgumentException when a key is not in the manifest
     */
    public static ZoneKeySet dsSeen(ZoneKeySet manifest, Set<Fingerprint> keys, Instant at) {
        for (Fingerprint fp : keys) {
            if (manifest.find(fp).isEmpty()) {
                throw new IllegalArgumentException("zone " + manifest.zone() + ": no key with fingerprint " + fp.hex()
                        + " in the manifest (version " + manifest.version() + ")");
            }
        }
        ParentState now = of(manifest);
        if (now.ds().equals(keys)) {
            return manifest;
        }
        return record(manifest, now.withDs(keys, at));
    }

    /** {@code {3f2a9c01, 71dae860}}, or {@code no key}. */
    static String shortHex(Set<Fingerprint> keys) {
        return keys.isEmpty()
                ? "no key"
                : new TreeSet<>(keys).stream().map(Fingerprint::shortHex).collect(Collectors.joining(", ", "{", "}"));
    }
}
