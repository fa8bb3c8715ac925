package org.tandem.signer.sign;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.SigningException;
import org.tandem.signer.nsec.NodeKind;
import org.tandem.signer.nsec.Nsec3Chain;
import org.tandem.signer.nsec.Nsec3CollisionException;
import org.tandem.signer.nsec.NsecChain;
import org.tandem.signer.nsec.OwnerNode;
import org.tandem.signer.sign.SignedZoneState.Node;
import org.tandem.signer.sign.SignedZoneState.Rr;
import org.tandem.signer.zone.UnsignedZone;
import org.xbill.DNS.DClass;
import org.xbill.DNS.NSEC3Record;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;
import org.xbill.DNS.utils.base32;

/**
 * Re-signs a {@link SignedZoneState} incrementally: only what a change needs, with the result
 * equal in meaning to a full {@link ZoneSigner} run over the new data (same RRsets, same NSEC or
 * NSEC3 records, every RRset signed by every key that must sign it).
 *
 * <p>Rules, per run at {@code now}:
 *
 * <ul>
 *   <li><b>Changed, added, removed RRsets</b> (compared in canonical form: same TTL and canonical
 *       RDATA means unchanged): the new content is signed, removed RRsets and their RRSIGs dropped.
 *   <li><b>Reuse</b>: an existing RRSIG is kept when it was made over exactly the RRset's current
 *       content (the state keeps each RRset with the signatures made over it, so a content change
 *       drops them), its key is one of the keys that must sign that RRset now (matched by algorithm
 *       and key tag), and it is not due: more than {@link SigningPolicy#refresh()} is left before it
 *       expires (Knot semantics: re-sign when fewer than {@code refresh} remain). A key that must
 *       sign but has no reusable RRSIG gets a new one; RRSIGs of keys that no longer sign are
 *       dropped. A changed key set (the DNSKEY RRset differs) therefore re-checks every RRset
 *       (O(zone)) and re-signs what a removed key signed.
 *   <li><b>Refresh</b>: RRsets whose earliest RRSIG is due are found in the state's expiration
 *       index (O(due · log n)), not by a scan.
 *   <li><b>Denial</b>: the NSEC or NSEC3 records are re-made only around the change: the changed
 *       names, their ancestors (empty non-terminals appear and disappear), the names below a name
 *       that became or stopped being a zone cut (they become or stop being glue), and the
 *       predecessors of names that joined or left the chain (their next field). With NSEC3 opt-out,
 *       an insecure delegation gets no NSEC3 and an empty non-terminal gets one only when a name
 *       below it is not an insecure delegation, as in {@link Nsec3Chain#build}. A record that comes
 *       out equal keeps its RRSIGs.
 *   <li><b>SOA</b>: serial per {@link SerialPolicy} from the state's serial (never backwards), SOA
 *       re-signed every run. <b>DNSKEY</b>: re-made from the keys, re-signed when it changed.
 *   <li><b>ZONEMD</b>, when the zone has one: recomputed over the whole zone, which is O(zone)
 *       (RFC 8976 SIMPLE has no incremental form).
 * </ul>
 *
 * <p>The capability canary runs for every record type that is signed in this run but had no
 * signed RRset in the zone before (a type new to the zone), before anything is signed.
 *
 * <p>The state is changed in place and left pending: the caller validates ({@code
 * IncrementalGate}), publishes, then {@link SignedZoneState#commit()}s, or {@link
 * SignedZoneState#rollback()}s. When a re-sign fails, the state is rolled back before the exception
 * leaves. Changing the denial (NSEC ↔ NSEC3, parameters, opt-out) or ZONEMD use is not incremental:
 * check {@link SignedZoneState#compatibleWith} and sign in full otherwise.
 *
 * <p>Threads: RRSIGs are made on the calling thread, or on {@link SigningPolicy#threads()} threads
 * when there are many; no thread uses an HSM after a method returns. Stateless, may be shared.
 *
 * <p>IMPORTANT: like {@link ZoneSigner}, the result is not verified here; a gate must pass it before
 * it is published (INV-D1).
 */
public final class IncrementalSigner {
    private static final Logger LOG = LoggerFactory.getLogger(IncrementalSigner.class);
    private static final int PARALLEL_FROM = 256;
    private static final base32 BASE32HEX = new base32(base32.Alphabet.BASE32HEX, false, true);
    private static final Path CHANGE_SET = Path.of("(change set)");

