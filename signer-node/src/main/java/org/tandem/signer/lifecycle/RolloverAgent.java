package org.tandem.signer.lifecycle;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.KeySync;
import org.tandem.keysync.KeySyncException;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ManifestConflictException;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.signer.lifecycle.RolloverAction.Kind;

/**
 * The rollover agent of the leader: asks the {@link RolloverPlanner} for the due steps of one zone and
 * carries them out on the manifest. It keeps no state of its own: everything it decides on is read
 * from the manifest (keys, states and their times, the parent's DS as confirmed), the publish ledger
 * (the published versions) and the replication agent's last pass (which GENERATED keys are proven
 * on every node); so a new leader continues a rollover where the old one left it.
 *
 * <p>What it does with each due step:
 *
 * <ul>
 *   <li>{@code GENERATE}: one key of the role, once, on this node's HSM (GENERATED in the manifest);
 *       the replication agent then copies it to every node and proves it there. One per role and
 *       pass: the next pass sees the successor in the manifest and the planner asks for no other.
 *   <li>{@code PUBLISH_DNSKEY}: GENERATED → PUBLISHED, only for a key the replication agent has just
 *       proven on every HSM of every node ({@code proven}); a key that is not waits (the replication
 *       agent names the node and HSM that lack it in the status, health and metrics).
 *   <li>{@code START_SIGNING}: PUBLISHED → ACTIVE; {@code STOP_SIGNING}: ACTIVE → RETIRED; {@code
 *       REMOVE_DNSKEY}: RETIRED → REMOVED. The due state steps of a pass are written together, with
 *       one compare-and-set and the time of each step, so that a ZSK rollover's switch (the new key
 *       starts, the old one stops) is one manifest version.
 *   <li>{@code PUBLISH_CDS}, {@code WITHDRAW_CDS}: the CDS/CDNSKEY request recorded in the manifest
 *       ({@link ManifestParent}); {@code AWAIT_PARENT} with {@code parent.check: none}: the DS is taken
 *       as changed once the parent's propagation delay has passed; with {@code operator} it waits for
 *       {@code signerctl keys ds-seen}.
 *   <li>{@code DELETE_KEY}: REMOVED → DELETED, in the same compare-and-set as the other state steps. The
 *       planner names it only once no cache can hold the key's DNSKEY or signatures, and only when the policy
 *       deletes removed keys ({@code keys.delete-removed}, default true). The agent destroys nothing itself:
 *       every node, this one included, destroys its own copies when it sees the state ({@code
 *       KeySync#destroyDeleted}, run by the daemon on leader and standby alike).
 * </ul>
 *
 * <p>An algorithm rollover (RFC 6781 §4.1.4) uses two more states: {@code START_SIGNING} of a proven GENERATED
 * key makes it PRE_ACTIVE (signing, DNSKEY not published), {@code PUBLISH_DNSKEY} then makes it ACTIVE; {@code
 * REMOVE_DNSKEY} of an ACTIVE key the plan keeps signing makes it POST_ACTIVE (signing, DNSKEY out of the zone),
 * {@code STOP_SIGNING} then makes it REMOVED.
 *
 * <p>Threads: one pass at a time (the daemon's zone worker).
 */
public final class RolloverAgent {
    private static final Logger LOG = LoggerFactory.getLogger(RolloverAgent.class);

    /** The steps that change a key's manifest state, in the order they are applied within one pass. */
    private static final Set<Kind> STATE_STEPS =
            EnumSet.of(Kind.PUBLISH_DNSKEY, Kind.START_SIGNING, Kind.STOP_SIGNING, Kind.REMOVE_DNSKEY, Kind.DELETE_KEY);

    /** What the agent needs from keysync: the manifest, generation on this node's HSM, written steps. */
    public interface Keys {
        /** The zone's manifest (version -1 when it has none). */
        ZoneKeySet manifest(ZoneName zone) throws KeySyncException;

        /** Generates one key on this node's (first) HSM and adds it to the manifest as GENERATED. */
        DnssecKey generate(ZoneName zone, KeyRole role, Algorithm algorithm) throws KeySyncException;

        /** Writes {@code next} with a compare-and-set on {@code current}'s version; audits each state change. */
        void update(ZoneKeySet current, ZoneKeySet next, String why) throws KeySyncException;

