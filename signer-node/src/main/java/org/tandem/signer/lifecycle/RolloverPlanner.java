package org.tandem.signer.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyRole;
import org.tandem.signer.lifecycle.RolloverAction.Kind;

/**
 * The rollover planner: a pure function of the zone's keys, its policy, its publication history, the
 * parent's DS state and {@code now}, returning the next steps and when each is due. No clock, no I/O:
 * the same input gives the same plan.
 *
 * <p>The intervals (RFC 7583 §3, with its names):
 *
 * <ul>
 *   <li>Ipub = Dprp + TTLkey + IpubS: a published DNSKEY is in every cache only after it;
 *   <li>Iret = Dsgn + Dprp + TTLsig + IretS: a retired ZSK's signatures have left every cache after it;
 *   <li>after the parent's DS RRset changed: TTLds + IretS before a key the old DS named may go.
 * </ul>
 *
 * <p>Methods: ZSK by pre-publication (RFC 7583 §3.2.1); KSK by double-KSK (§3.3.1) with a double DS
 * (the parent first names both keys, then the new one only), the DS changes asked for with CDS and
 * CDNSKEY (RFC 7344, RFC 8078); CSK by double signature (§3.2.2) with the KSK's DS steps; a change of
 * the policy's algorithm rolls every key in the conservative order of RFC 6781 §4.1.4 (new signatures,
 * then new DNSKEYs, then the DS, then the old DNSKEYs leave, then the old signatures).
 *
 * <p>IMPORTANT: a key that is not proven on every HSM ({@link KeyTimeline#proven()}) is never
 * published or used by a plan; the planner reports it and waits.
 */
public final class RolloverPlanner {
    private final RolloverPolicy policy;
    private final ZoneTimings timings;