    /**
     * Re-signs {@code state} so that it holds {@code zone}: the difference is computed in canonical
     * form (O(zone)) and applied as by {@link #apply}; the SOA takes every field but the serial from
     * {@code zone}.
     *
     * @throws UnsupportedRecordException the new zone holds a record the signer refuses
     */
    public IncrementalResult resign(
            SignedZoneState state, UnsignedZone zone, List<SigningKey> keys, SigningPolicy policy, Instant now)
            throws SigningException {
        Objects.requireNonNull(zone, "zone");
        long started = System.nanoTime();
        if (!zone.origin().equals(state.origin)) {
            throw new IllegalArgumentException("zone " + zone.origin() + " is not the state's zone " + state.origin);
        }
        ZoneIndex index = ZoneIndex.build(zone, zone.soa());
        List<RrsetChange> changes = new ArrayList<>();
        Map<Name, ZoneIndex.Owner> fresh = new HashMap<>(index.owners().size() * 4 / 3 + 16);
        for (ZoneIndex.Owner o : index.owners()) {
            fresh.put(o.name, o);
            for (ZoneIndex.Rrset r : o.rrsets) {
                if (managed(state.apex, o.name, r.type)) {
                    continue;
                }
                PreparedRrset p = r.prepare();
                Rr old = state.rr(o.name, r.type);
                if (old == null || !old.sameContent(Rr.of(p))) {
                    changes.add(new RrsetChange(o.name, r.type, Arrays.asList(p.records())));
                }
            }
        }
        for (Node n : state.data.values()) {
            ZoneIndex.Owner o = fresh.get(n.name);
            for (Rr r : n.rrsets) {
                if (!managed(state.apex, n.name, r.type) && (o == null || !o.has(r.type))) {
                    changes.add(RrsetChange.remove(n.name, r.type));
                }
            }
        }
        return apply(state, changes, keys, policy, now, zone.soa(), started);
    }

    /** Applies a change set; the SOA keeps its fields and gets the next serial. See the class comment. */
    public IncrementalResult apply(
            SignedZoneState state, List<RrsetChange> changes, List<SigningKey> keys, SigningPolicy policy, Instant now)
            throws SigningException {
        return apply(state, changes, keys, policy, now, null, System.nanoTime());
    }

    /** @param started when the run started (the difference to an unsigned zone is part of it) */
    private IncrementalResult apply(
            SignedZoneState state,
            List<RrsetChange> changes,
            List<SigningKey> keys,
            SigningPolicy policy,
            Instant now,
            SOARecord soaTemplate,
            long started)
            throws SigningException {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(changes, "changes");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(now, "now");
        if (state.pending()) {
            throw new IllegalStateException(
                    "zone " + state.origin + ": the previous re-sign is neither committed nor " + "rolled back");
        }
        if (!state.compatibleWith(policy)) {
            throw new IllegalArgumentException("zone " + state.origin + " is signed with " + describe(state)
                    + " but the policy asks for " + (policy.denial() == Denial.NSEC ? "NSEC" : policy.nsec3())
                    + (policy.zonemd() ? " with ZONEMD" : "") + ": sign it in full");
        }
        List<SigningKey> all = List.copyOf(keys);
        ZoneSigner.checkKeys(state.origin, all);
        try {
            Run run = new Run(state, all, policy, now);
            run.execute(changes, soaTemplate);
            IncrementalResult result = run.result(Duration.ofNanos(System.nanoTime() - started));
            LOG.info(
                    "zone={} event=resigned-incrementally serial={} changes={} rrsets-signed={} signatures-made={} "
                            + "signatures-reused={} removed={} added={} ms={}",
                    state.origin,
                    result.serial(),
                    changes.size(),
                    result.rrsetsSigned(),
                    result.signaturesMade(),
                    result.signaturesReused(),
                    result.removed().size(),
                    result.added().size(),
                    result.elapsed().toMillis());
            return result;
        } catch (SigningException | RuntimeException | Error e) {
            state.rollback();
            throw e;
        }
    }

    private static String describe(SignedZoneState s) {
        return (s.denial == Denial.NSEC ? "NSEC" : s.nsec3.toString()) + (s.zonemd ? " with ZONEMD" : "");
    }

    /** Types the signer makes itself, never taken from the data. */
    static boolean managed(Name apex, Name owner, int type) {
        if (type == Type.RRSIG || type == Type.NSEC || type == Type.NSEC3 || type == Type.SOA) {
            return true;
        }
        return owner.equals(apex) && (type == Type.DNSKEY || type == Type.NSEC3PARAM || type == Type.ZONEMD);
    }

