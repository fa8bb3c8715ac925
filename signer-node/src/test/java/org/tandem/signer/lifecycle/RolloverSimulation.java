package org.tandem.signer.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.KeyTag;
import org.tandem.signer.lifecycle.RolloverAction.Kind;

/**
 * A fake zone, clock and parent that carry out every step the planner names when it is due, and check
 * at every step that a validator could follow: each RRset signed by a published key of each role, the
 * DS naming only published keys, no DNSKEY removed while a cached DS may name it. Keys are proven on
 * every HSM {@link #proofDelay} after they are generated; the parent acts when the planner expects it
 * ({@code check: none}) unless {@link #parentSilent}.
 */
final class RolloverSimulation {
    /** One step carried out. */
    record Event(Instant at, Kind kind, Optional<Fingerprint> key, Set<Fingerprint> ds) {}

    final RolloverPolicy policy;
    final ZoneTimings timings;
    final RolloverPlanner planner;
    final Map<Fingerprint, KeyTimeline> keys = new LinkedHashMap<>();
    final List<PublishedVersion> history = new ArrayList<>();
    final List<Event> events = new ArrayList<>();
    final Map<Fingerprint, Instant> dsLastNamed = new HashMap<>();
    ParentState parent = ParentState.none();
    Instant now;
    Duration proofDelay = Duration.ofMinutes(10);
    boolean parentSilent;
    RolloverPlan lastPlan = RolloverPlan.empty();
    private int serial = 1;
    private int next = 1;

    RolloverSimulation(RolloverPolicy policy, ZoneTimings timings, Instant start) {
        this.policy = policy;
        this.timings = timings;
        this.planner = new RolloverPlanner(policy, timings);
        this.now = start;
    }

    /** A key that has been published and signing since {@code since}. */
    KeyTimeline activeKey(KeyRole role, Algorithm alg, Instant since) {
        KeyTimeline k = newKey(role, alg, since)
                .withState(KeyState.ACTIVE)
                .withPublished(since)
                .withActive(since);
        keys.put(k.fingerprint(), k);
        publishVersion(since);
        return k;
    }

    void dsFor(KeyTimeline ksk, Instant since) {
        parent = ParentState.ds(Set.of(ksk.fingerprint()), since);
    }

    KeyTimeline newKey(KeyRole role, Algorithm alg, Instant created) {
        byte[] fp = new byte[Fingerprint.LENGTH];
        int n = next++;
        fp[0] = (byte) n;
        fp[1] = (byte) role.ordinal();
        return KeyTimeline.generated(role, alg, new KeyTag(10000 + n), Fingerprint.of(fp), created);
    }

    RolloverPlan plan() {
        lastPlan = planner.plan(List.copyOf(keys.values()), history, parent, now);
        return lastPlan;
    }

    /** Carries out every step due now; false when nothing was due. */
    boolean step() {
        prove();
        List<RolloverAction> due = plan().due(now).stream()
                .filter(a -> !(a.kind() == Kind.AWAIT_PARENT && parentSilent))
                .toList();
        if (due.isEmpty()) {
            return false;
        }
        boolean changedDnskeys = false;
        for (RolloverAction a : due) {
            events.add(new Event(now, a.kind(), a.key(), a.ds()));
            Fingerprint fp = a.key().orElse(null);
            switch (a.kind()) {
                case GENERATE -> {
                    KeyTimeline k = newKey(a.role(), a.algorithm(), now);
                    keys.put(k.fingerprint(), k);
                }
                case PUBLISH_DNSKEY -> {
                    keys.put(fp, keys.get(fp).withPublished(now));
                    changedDnskeys = true;
                }
                case START_SIGNING -> keys.put(fp, keys.get(fp).withActive(now));
                case STOP_SIGNING -> keys.put(fp, keys.get(fp).withRetired(now));
                case REMOVE_DNSKEY -> {
                    Instant named = dsLastNamed.get(fp);
                    if (named != null) {
                        assertThat(now)
                                .as("%s removed while a cached DS may name it (last named %s)", fp.shortHex(), named)
                                .isAfterOrEqualTo(named.plus(policy.parent().dsTtl()));
                    }
                    keys.put(fp, keys.get(fp).withRemoved(now));
                    changedDnskeys = true;
                }
                case PUBLISH_CDS, WITHDRAW_CDS ->
                    parent = parent.withCds(a.kind() == Kind.PUBLISH_CDS ? a.ds() : Set.of(), now);
                case AWAIT_PARENT -> {
                    for (Fingerprint gone : parent.ds()) {
                        dsLastNamed.put(gone, now);
                    }
                    parent = parent.withDs(a.ds(), now);
                }
                case DELETE_KEY -> keys.remove(fp);
            }
        }
        if (changedDnskeys) {
            publishVersion(now);
        }
        checkValidatable();
        return true;
    }

