package org.tandem.signer.metrics;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.KeyTag;

/**
 * What the metrics show of one key of a zone, from the zone's key manifest.
 *
 * @param role KSK, ZSK or CSK
 * @param tag the key tag (display only: two keys may share one)
 * @param algorithm the DNSSEC algorithm
 * @param state the manifest state
 * @param created when the key was generated
 * @param lifetimeEnd when the key's planned lifetime ends; empty while no lifetime is planned (the
 *     manifest has none today)
 * @param nextEvents planned instants of the key's next lifecycle events by event name (e.g.
 *     {@code publish}, {@code activate}, {@code retire}, {@code remove}); empty while no rollover is
 *     planned (the manifest plans none today)
 */
public record KeyFacts(
        KeyRole role,
        KeyTag tag,
        Algorithm algorithm,
        KeyState state,
        Instant created,
        Optional<Instant> lifetimeEnd,
        Map<String, Instant> nextEvents) {
    public KeyFacts {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(tag, "tag");
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(lifetimeEnd, "lifetimeEnd");
        nextEvents = Map.copyOf(nextEvents);
    }
}