    /** One re-sign. */
    private static final class Run {
        final SignedZoneState st;
        final ZoneName origin;
        final Name apex;
        /** Every key: the DNSKEY RRset. */
        final List<SigningKey> keys;
        /** The keys that sign ({@link SigningKey#signs()}). */
        final List<SigningKey> signing;

        final List<SigningKey> keySigners;
        final List<SigningKey> dataSigners;
        final SigningPolicy policy;
        final Instant now;
        final Instant inception;
        final long refreshHorizon;
        final int[] signedTypesBefore;
        long serial;
        long made;
        long rrsetsSigned;
        long denialTtl;

        Run(SignedZoneState st, List<SigningKey> keys, SigningPolicy policy, Instant now) {
            this.st = st;
            this.origin = st.origin;
            this.apex = st.apex;
            this.keys = keys;
            this.signing = keys.stream().filter(SigningKey::signs).toList();
            this.keySigners = signing.stream().filter(SigningKey::signsKeys).toList();
            this.dataSigners = signing.stream().filter(SigningKey::signsData).toList();
            this.policy = policy;
            this.now = now;
            this.inception = policy.inception(now);
            this.refreshHorizon = now.getEpochSecond() + policy.refresh().getSeconds();
            this.signedTypesBefore = st.signedTypes();
        }

        void execute(List<RrsetChange> changes, SOARecord soaTemplate) throws SigningException {
            TreeSet<Name> touched = new TreeSet<>();
            Set<Name> cutChanged = new HashSet<>();
            for (RrsetChange c : changes) {
                Name owner = c.owner().canonicalize();
                int type = c.type();
                check(owner, type, c);
                Rr now = c.isRemoval() ? null : Rr.of(PreparedRrset.of(owner, type, c.records()));
                Rr old = st.rr(owner, type);
                if (now == null ? old == null : old != null && old.sameContent(now)) {
                    continue;
                }
                st.put(owner, type, now);
                touched.add(owner);
                if (type == Type.NS || type == Type.DS) {
                    cutChanged.add(owner);
                }
            }
            // SOA: every field but the serial from the template, the serial never backwards
            RRSIGRecord[] soaSigsBefore = st.rr(apex, Type.SOA).sigs;
            SOARecord old = (SOARecord) st.rr(apex, Type.SOA).records[0];
            SOARecord t = soaTemplate != null ? soaTemplate : old;
            serial = policy.serial().next(st.serial, now);
            SOARecord soa = new SOARecord(
                    apex,
                    DClass.IN,
                    t.getTTL(),
                    t.getHost(),
                    t.getAdmin(),
                    serial,
                    t.getRefresh(),
                    t.getRetry(),
                    t.getExpire(),
                    t.getMinimum());
            st.put(apex, Type.SOA, Rr.of(PreparedRrset.of(apex, Type.SOA, List.of(soa))));
            st.serial = serial;
            touched.add(apex);
            // DNSKEY: exactly the keys
            List<Record> dnskeys = SigningKey.dnskeys(keys, policy.dnskeyTtl());
            Rr dnskey = Rr.of(PreparedRrset.of(apex, Type.DNSKEY, dnskeys));
            Rr dnskeyBefore = st.rr(apex, Type.DNSKEY);
            // The signers changed when the DNSKEY RRset did, or when a published key starts or stops
            // signing (the SOA, re-signed every run, carries the data signers' RRSIGs; the DNSKEY RRset
            // the key signers'): then every RRset is re-checked, as for a new key set.
            boolean keysChanged = !dnskeyBefore.sameContent(dnskey)
                    || !signedBy(dnskeyBefore.sigs, keySigners)
                    || !signedBy(soaSigsBefore, dataSigners);
            if (!dnskeyBefore.sameContent(dnskey)) {
                st.put(apex, Type.DNSKEY, dnskey);
            }
            // RFC 9077: NSEC and NSEC3 TTL = min(SOA TTL, SOA MINIMUM)
            denialTtl = Math.min(soa.getTTL(), soa.getMinimum());
            boolean ttlChanged = Math.min(old.getTTL(), old.getMinimum()) != denialTtl;

            TreeSet<Name> affected = ttlChanged ? everyName() : expand(touched, cutChanged);
            Set<Name> hashedChanged = st.denial == Denial.NSEC ? Set.of() : repairNsec3(affected);
            Set<Name> nsecChanged = st.denial == Denial.NSEC ? repairNsec(affected) : Set.of();

            // what to (re)sign: every RRset at an affected name, every changed NSEC3, every due RRset
            Map<Target, Boolean> targets = new LinkedHashMap<>();
            if (keysChanged) {
                for (Name n : st.data.keySet()) {
                    addTargets(n, targets);
                }
                for (Name h : st.hashed.keySet()) {
                    targets.put(new Target(true, h, Type.NSEC3), Boolean.TRUE);
                }
            } else {
                for (Name n : affected) {
                    addTargets(n, targets);
                }
                for (Name h : hashedChanged) {
                    targets.put(new Target(true, h, Type.NSEC3), Boolean.TRUE);
                }
                for (Name n : nsecChanged) {
                    targets.put(new Target(false, n, Type.NSEC), Boolean.TRUE);
                }
                for (SignedZoneState.Due d : st.dueBefore(refreshHorizon + 1)) {
                    targets.put(new Target(d.hashed(), d.owner(), d.type()), Boolean.TRUE);
                }
            }
            sign(targets.keySet());
            if (st.zonemd) {
                zonemd(soa);
            }
        }