        /** Keysync over this node's HSMs; new keys are generated on {@code on}. */
        static Keys of(KeySync keySync, HsmId on) {
            Objects.requireNonNull(keySync, "keySync");
            Objects.requireNonNull(on, "on");
            return new Keys() {
                @Override
                public ZoneKeySet manifest(ZoneName zone) throws KeySyncException {
                    return keySync.manifest(zone);
                }

                @Override
                public DnssecKey generate(ZoneName zone, KeyRole role, Algorithm algorithm) throws KeySyncException {
                    return keySync.generate(zone, role, algorithm, on);
                }

                @Override
                public void update(ZoneKeySet current, ZoneKeySet next, String why) throws KeySyncException {
                    keySync.update(current, next, why);
                }
            };
        }
    }

    /**
     * What one pass did for a zone.
     *
     * @param done one line per step carried out ({@code ZSK 4711 fp 3f2a9c01: PUBLISHED -> ACTIVE (…)})
     * @param waiting one line per due step not carried out, with why
     * @param findings the planner's findings
     * @param nextDue when the next step falls due, if the plan names one
     * @param changed whether the manifest was written with a change the zone shows (it is re-signed at once); a
     *     pass that only marked keys DELETED changed the manifest, not the zone
     */
    public record Outcome(
            ZoneName zone,
            List<String> done,
            List<String> waiting,
            List<RolloverFinding> findings,
            Optional<Instant> nextDue,
            boolean changed) {
        public Outcome {
            Objects.requireNonNull(zone, "zone");
            done = List.copyOf(done);
            waiting = List.copyOf(waiting);
            findings = List.copyOf(findings);
            Objects.requireNonNull(nextDue, "nextDue");
        }
    }

    private final String node;
    private final Keys keys;
    private final Clock clock;
    private final ParentDs parentDs;

    /**
     * @param node this node's name, for the log and the manifest's audit lines
     * @param keys keysync over this node's HSMs and the manifest store
     */
    public RolloverAgent(String node, Keys keys, Clock clock) {
        this(node, keys, clock, ParentDs.NONE);
    }

    /**
     * @param node this node's name, for the log and the manifest's audit lines
     * @param keys keysync over this node's HSMs and the manifest store
     * @param parentDs asks the parent's name servers for the DS RRset ({@code parent.check: resolver})
     */
    public RolloverAgent(String node, Keys keys, Clock clock, ParentDs parentDs) {
        this.node = Objects.requireNonNull(node, "node");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.parentDs = Objects.requireNonNull(parentDs, "parentDs");
    }

