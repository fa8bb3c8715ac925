package org.tandem.signer.lifecycle;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.manifest.ZoneKeySet;

/**
 * The planner's view of a manifest: one {@link KeyTimeline} per entry, its times from the state times
 * the manifest records. A manifest written before it recorded them gives no times; a state reached
 * without a recorded time is dated at the key's creation, and the planner then dates the publication
 * by the ledger ({@link RolloverPlanner#dated}).
 */
public final class ManifestTimelines {
    private ManifestTimelines() {}

    public static List<KeyTimeline> of(ZoneKeySet manifest) {
        return manifest.entries().stream().map(ManifestTimelines::of).toList();
    }

    static KeyTimeline of(ZoneKeySet.Entry e) {
        KeyState s = e.state();
        Instant created = e.created();
        // an algorithm rollover's keys (RFC 6781 §4.1.4): a key that was PRE_ACTIVE began signing then, and its
        // DNSKEY was published when it became ACTIVE; a key that became POST_ACTIVE lost its DNSKEY then, and
        // stopped signing when it became REMOVED; a DELETED key is dated as the REMOVED key it was
        Optional<Instant> preActive = e.entered(KeyState.PRE_ACTIVE);
        Optional<Instant> postActive = e.entered(KeyState.POST_ACTIVE);
        Optional<Instant> published;
        if (s == KeyState.GENERATED || s == KeyState.PRE_ACTIVE) {
            published = Optional.empty();
        } else if (preActive.isPresent()) {
            published = e.entered(KeyState.PUBLISHED).or(() -> e.entered(KeyState.ACTIVE));
            if (published.isEmpty()) {
                published = Optional.of(created);
            }
        } else {
            published = Optional.of(e.entered(KeyState.PUBLISHED).orElse(created));
        }
        Optional<Instant> active = preActive.isPresent() ? preActive : e.entered(KeyState.ACTIVE);
        if (active.isEmpty() && s == KeyState.PRE_ACTIVE) {
            active = Optional.of(created);
        }
        if (active.isEmpty() && (s == KeyState.ACTIVE || s == KeyState.RETIRED || s == KeyState.POST_ACTIVE)) {
            active = published;
        }
        Optional<Instant> retired = active.isEmpty() ? Optional.empty() : e.entered(KeyState.RETIRED);
        if (retired.isEmpty() && s == KeyState.RETIRED) {
            retired = active;
        }
        if (retired.isEmpty() && s.gone() && postActive.isPresent()) {
            retired = Optional.of(e.entered(KeyState.REMOVED).orElse(postActive.get()));
        }
        Optional<Instant> removed = Optional.empty();
        if (s == KeyState.POST_ACTIVE) {
            removed = Optional.of(postActive.orElse(created));
        } else if (s.gone()) {
            removed =
                    Optional.of(postActive.or(() -> e.entered(KeyState.REMOVED)).orElse(created));
        }
        return new KeyTimeline(
                e.key().role(),
                e.key().algorithm(),
                e.key().keyTag(),
                e.key().fingerprint(),
                s,
                created,
                published,
                active,
                retired,
                removed);
    }
}