        private void check(Name owner, int type, RrsetChange c) throws UnsupportedRecordException {
            boolean atApex = owner.equals(apex);
            if (!owner.subdomain(apex)) {
                throw new UnsupportedRecordException(origin, CHANGE_SET, owner, type, "outside the zone " + apex);
            }
            for (Record r : c.records()) {
                if (r.getDClass() != DClass.IN) {
                    throw new UnsupportedRecordException(
                            origin,
                            CHANGE_SET,
                            owner,
                            type,
                            "class " + DClass.string(r.getDClass()) + " (only IN is signed)");
                }
            }
            Optional<String> refusal = atApex ? RecordTypes.apexRefusal(type) : RecordTypes.refusal(type);
            if (refusal.isPresent()) {
                throw new UnsupportedRecordException(origin, CHANGE_SET, owner, type, refusal.get());
            }
            if (type == Type.SOA) {
                throw new UnsupportedRecordException(
                        origin,
                        CHANGE_SET,
                        owner,
                        type,
                        "the SOA is the signer's (serial); change it through resign with an unsigned zone");
            }
            if (atApex && type == Type.NS && c.isRemoval()) {
                throw new UnsupportedRecordException(
                        origin, CHANGE_SET, owner, type, "the apex NS RRset cannot be removed");
            }
        }

        // -------------------------------------------------------------- names and kinds

        private static Name parent(Name n) {
            return new Name(n, 1);
        }

        /** True when a name strictly between the apex and {@code n} is a zone cut. */
        boolean occluded(Name n) {
            if (n.equals(apex)) {
                return false;
            }
            for (Name a = parent(n); a.labels() > apex.labels(); a = parent(a)) {
                Node node = st.data.get(a);
                if (node != null && node.has(Type.NS)) {
                    return true;
                }
            }
            return false;
        }

        /** The zone cut that occludes {@code n}, the one nearest the apex. */
        Name topCut(Name n) {
            Name cut = null;
            for (Name a = parent(n); a.labels() > apex.labels(); a = parent(a)) {
                Node node = st.data.get(a);
                if (node != null && node.has(Type.NS)) {
                    cut = a;
                }
            }
            return cut;
        }

        boolean hasDescendant(Name n) {
            Name next = st.data.higherKey(n);
            return next != null && next.subdomain(n);
        }

        /** The kind of a name, or null when it is no node (absent, glue, occluded). */
        NodeKind kind(Name n) throws UnsupportedRecordException {
            if (n.equals(apex)) {
                return NodeKind.APEX;
            }
            if (occluded(n)) {
                return null;
            }
            Node node = st.data.get(n);
            if (node != null && node.hasData()) {
                if (node.has(Type.NS)) {
                    return node.has(Type.DS) ? NodeKind.SECURE_DELEGATION : NodeKind.INSECURE_DELEGATION;
                }
                if (node.has(Type.DS)) {
                    throw new UnsupportedRecordException(
                            origin,
                            CHANGE_SET,
                            n,
                            Type.DS,
                            "DS without an NS RRset: DS exists only at a zone cut (RFC 4034 §5)");
                }
                return NodeKind.AUTHORITATIVE;
            }
            return hasDescendant(n) ? NodeKind.EMPTY_NON_TERMINAL : null;
        }

