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
        Optional<Instant> published = s == KeyState.GENERATED
                ? Optional.empty()
                : Optional.of(e.entered(KeyState.PUBLISHED).orElse(created));
        Optional<Instant> active = e.entered(KeyState.ACTIVE);
        if (active.isEmpty() && (s == KeyState.ACTIVE || s == KeyState.RETIRED)) {
            active = published;
        }
        Optional<Instant> retired = active.isEmpty() ? Optional.empty() : e.entered(KeyState.RETIRED);
        if (retired.isEmpty() && s == KeyState.RETIRED) {
            retired = active;
        }
        Optional<Instant> removed =
                s == KeyState.REMOVED ? Optional.of(e.entered(KeyState.REMOVED).orElse(created)) : Optional.empty();
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