    /**
     * One pass over one zone.
     *
     * @param policy the zone's lifecycle policy; a policy without {@code keys:} does nothing
     * @param timings the zone's DNSKEY TTL, largest TTL and signing delay
     * @param history the ledger's published versions of the zone
     * @param proven the GENERATED keys the replication agent proved on every HSM of every node in the
     *     pass that just ran; only these may be published
     * @param leading asked before every write: only the leader changes the manifest
     * @throws KeySyncException when the manifest cannot be read; a failed write is reported in the
     *     outcome instead (the next pass plans again from what the manifest then says)
     */
    public Outcome run(
            ZoneName zone,
            RolloverPolicy policy,
            ZoneTimings timings,
            List<PublishedVersion> history,
            Set<Fingerprint> proven,
            BooleanSupplier leading)
            throws KeySyncException {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(timings, "timings");
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(proven, "proven");
        Objects.requireNonNull(leading, "leading");
        List<String> done = new ArrayList<>();
        List<String> waiting = new ArrayList<>();
        if (!policy.managed()) {
            return new Outcome(zone, done, waiting, List.of(), Optional.empty(), false);
        }
        Instant now = clock.instant();
        ZoneKeySet manifest = keys.manifest(zone);
        List<KeyTimeline> timelines = timelines(manifest, proven);
        ParentState parent = ManifestParent.of(manifest);
        RolloverPlan plan = new RolloverPlanner(policy, timings).plan(timelines, history, parent, now);
        List<RolloverAction> due = plan.due(now);
        // 1. new keys: generated once, here; nothing else in this pass (the next one sees them)
        List<KeyRole> generated = new ArrayList<>();
        for (RolloverAction a : due) {
            if (a.kind() != Kind.GENERATE || generated.contains(a.role())) {
                continue;
            }
            if (!leading.getAsBoolean()) {
                waiting.add(a.role() + ": not generated: this node no longer leads");
                return new Outcome(zone, done, waiting, plan.findings(), plan.nextDue(now), false);
            }
            try {
                DnssecKey k = keys.generate(zone, a.role(), a.algorithm());
                generated.add(a.role());
                String line = describe(k) + ": generated on " + node + " (" + a.reason() + ")";
                done.add(line);
                LOG.info(
                        "node={} zone={} key={} tag={} role={} event=rollover-step step=GENERATE reason=\"{}\"",
                        node,
                        zone,
                        k.fingerprint().shortHex(),
                        k.keyTag(),
                        k.role(),
                        a.reason());
            } catch (KeySyncException | RuntimeException e) {
                waiting.add(a.role() + ": generation failed on " + node + ": " + e.getMessage());
                LOG.warn(
                        "node={} zone={} role={} event=rollover-step-failed step=GENERATE reason=\"{}\"",
                        node,
                        zone,
                        a.role(),
                        e.getMessage());
            }
        }
        if (!generated.isEmpty()) {
            return new Outcome(zone, done, waiting, plan.findings(), Optional.of(now), true);
        }
        // 2. state steps, one manifest version
        ZoneKeySet next = manifest;
        boolean zoneChanges = false;
        List<String> steps = new ArrayList<>();
        List<RolloverAction> ordered = due.stream()
                .filter(a -> STATE_STEPS.contains(a.kind()))
                .sorted(Comparator.comparing(RolloverAction::kind))
                .toList();
        for (RolloverAction a : ordered) {
            Fingerprint fp = a.key().orElseThrow();
            Optional<ZoneKeySet.Entry> entry = next.find(fp);
            if (entry.isEmpty()) {
                continue;
            }
            KeyState state = entry.get().state();
            // REMOVE_DNSKEY of an ACTIVE key that the plan does not stop in the same pass: an algorithm rollover
            // keeps the old signatures after the DNSKEY left (RFC 6781 §4.1.4)
            boolean keepsSigning = due.stream()
                    .noneMatch(x -> x.kind() == Kind.STOP_SIGNING && x.key().equals(a.key()));
            Optional<KeyState> to = target(a.kind(), state, keepsSigning);
            String who = describe(entry.get().key());
            if (to.isEmpty()) {
                continue;
            }
            if ((a.kind() == Kind.PUBLISH_DNSKEY || a.kind() == Kind.START_SIGNING)
                    && state == KeyState.GENERATED
                    && !proven.contains(fp)) {
                waiting.add(who + ": not " + (a.kind() == Kind.PUBLISH_DNSKEY ? "published" : "signing")
                        + ": not proven on every HSM of every node in this pass");
                continue;
            }
            next = next.withState(fp, state, to.get(), now);
            steps.add(who + ": " + state + " -> " + to.get() + " (" + a.reason() + ")");
            zoneChanges |= a.kind() != Kind.DELETE_KEY;
        }
        // 3. the parent: CDS/CDNSKEY asked for, DS assumed with check: none
        ParentState nextParent = parent;
        for (RolloverAction a : due) {
            switch (a.kind()) {
                case PUBLISH_CDS -> {
                    nextParent = nextParent.withCds(a.ds(), now);
                    steps.add("CDS/CDNSKEY for " + ManifestParent.shortHex(a.ds()) + " (" + a.reason() + ")");
                }
                case WITHDRAW_CDS -> {
                    nextParent = nextParent.withCds(Set.of(), now);
                    steps.add("CDS/CDNSKEY withdrawn (" + a.reason() + ")");
                }
                case AWAIT_PARENT -> {
                    if (policy.parent().check() == ParentCheck.NONE) {
                        nextParent = nextParent.withDs(a.ds(), now);
                        steps.add("DS " + ManifestParent.shortHex(a.ds()) + " assumed at the parent (check: none, "
                                + a.reason() + ")");
                    } else if (policy.parent().check() == ParentCheck.RESOLVER) {
                        String resolver = policy.parent().resolver().orElseThrow();
                        ParentDsAnswer answer = parentDs.ask(zone, resolver);
                        List<DnssecKey> known = manifest.entries().stream()
                                .map(ZoneKeySet.Entry::key)
                                .toList();
                        if (answer.agreed(known).filter(a.ds()::equals).isPresent()) {
                            nextParent = nextParent.withDs(a.ds(), now);
                            steps.add("DS " + ManifestParent.shortHex(a.ds()) + " served by every name server of "
                                    + "the parent (check: resolver " + resolver + ": " + answer.describe(known) + ")");
                        } else {
                            waiting.add("DS " + ManifestParent.shortHex(a.ds()) + " not yet served by every name "
                                    + "server of the parent (check: resolver " + resolver + ": "
                                    + answer.describe(known) + ")");
                        }
                    } else {
                        waiting.add("DS " + ManifestParent.shortHex(a.ds()) + " not yet confirmed (check: "
                                + policy.parent().check() + "; signerctl keys ds-seen)");
                    }
                }
                default -> {}
            }
        }
        if (!nextParent.equals(parent)) {
            next = ManifestParent.record(next, nextParent);
            zoneChanges = true;
        }
        boolean written = false;
        if (!steps.isEmpty()) {
            if (!leading.getAsBoolean()) {
                waiting.add("not written: this node no longer leads");
            } else {
                try {
                    keys.update(manifest, next, "rollover agent on " + node);
                    written = true;
                    for (String s : steps) {
                        done.add(s);
                        LOG.info("node={} zone={} event=rollover-step {}", node, zone, s);
                    }
                } catch (ManifestConflictException e) {
                    waiting.add("manifest changed meanwhile (" + e.getMessage() + "); planned again next pass");
                } catch (KeySyncException | RuntimeException e) {
                    waiting.add("manifest not written: " + e.getMessage());
                    LOG.warn("node={} zone={} event=rollover-step-failed reason=\"{}\"", node, zone, e.getMessage());
                }
            }
        }
        for (String w : waiting) {
            LOG.info("node={} zone={} event=rollover-waiting {}", node, zone, w);
        }
        boolean changed = written && zoneChanges;
        Optional<Instant> nextDue = changed ? Optional.of(now) : plan.nextDue(now);
        return new Outcome(zone, done, waiting, plan.findings(), nextDue, changed);
    }