        /** The node for the denial chain, as {@code ZoneIndex.nodes} makes it. */
        OwnerNode ownerNode(Name n, NodeKind kind) {
            if (kind == NodeKind.EMPTY_NON_TERMINAL) {
                return OwnerNode.emptyNonTerminal(n);
            }
            Node node = st.data.get(n);
            int[] types;
            if (kind.isDelegation()) {
                types = node.has(Type.DS) ? new int[] {Type.NS, Type.DS} : new int[] {Type.NS};
            } else {
                types = Arrays.stream(node.rrsets)
                        .mapToInt(r -> r.type)
                        .filter(t -> t != Type.NSEC)
                        .toArray();
            }
            return new OwnerNode(n, kind, types);
        }

        /**
         * The changed names, everything below a name whose cut status changed (it becomes or stops
         * being glue), and the ancestors of all of these (empty non-terminals appear and disappear).
         */
        TreeSet<Name> expand(TreeSet<Name> touched, Set<Name> cutChanged) {
            TreeSet<Name> base = new TreeSet<>(touched);
            for (Name c : cutChanged) {
                for (Name k : st.data.tailMap(c, false).keySet()) {
                    if (!k.subdomain(c)) {
                        break;
                    }
                    base.add(k);
                }
            }
            TreeSet<Name> out = new TreeSet<>(base);
            for (Name n : base) {
                for (Name a = n; a.labels() > apex.labels(); a = parent(a)) {
                    if (!out.add(parent(a)) && !base.contains(parent(a)) && !a.equals(n)) {
                        break; // added with its own ancestors already
                    }
                }
            }
            return out;
        }

        TreeSet<Name> everyName() {
            TreeSet<Name> out = new TreeSet<>(st.data.keySet());
            for (Name n : st.data.keySet()) {
                for (Name a = n; a.labels() > apex.labels(); a = parent(a)) {
                    out.add(parent(a));
                }
            }
            return out;
        }

        // -------------------------------------------------------------- NSEC

        boolean nsecMember(Name n) throws UnsupportedRecordException {
            NodeKind k = kind(n);
            return k != null && k != NodeKind.EMPTY_NON_TERMINAL;
        }

        /** The chain member before {@code n} in canonical order (the apex is always one). */
        Name previousMember(Name n) throws UnsupportedRecordException {
            for (Name k = st.data.lowerKey(n); k != null; k = st.data.lowerKey(k)) {
                Name cut = topCut(k);
                if (cut != null) {
                    return cut;
                }
                if (nsecMember(k)) {
                    return k;
                }
            }
            return null;
        }

        /** The chain member after {@code n}, or the apex after the last. */
        Name nextMember(Name n) throws UnsupportedRecordException {
            Node self = st.data.get(n);
            Name skipBelow = self != null && !n.equals(apex) && self.has(Type.NS) ? n : null;
            for (Name k : st.data.tailMap(n, false).keySet()) {
                if (skipBelow != null && k.subdomain(skipBelow)) {
                    continue;
                }
                skipBelow = null;
                if (occluded(k)) {
                    skipBelow = topCut(k);
                    continue;
                }
                if (nsecMember(k)) {
                    return k;
                }
            }
            return apex;
        }

        /** Returns the names whose NSEC changed (each to be signed). */
        Set<Name> repairNsec(TreeSet<Name> affected) throws UnsupportedRecordException {
            Set<Name> changed = new HashSet<>();
            TreeSet<Name> names = new TreeSet<>(affected);
            for (Name n : affected) {
                Name p = previousMember(n);
                if (p != null) {
                    names.add(p);
                }
            }
            for (Name n : names) {
                Node node = st.data.get(n);
                NodeKind kind = kind(n);
                Rr current = node == null ? null : node.get(Type.NSEC);
                if (kind != null && kind != NodeKind.EMPTY_NON_TERMINAL) {
                    NSECRecord want = NsecChain.record(ownerNode(n, kind), nextMember(n), denialTtl);
                    Rr rr = Rr.of(PreparedRrset.of(n, Type.NSEC, List.of(want)));
                    if (current == null || !current.sameContent(rr)) {
                        st.put(n, Type.NSEC, rr);
                        changed.add(n);
                    }
                } else if (current != null) {
                    st.put(n, Type.NSEC, null);
                }
            }
            return changed;
        }

        // -------------------------------------------------------------- NSEC3