    /** Steps and advances the clock to each next due instant until {@code done} or {@code deadline}. */
    void runUntil(Predicate<RolloverSimulation> done, Instant deadline) {
        for (int rounds = 0; !done.test(this); rounds++) {
            assertThat(rounds)
                    .as("the plan settles within 1000 rounds: %s", events)
                    .isLessThan(1000);
            if (!step()) {
                Optional<Instant> nextDue = lastPlan.nextDue(now);
                Optional<Instant> nextProof = keys.values().stream()
                        .filter(k -> !k.proven())
                        .map(k -> k.created().plus(proofDelay))
                        .min(Instant::compareTo);
                Instant to = nextDue.orElse(deadline);
                if (nextProof.isPresent() && nextProof.get().isBefore(to)) {
                    to = nextProof.get();
                }
                if (!to.isAfter(now) || to.isAfter(deadline)) {
                    return;
                }
                now = to;
            }
        }
    }

    List<Event> events(Kind kind) {
        return events.stream().filter(e -> e.kind() == kind).toList();
    }

    Instant when(Kind kind, KeyTimeline key) {
        return events.stream()
                .filter(e -> e.kind() == kind
                        && e.key().filter(key.fingerprint()::equals).isPresent())
                .map(Event::at)
                .findFirst()
                .orElseThrow(() -> new AssertionError(kind + " of " + key.describe() + " never happened: " + events));
    }

    KeyTimeline newest(KeyRole role, Algorithm alg) {
        return keys.values().stream()
                .filter(k -> k.role() == role && k.algorithm() == alg)
                .reduce((a, b) -> b)
                .orElseThrow();
    }

    private void prove() {
        for (KeyTimeline k : List.copyOf(keys.values())) {
            if (!k.proven() && !now.isBefore(k.created().plus(proofDelay))) {
                keys.put(k.fingerprint(), k.withState(KeyState.PUBLISHED));
            }
        }
    }

    private void publishVersion(Instant at) {
        Set<Fingerprint> dnskeys = keys.values().stream()
                .filter(KeyTimeline::inDnskeySet)
                .map(KeyTimeline::fingerprint)
                .collect(Collectors.toSet());
        history.add(new PublishedVersion(serial++, at, dnskeys, timings.dnskeyTtl()));
    }

    /** What a validator needs at every instant. */
    private void checkValidatable() {
        List<KeyTimeline> usable = keys.values().stream()
                .filter(k -> k.signing() && k.inDnskeySet())
                .toList();
        boolean zoneSigned = usable.stream().anyMatch(k -> k.role() != KeyRole.KSK);
        boolean dnskeySigned = usable.stream().anyMatch(k -> k.role() != KeyRole.ZSK);
        assertThat(zoneSigned)
                .as("some published ZSK or CSK signs the zone at %s: %s", now, keys)
                .isTrue();
        assertThat(dnskeySigned)
                .as("some published KSK or CSK signs the DNSKEY RRset at %s", now)
                .isTrue();
        for (Fingerprint ds : parent.ds()) {
            KeyTimeline k = keys.get(ds);
            assertThat(k != null && k.inDnskeySet() && k.signing())
                    .as("the parent's DS names %s, published and signing, at %s", ds.shortHex(), now)
                    .isTrue();
        }
    }
}