    /**
     * The planner's view of the manifest: a GENERATED key proven on every node in the replication
     * pass counts as proven (neither published nor active yet).
     */
    static List<KeyTimeline> timelines(ZoneKeySet manifest, Set<Fingerprint> proven) {
        return ManifestTimelines.of(manifest).stream()
                .map(k -> k.state() == KeyState.GENERATED && proven.contains(k.fingerprint())
                        ? k.withState(KeyState.PUBLISHED)
                        : k)
                .toList();
    }

    /**
     * The manifest state a step moves a key in {@code from} to; empty when it does not apply.
     *
     * @param keepsSigning for {@code REMOVE_DNSKEY} of an ACTIVE key: the plan keeps it signing (an algorithm
     *     rollover), so it becomes POST_ACTIVE
     */
    static Optional<KeyState> target(Kind kind, KeyState from, boolean keepsSigning) {
        KeyState to = switch (kind) {
            case PUBLISH_DNSKEY ->
                switch (from) {
                    case GENERATED -> KeyState.PUBLISHED;
                    case PRE_ACTIVE -> KeyState.ACTIVE;
                    default -> null;
                };
            case START_SIGNING ->
                switch (from) {
                    case PUBLISHED -> KeyState.ACTIVE;
                    // RFC 6781 §4.1.4: a new algorithm signs before its DNSKEY is published
                    case GENERATED -> KeyState.PRE_ACTIVE;
                    default -> null;
                };
            case STOP_SIGNING ->
                switch (from) {
                    case ACTIVE -> KeyState.RETIRED;
                    case POST_ACTIVE -> KeyState.REMOVED;
                    default -> null;
                };
            case REMOVE_DNSKEY ->
                switch (from) {
                    case RETIRED -> KeyState.REMOVED;
                    case ACTIVE -> keepsSigning ? KeyState.POST_ACTIVE : null;
                    default -> null;
                };
            // the planner's due time: no cache can hold the key's DNSKEY or signatures any more
            case DELETE_KEY -> from == KeyState.REMOVED ? KeyState.DELETED : null;
            default -> null;
        };
        return Optional.ofNullable(to);
    }

    private static String describe(DnssecKey k) {
        return k.role() + " " + k.keyTag() + " fp " + k.fingerprint().shortHex();
    }
}