        /** With opt-out: some name below {@code ent} (not below a cut) is not an insecure delegation. */
        boolean leadsToSignedName(Name ent) {
            Name skipBelow = null;
            for (Map.Entry<Name, Node> e : st.data.tailMap(ent, false).entrySet()) {
                Name k = e.getKey();
                if (!k.subdomain(ent)) {
                    return false;
                }
                if (skipBelow != null && k.subdomain(skipBelow)) {
                    continue;
                }
                Node node = e.getValue();
                if (!node.hasData()) {
                    continue;
                }
                if (node.has(Type.NS)) {
                    if (node.has(Type.DS)) {
                        return true;
                    }
                    skipBelow = k;
                    continue;
                }
                return true;
            }
            return false;
        }

        byte[] hashOf(Name hashedOwner) {
            return BASE32HEX.fromString(hashedOwner.getLabelString(0));
        }

        Name successor(Name h) {
            Name next = st.hashed.higherKey(h);
            return next != null ? next : st.hashed.firstKey();
        }

        Name predecessor(Name h) {
            Name prev = st.hashed.lowerKey(h);
            return prev != null ? prev : st.hashed.lastKey();
        }

        /** Returns the hashed owners whose NSEC3 changed (each to be signed). */
        Set<Name> repairNsec3(TreeSet<Name> affected) throws SigningException {
            boolean optOut = st.nsec3.optOut();
            Map<Name, OwnerNode> want = new TreeMap<>();
            Map<Name, Name> wantFor = new HashMap<>();
            Set<Name> presence = new HashSet<>(); // hashed owners added or removed
            for (Name n : affected) {
                NodeKind kind = kind(n);
                byte[] h = Nsec3Chain.hash(st.nsec3, n);
                Name owner = Nsec3Chain.owner(h, apex);
                boolean include = false;
                OwnerNode node = null;
                if (kind != null) {
                    node = ownerNode(n, kind);
                    include = Nsec3Chain.included(
                            node, optOut, kind == NodeKind.EMPTY_NON_TERMINAL && optOut && leadsToSignedName(n));
                }
                if (include) {
                    Name other = wantFor.putIfAbsent(owner, n);
                    if (other != null && !other.equals(n)) {
                        throw new Nsec3CollisionException(apex, other, n, owner.toString());
                    }
                    want.put(owner, node);
                    if (!st.hashed.containsKey(owner)) {
                        presence.add(owner);
                        // placeholder: the next hash is set below, once every owner is in
                        st.putHashed(
                                owner,
                                Rr.of(PreparedRrset.of(
                                        owner,
                                        Type.NSEC3,
                                        List.of(Nsec3Chain.record(apex, node, st.nsec3, h, h, denialTtl)))));
                    }
                } else if (st.hashed.containsKey(owner)) {
                    st.putHashed(owner, null);
                    presence.add(owner);
                }
            }
            Set<Name> changed = new HashSet<>();
            if (st.hashed.isEmpty()) {
                throw new IllegalStateException("zone " + origin + ": the NSEC3 chain would be empty");
            }
            TreeSet<Name> relink = new TreeSet<>(want.keySet());
            for (Name h : presence) {
                if (!st.hashed.isEmpty()) {
                    relink.add(st.hashed.containsKey(h) ? predecessor(h) : lowerOrLast(h));
                }
            }
            for (Name owner : relink) {
                Rr current = st.hashed.get(owner);
                if (current == null) {
                    continue;
                }
                byte[] h = hashOf(owner);
                byte[] next = hashOf(successor(owner));
                NSEC3Record record;
                OwnerNode node = want.get(owner);
                if (node != null) {
                    record = Nsec3Chain.record(apex, node, st.nsec3, h, next, denialTtl);
                } else { // a predecessor whose name did not change: only the next field
                    NSEC3Record c = (NSEC3Record) current.records[0];
                    record = new NSEC3Record(
                            owner,
                            DClass.IN,
                            denialTtl,
                            c.getHashAlgorithm(),
                            c.getFlags(),
                            c.getIterations(),
                            c.getSalt(),
                            next,
                            c.getTypes());
                }
                Rr rr = Rr.of(PreparedRrset.of(owner, Type.NSEC3, List.of(record)));
                if (!current.sameContent(rr) || current.sigs.length == 0) {
                    st.putHashed(owner, current.sameContent(rr) ? current : rr);
                    changed.add(owner);
                }
            }
            return changed;
        }