    public RolloverPlanner(RolloverPolicy policy, ZoneTimings timings) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.timings = Objects.requireNonNull(timings, "timings");
    }

    /** RFC 7583 Ipub with the largest DNSKEY TTL of the history. */
    public Duration publishInterval(List<PublishedVersion> history) {
        return policy.propagationDelay().plus(dnskeyTtl(history)).plus(policy.publishSafety());
    }

    /** RFC 7583 Iret for a ZSK. */
    public Duration retireInterval() {
        return timings.signingDelay()
                .plus(policy.propagationDelay())
                .plus(timings.maxZoneTtl())
                .plus(policy.retireSafety());
    }

    /** The largest DNSKEY TTL in the policy and the history: a TTL lowered lately still lives in caches. */
    public Duration dnskeyTtl(List<PublishedVersion> history) {
        Duration ttl = timings.dnskeyTtl();
        for (PublishedVersion v : history) {
            if (v.dnskeyTtl().compareTo(ttl) > 0) {
                ttl = v.dnskeyTtl();
            }
        }
        return ttl;
    }

    /**
     * The plan at {@code now}.
     *
     * @param keys every key of the zone in the manifest (any order)
     * @param history the ledger's published versions, any order; may be empty
     * @param parent the DS and CDS state
     */
    public RolloverPlan plan(List<KeyTimeline> keys, List<PublishedVersion> history, ParentState parent, Instant now) {
        Objects.requireNonNull(keys, "keys");
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(parent, "parent");
        Objects.requireNonNull(now, "now");
        if (!policy.managed()) {
            return RolloverPlan.empty();
        }
        Run run = new Run(history, parent, now);
        List<KeyTimeline> dated = keys.stream()
                .map(k -> dated(k, history))
                .sorted(Comparator.comparing(KeyTimeline::created).thenComparing(KeyTimeline::fingerprint))
                .toList();
        for (KeyTimeline k : dated) {
            if (k.deleted()) {
                continue; // decided: every node destroys it
            } else if (!k.live()) {
                run.delete(k);
            } else if (!k.proven()) {
                run.finding(
                        RolloverFinding.Kind.AWAITING_PROOF,
                        k,
                        k.describe() + " was generated at " + k.created()
                                + " and is not yet proven on every HSM; it is neither published nor used until it is");
            }
        }
        List<KeyTimeline> live = dated.stream().filter(KeyTimeline::live).toList();
        Algorithm want = policy.algorithm().orElseThrow();
        if (live.stream().anyMatch(k -> k.algorithm() != want)) {
            run.algorithmRollover(live, want);
        } else {
            for (RolePolicy role : policy.roles()) {
                run.roleRollover(
                        role, live.stream().filter(k -> k.role() == role.role()).toList());
            }
        }
        run.withdrawSettledCds();
        return new RolloverPlan(run.actions, run.findings);
    }

    /**
     * The key with its publication dated by the ledger: the first published version that carried its
     * DNSKEY (the later of that and the manifest's time). A key the manifest calls published but the
     * newest published version does not carry is not published (yet, or any more).
     */
    static KeyTimeline dated(KeyTimeline k, List<PublishedVersion> history) {
        if (history.isEmpty() || k.published().isEmpty() || k.removed().isPresent()) {
            return k;
        }
        Optional<Instant> first = history.stream()
                .filter(v -> v.dnskeys().contains(k.fingerprint()))
                .map(PublishedVersion::at)
                .min(Comparator.naturalOrder());
        PublishedVersion newest = history.stream()
                .max(Comparator.comparing(PublishedVersion::at).thenComparingLong(PublishedVersion::serial))
                .orElseThrow();
        if (first.isEmpty() || !newest.dnskeys().contains(k.fingerprint())) {
            // not in the zone (yet, or any more), however long ago the manifest said PUBLISHED: the leader
            // that wrote it may have died before publishing a version with it, and Ipub runs from when
            // resolvers could first see it
            return new KeyTimeline(
                    k.role(),
                    k.algorithm(),
                    k.tag(),
                    k.fingerprint(),
                    k.state(),
                    k.created(),
                    Optional.empty(),
                    k.active(),
                    k.retired(),
                    k.removed());
        }
        return first.get().isAfter(k.published().get()) ? k.withPublished(first.get()) : k;
    }

    /** One planning pass: collects the steps and findings. */
    private final class Run {
        private final List<PublishedVersion> history;
        private final ParentState parent;
        private final Instant now;
        private final Duration ipub;
        private final List<RolloverAction> actions = new ArrayList<>();
        private final List<RolloverFinding> findings = new ArrayList<>();

        Run(List<PublishedVersion> history, ParentState parent, Instant now) {
            this.history = history;
            this.parent = parent;
            this.now = now;
            this.ipub = publishInterval(history);
        }

        void roleRollover(RolePolicy rp, List<KeyTimeline> keys) {
            KeyRole role = rp.role();
            Optional<KeyTimeline> incumbent =
                    keys.stream().filter(k -> k.signing() && k.inDnskeySet()).findFirst();
            for (KeyTimeline k : keys) {
                if (k.retired().isPresent() && k.removed().isEmpty()) {
                    retiring(k);
                }
            }
            Optional<KeyTimeline> successor = keys.stream()
                    .filter(k -> incumbent.map(i -> !i.equals(k)).orElse(true))
                    .filter(k -> k.retired().isEmpty() && k.removed().isEmpty())
                    .filter(k -> incumbent
                            .map(i -> !k.created().isBefore(i.created()))
                            .orElse(true))
                    .reduce((a, b) -> b);
            if (incumbent.isEmpty()) {
                if (successor.isEmpty()) {
                    add(Kind.GENERATE, role, rp.algorithm(), null, Set.of(), now, "the zone has no " + role);
                } else if (successor.get().proven()) {
                    KeyTimeline s = successor.get();
                    if (s.published().isEmpty()) {
                        add(Kind.PUBLISH_DNSKEY, s, now, "first " + role + " of the zone: nothing to overlap with");
                    }
                    if (s.active().isEmpty()) {
                        add(Kind.START_SIGNING, s, now, "first " + role + " of the zone: nothing to overlap with");
                    }
                }
                return;
            }
            KeyTimeline inc = incumbent.get();
            Instant start = inc.active().orElseThrow();
            Instant end = start;
            if (rp.rolls()) {
                end = start.plus(rp.lifetime());
                Instant lead = end.minus(lead(role));
                start = lead.isAfter(start) ? lead : start;
            }
            if (successor.isEmpty()) {
                if (rp.rolls()) {
                    add(
                            Kind.GENERATE,
                            role,
                            rp.algorithm(),
                            null,
                            Set.of(),
                            start,
                            "successor of " + inc.describe() + ", whose lifetime of " + human(rp.lifetime())
                                    + " ends at " + end);
                    if (now.isAfter(end)) {
                        finding(
                                RolloverFinding.Kind.LIFETIME_EXCEEDED,
                                inc,
                                inc.describe() + " has been active since "
                                        + inc.active().get() + " and is "
                                        + human(Duration.between(end, now)) + " past its lifetime of "
                                        + human(rp.lifetime()) + "; no successor is in flight");
                    }
                }
                if (inc.secureEntryPoint()) {
                    parentStep(
                            inc,
                            Set.of(inc.fingerprint()),
                            inc.published().get().plus(ipub));
                }
                return;
            }
            KeyTimeline next = successor.get();
            if (!next.proven()) {
                return;
            }
            switch (role) {
                case ZSK -> zskRollover(inc, next, start);
                case KSK, CSK -> sepRollover(inc, next, start);
            }
        }

        /** RFC 7583 §3.2.1: publish, wait Ipub, switch signing, wait Iret, remove. */
        private void zskRollover(KeyTimeline old, KeyTimeline next, Instant start) {
            if (next.published().isEmpty()) {
                add(
                        Kind.PUBLISH_DNSKEY,
                        next,
                        start,
                        "RFC 7583 §3.2.1 pre-publication of the successor of " + old.describe());
                return;
            }
            Instant active = next.published().get().plus(ipub);
            String why = "RFC 7583 §3.2.1: Ipub " + human(ipub) + " after " + next.describe() + " was published at "
                    + next.published().get();
            add(Kind.START_SIGNING, next, active, why);
            add(Kind.STOP_SIGNING, old, active, why);
        }

        /**
         * KSK (RFC 7583 §3.3.1 double-KSK) and CSK (§3.2.2 double signature): the successor is published and
         * signs at once; after Ipub the parent is asked for both DS, then for the new one only; the old key
         * leaves when no DS may name it any more.
         */
        private void sepRollover(KeyTimeline old, KeyTimeline next, Instant start) {
            KeyRole role = old.role();
            if (next.published().isEmpty() || next.active().isEmpty()) {
                String why = (role == KeyRole.KSK ? "RFC 7583 §3.3.1 double-KSK" : "RFC 7583 §3.2.2 double signature")
                        + ": successor of " + old.describe();
                if (next.published().isEmpty()) {
                    add(Kind.PUBLISH_DNSKEY, next, start, why);
                }
                if (next.active().isEmpty()) {
                    add(Kind.START_SIGNING, next, start, why);
                }
                return;
            }
            Instant ready = next.published().get().plus(ipub);
            Set<Fingerprint> both = Set.of(old.fingerprint(), next.fingerprint());
            Set<Fingerprint> onlyNext = Set.of(next.fingerprint());
            if (!parent.ds().contains(next.fingerprint())) {
                parentStep(next, both, ready);
                return;
            }
            Instant dsSince = parent.dsSince().orElseThrow();
            if (parent.ds().contains(old.fingerprint())) {
                parentStep(next, onlyNext, dsSince.plus(policy.parent().dsTtl()));
                return;
            }
            Instant gone = dsSince.plus(policy.parent().dsTtl()).plus(policy.retireSafety());
            String why = "RFC 7583 §3.3.1: the parent's DS has not named " + old.describe() + " since " + dsSince
                    + ", plus TTLds " + human(policy.parent().dsTtl()) + " and retire-safety";
            if (role == KeyRole.CSK) {
                // §3.2.2: the successor's signatures must be in every cache before the old ones go
                Instant signed = next.active().get().plus(retireInterval());
                if (signed.isAfter(gone)) {
                    gone = signed;
                    why = "RFC 7583 §3.2.2: Dsgn + Dprp + TTLsig + IretS after " + next.describe() + " began signing";
                }
            }
            add(Kind.STOP_SIGNING, old, gone, why);
            add(Kind.REMOVE_DNSKEY, old, gone, why);
        }

        /** A key that stopped signing but is still published. */
        private void retiring(KeyTimeline k) {
            if (k.role() == KeyRole.ZSK) {
                add(
                        Kind.REMOVE_DNSKEY,
                        k,
                        k.retired().get().plus(retireInterval()),
                        "RFC 7583 §3.2.1: Iret " + human(retireInterval()) + " after it stopped signing at "
                                + k.retired().get());
                return;
            }
            if (parent.ds().contains(k.fingerprint())) {
                return; // the parent's DS still names it: it stays
            }
            Instant due = k.retired().get();
            Instant dsClear = parent.dsSince()
                    .map(t -> t.plus(policy.parent().dsTtl()).plus(policy.retireSafety()))
                    .orElse(due);
            add(Kind.REMOVE_DNSKEY, k, dsClear.isAfter(due) ? dsClear : due, "no DS names it any more");
        }

        /** RFC 6781 §4.1.4, conservative order. */
        void algorithmRollover(List<KeyTimeline> live, Algorithm want) {
            List<KeyTimeline> old =
                    live.stream().filter(k -> k.algorithm() != want).toList();
            List<KeyTimeline> fresh = new ArrayList<>();
            boolean missing = false;
            String from = old.stream()
                    .map(k -> Integer.toString(k.algorithm().number()))
                    .distinct()
                    .collect(Collectors.joining(","));
            for (RolePolicy rp : policy.roles()) {
                Optional<KeyTimeline> k = live.stream()
                        .filter(x -> x.role() == rp.role()
                                && x.algorithm() == want
                                && x.retired().isEmpty())
                        .reduce((a, b) -> b);
                if (k.isEmpty()) {
                    add(
                            Kind.GENERATE,
                            rp.role(),
                            want,
                            null,
                            Set.of(),
                            now,
                            "RFC 6781 §4.1.4 algorithm rollover " + "from " + from + " to " + want.number()
                                    + ": the policy names algorithm " + want.number());
                    missing = true;
                } else if (!k.get().proven()) {
                    missing = true;
                } else {
                    fresh.add(k.get());
                }
            }
            if (missing) {
                return;
            }
            if (fresh.stream().anyMatch(k -> k.active().isEmpty())) {
                for (KeyTimeline k : fresh) {
                    if (k.active().isEmpty()) {
                        add(
                                Kind.START_SIGNING,
                                k,
                                now,
                                "RFC 6781 §4.1.4: signatures of algorithm " + want.number()
                                        + " first, before its DNSKEY");
                    }
                }
                return;
            }
            Instant signed = latest(fresh.stream().map(k -> k.active().get()).toList());
            if (fresh.stream().anyMatch(k -> k.published().isEmpty())) {
                Duration wait = timings.signingDelay()
                        .plus(policy.propagationDelay())
                        .plus(timings.maxZoneTtl())
                        .plus(policy.publishSafety());
                for (KeyTimeline k : fresh) {
                    if (k.published().isEmpty()) {
                        add(
                                Kind.PUBLISH_DNSKEY,
                                k,
                                signed.plus(wait),
                                "RFC 6781 §4.1.4: Dsgn + Dprp + TTLsig + " + "IpubS (" + human(wait)
                                        + ") after the new signatures, every cache holds them");
                    }
                }
                return;
            }
            Instant published =
                    latest(fresh.stream().map(k -> k.published().get()).toList());
            KeyTimeline sep = fresh.stream()
                    .filter(KeyTimeline::secureEntryPoint)
                    .findFirst()
                    .orElseThrow();
            Set<Fingerprint> desired = Set.of(sep.fingerprint());
            if (!parent.ds().equals(desired)) {
                parentStep(sep, desired, published.plus(ipub));
                return;
            }
            Instant dsSince = parent.dsSince().orElseThrow();
            Instant dsClear = dsSince.plus(policy.parent().dsTtl()).plus(policy.retireSafety());
            List<KeyTimeline> stillPublished =
                    old.stream().filter(KeyTimeline::inDnskeySet).toList();
            for (KeyTimeline k : stillPublished) {
                add(
                        Kind.REMOVE_DNSKEY,
                        k,
                        dsClear,
                        "RFC 6781 §4.1.4: the parent's DS names only " + sep.describe() + " since " + dsSince
                                + ", plus TTLds and retire-safety");
            }
            if (!stillPublished.isEmpty()) {
                return;
            }
            Duration cached = dnskeyTtl(history).plus(policy.propagationDelay()).plus(policy.retireSafety());
            for (KeyTimeline k : old) {
                if (k.signing()) {
                    Instant removed = k.removed().orElse(now);
                    add(
                            Kind.STOP_SIGNING,
                            k,
                            removed.plus(cached),
                            "RFC 6781 §4.1.4: signatures of algorithm "
                                    + k.algorithm().number() + " stay until its DNSKEY, removed at " + removed
                                    + ", has left every cache (TTLkey + Dprp + IretS)");
                }
            }
        }

        /**
         * Brings the parent's DS RRset to {@code desired}: CDS/CDNSKEY from {@code ready}, then waits for
         * the parent.
         */
        private void parentStep(KeyTimeline key, Set<Fingerprint> desired, Instant ready) {
            if (parent.ds().equals(desired)) {
                return;
            }
            if (!parent.cds().equals(desired)) {
                add(
                        Kind.PUBLISH_CDS,
                        key.role(),
                        key.algorithm(),
                        null,
                        desired,
                        ready,
                        "RFC 7344: ask the parent for "
                                + "DS " + fingerprints(desired) + " once " + key.describe()
                                + " is in every cache (Ipub "
                                + human(ipub) + " after publication)");
                return;
            }
            Instant expected =
                    parent.cdsSince().orElse(now).plus(policy.parent().propagationDelay());
            add(
                    Kind.AWAIT_PARENT,
                    key.role(),
                    key.algorithm(),
                    null,
                    desired,
                    expected,
                    "parent check "
                            + policy.parent().check() + ": the DS RRset must name " + fingerprints(desired)
                            + " (CDS published since " + parent.cdsSince().orElse(now) + ")");
            if (now.isAfter(expected) && policy.parent().check() != ParentCheck.NONE) {
                findings.add(new RolloverFinding(
                        RolloverFinding.Kind.AWAITING_PARENT,
                        Optional.of(key.fingerprint()),
                        key.describe() + ": the parent's DS RRset names " + fingerprints(parent.ds()) + ", not "
                                + fingerprints(desired) + ", " + human(Duration.between(expected, now))
                                + " after the expected " + expected + " (check: "
                                + policy.parent().check() + ")"));
            }
        }

        /** RFC 7344 §4.1: once the parent has acted and nothing else is asked, the CDS may go. */
        void withdrawSettledCds() {
            boolean asking =
                    actions.stream().anyMatch(a -> a.kind() == Kind.PUBLISH_CDS || a.kind() == Kind.AWAIT_PARENT);
            if (!asking && !parent.cds().isEmpty() && parent.cds().equals(parent.ds())) {
                KeyRole role = policy.csk() ? KeyRole.CSK : KeyRole.KSK;
                add(
                        Kind.WITHDRAW_CDS,
                        role,
                        policy.algorithm().orElseThrow(),
                        null,
                        parent.cds(),
                        now,
                        "RFC 7344 §4.1: the parent's DS names " + fingerprints(parent.ds()) + " as asked");
            }
        }

        /**
         * A key out of the DNSKEY RRset and no longer signing: deleted once no cache can refer to it (its DNSKEY
         * and its signatures), unless the policy keeps removed keys ({@code keys.delete-removed: false}).
         */
        void delete(KeyTimeline k) {
            if (!policy.deleteRemoved()
                    || k.removed().isEmpty()
                    || k.retired().isEmpty()
                    || parent.ds().contains(k.fingerprint())) {
                return;
            }
            Instant last = latest(List.of(k.removed().get(), k.retired().get()));
            Duration ttl =
                    dnskeyTtl(history).compareTo(timings.maxZoneTtl()) > 0 ? dnskeyTtl(history) : timings.maxZoneTtl();
            Duration wait = policy.propagationDelay().plus(ttl).plus(policy.retireSafety());
            add(Kind.DELETE_KEY, k, last.plus(wait), "out of the zone since " + last + ", plus Dprp + TTL + IretS");
        }

        /** From generating a successor to its taking over: what the lifetime must leave room for. */
        private Duration lead(KeyRole role) {
            return role == KeyRole.ZSK
                    ? ipub
                    : ipub.plus(policy.parent().propagationDelay())
                            .plus(policy.parent().dsTtl());
        }

        private void add(Kind kind, KeyTimeline k, Instant due, String reason) {
            add(kind, k.role(), k.algorithm(), k.fingerprint(), Set.of(), due, k.describe() + ": " + reason);
        }

        private void add(
                Kind kind, KeyRole role, Algorithm alg, Fingerprint key, Set<Fingerprint> ds, Instant due, String why) {
            actions.add(new RolloverAction(kind, role, alg, Optional.ofNullable(key), ds, due, why));
        }

        void finding(RolloverFinding.Kind kind, KeyTimeline k, String message) {
            findings.add(new RolloverFinding(kind, Optional.of(k.fingerprint()), message));
        }
    }

    private static Instant latest(List<Instant> times) {
        return times.stream().max(Comparator.naturalOrder()).orElseThrow();
    }

    private static String fingerprints(Set<Fingerprint> keys) {
        return keys.isEmpty()
                ? "no key"
                : new TreeSet<>(keys).stream().map(Fingerprint::shortHex).collect(Collectors.joining(", ", "{", "}"));
    }

    /** {@code 90d}, {@code 2h5m}, {@code 45s}: the policy file's own notation. */
    static String human(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder b = new StringBuilder();
        long s = d.getSeconds();
        long[] units = {86400, 3600, 60, 1};
        String[] names = {"d", "h", "m", "s"};
        for (int i = 0; i < units.length; i++) {
            if (s >= units[i]) {
                b.append(s / units[i]).append(names[i]);
                s %= units[i];
            }
        }
        return b.toString();
    }
}