        private Name lowerOrLast(Name h) {
            Name prev = st.hashed.lowerKey(h);
            return prev != null ? prev : st.hashed.lastKey();
        }

        // -------------------------------------------------------------- signing

        record Target(boolean hashed, Name owner, int type) {}

        void addTargets(Name n, Map<Target, Boolean> targets) {
            Node node = st.data.get(n);
            if (node != null) {
                for (Rr r : node.rrsets) {
                    targets.put(new Target(false, n, r.type), Boolean.TRUE);
                }
            }
        }

        /** True when the RRSIGs are by exactly these keys (algorithm and key tag), one each. */
        private boolean signedBy(RRSIGRecord[] sigs, List<SigningKey> signers) {
            Set<Long> made = new HashSet<>();
            for (RRSIGRecord s : sigs) {
                made.add(((long) s.getAlgorithm() << 16) | s.getFootprint());
            }
            Set<Long> wanted = new HashSet<>();
            for (SigningKey k : signers) {
                wanted.add(((long) k.key().algorithm().number() << 16)
                        | k.key().keyTag().value());
            }
            return made.equals(wanted);
        }

        /** Who must sign an RRset now: the key list, or null for nobody. */
        List<SigningKey> signers(Target t) throws UnsupportedRecordException {
            if (t.hashed) {
                return dataSigners;
            }
            NodeKind kind = kind(t.owner);
            if (kind == null) {
                return null; // glue, occluded
            }
            return switch (kind) {
                case APEX ->
                    (t.type == Type.DNSKEY || t.type == Type.CDS || t.type == Type.CDNSKEY) ? keySigners : dataSigners;
                case SECURE_DELEGATION, INSECURE_DELEGATION ->
                    (t.type == Type.DS || t.type == Type.NSEC) ? dataSigners : null;
                case AUTHORITATIVE -> dataSigners;
                case EMPTY_NON_TERMINAL -> null;
            };
        }

        boolean reusable(RRSIGRecord s, Rr rr, SigningKey key) {
            return s.getFootprint() == key.key().keyTag().value()
                    && s.getAlgorithm() == key.key().algorithm().number()
                    && s.getExpire().getEpochSecond() > refreshHorizon
                    && !s.getTimeSigned().isAfter(now)
                    && s.getOrigTTL() == rr.ttl
                    && s.getTTL() == rr.ttl
                    && s.getLabels() == Canonical.rrsigLabels(rr.owner)
                    && s.getSigner().equals(apex);
        }

        /** One RRset to sign: what is kept, what is to be made. */
        final class Job {
            final Target target;
            final Rr rr;
            final PreparedRrset prepared;
            final List<RRSIGRecord> kept = new ArrayList<>(2);
            final List<SigningKey> toMake = new ArrayList<>(2);
            RRSIGRecord[] madeSigs;

            Job(Target target, Rr rr) {
                this.target = target;
                this.rr = rr;
                this.prepared = rr.prepared();
            }
        }

        void sign(Set<Target> targets) throws SigningException {
            List<Job> jobs = new ArrayList<>();
            for (Target t : targets) {
                Rr rr = t.hashed ? st.hashed.get(t.owner) : st.rr(t.owner, t.type);
                if (rr == null) {
                    continue;
                }
                List<SigningKey> signers = signers(t);
                if (signers == null) {
                    if (rr.sigs.length > 0) {
                        put(t, rr.withSigs(SignedZoneState.NO_SIGS));
                    }
                    continue;
                }
                Job job = new Job(t, rr);
                for (SigningKey k : signers) {
                    RRSIGRecord keep = null;
                    for (RRSIGRecord s : rr.sigs) {
                        // two keys with one tag and algorithm must not both claim one RRSIG
                        if (s.getTypeCovered() == rr.type && reusable(s, rr, k) && !job.kept.contains(s)) {
                            keep = s;
                            break;
                        }
                    }
                    if (keep != null) {
                        job.kept.add(keep);
                    } else {
                        job.toMake.add(k);
                    }
                }
                if (!job.toMake.isEmpty() || job.kept.size() != rr.sigs.length) {
                    jobs.add(job);
                }
            }
            canary(jobs);
            if (jobs.size() >= PARALLEL_FROM && policy.threads() > 1) {
                signParallel(jobs);
            } else {
                RrsetSigner signer = new RrsetSigner(origin);
                for (Job j : jobs) {
                    make(signer, j);
                }
            }
            for (Job j : jobs) {
                RRSIGRecord[] sigs = new RRSIGRecord[j.kept.size() + j.madeSigs.length];
                for (int i = 0; i < j.kept.size(); i++) {
                    sigs[i] = j.kept.get(i);
                }
                System.arraycopy(j.madeSigs, 0, sigs, j.kept.size(), j.madeSigs.length);
                put(j.target, j.rr.withSigs(sigs));
                made += j.madeSigs.length;
                if (j.madeSigs.length > 0) {
                    rrsetsSigned++;
                }
            }
        }

        void make(RrsetSigner signer, Job j) throws RrsetSigningException {
            byte[] part = j.prepared.rrsetPart();
            Instant expiration = policy.expiration(now, j.rr.owner, j.rr.type);
            j.madeSigs = new RRSIGRecord[j.toMake.size()];
            for (int k = 0; k < j.madeSigs.length; k++) {
                j.madeSigs[k] = signer.sign(j.prepared, part, j.toMake.get(k), inception, expiration);
            }
        }

        void signParallel(List<Job> jobs) throws SigningException {
            RrsetSigner signer = new RrsetSigner(origin);
            List<SigningPool.Task<Void>> tasks = new ArrayList<>();
            int chunk = Math.max(64, jobs.size() / (policy.threads() * 8) + 1);
            for (int from = 0; from < jobs.size(); from += chunk) {
                List<Job> part = jobs.subList(from, Math.min(jobs.size(), from + chunk));
                tasks.add(() -> {
                    for (Job j : part) {
                        if (Thread.currentThread().isInterrupted()) {
                            return null;
                        }
                        make(signer, j);
                    }
                    return null;
                });
            }
            SigningPool.run(origin, "re-signing", "resigner", policy.threads(), tasks, done -> {});
        }

        /** The capability canary for types signed now that had no signed RRset before. */
        void canary(List<Job> jobs) throws CanaryFailedException {
            List<PreparedRrset> samples = new ArrayList<>();
            Set<Integer> seen = new HashSet<>();
            for (Job j : jobs) {
                if (!j.toMake.isEmpty() && signedTypesBefore[j.rr.type] == 0 && seen.add(j.rr.type)) {
                    samples.add(j.prepared);
                }
            }
            if (!samples.isEmpty()) {
                CapabilityCanary.run(origin, samples, signing, now);
            }
        }

        void put(Target t, Rr rr) {
            if (t.hashed) {
                st.putHashed(t.owner, rr);
            } else {
                st.put(t.owner, t.type, rr);
            }
        }

        void zonemd(SOARecord soa) throws SigningException {
            // RFC 8976 §3.3.1: the digest excludes the apex ZONEMD and its RRSIGs
            List<Record> zone = st.records();
            byte[] digest = ZonemdDigest.sha384Simple(apex, zone);
            Rr rr = Rr.of(PreparedRrset.of(
                    apex, Type.ZONEMD, List.of(ZonemdDigest.record(apex, soa.getTTL(), serial, digest))));
            st.put(apex, Type.ZONEMD, rr);
            sign(Set.of(new Target(false, apex, Type.ZONEMD)));
        }

        IncrementalResult result(Duration elapsed) {
            List<Record> removed = new ArrayList<>();
            List<Record> added = new ArrayList<>();
            for (SignedZoneState.Changed c : st.changedSinceCommit()) {
                List<Record> before = flatten(SignedZoneState.rrsets(c.before()));
                List<Record> after = flatten(SignedZoneState.rrsets(c.after()));
                for (Record r : before) {
                    if (!containsExactly(after, r)) {
                        removed.add(r);
                    }
                }
                for (Record r : after) {
                    if (!containsExactly(before, r)) {
                        added.add(r);
                    }
                }
            }
            return new IncrementalResult(serial, removed, added, rrsetsSigned, made, st.signatures() - made, elapsed);
        }

        private static List<Record> flatten(Rr[] rrs) {
            List<Record> out = new ArrayList<>();
            for (Rr r : rrs) {
                out.addAll(Arrays.asList(r.records));
                out.addAll(Arrays.asList(r.sigs));
            }
            return out;
        }

        /** Same record including its TTL (dnsjava's equals ignores the TTL). */
        private static boolean containsExactly(List<Record> list, Record r) {
            for (Record x : list) {
                if (x == r || (x.equals(r) && x.getTTL() == r.getTTL())) {
                    return true;
                }
            }
            return false;
        }
    }
}
