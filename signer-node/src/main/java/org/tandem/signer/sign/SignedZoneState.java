package org.tandem.signer.sign;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.SigningException;
import org.tandem.signer.nsec.Nsec3Parameters;
import org.xbill.DNS.NSEC3PARAMRecord;
import org.xbill.DNS.NSEC3Record;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;

/**
 * A signed zone held in memory so that it can be re-signed incrementally by {@link
 * IncrementalSigner}: every RRset in canonical form with the RRSIGs made over exactly that content,
 * the owners in a sorted map (neighbours in O(log n)), the NSEC3 records in a second sorted map by
 * hashed owner, and an index of the signed RRsets by their earliest RRSIG expiration (so the RRsets
 * due for refresh are found without a scan).
 *
 * <p>Built from a {@link SignedZone} or from the records of a signed zone file as published ({@link
 * #of}); {@link #records()} gives the zone back in canonical order (O(zone)).
 *
 * <p>Changes are journaled: {@link IncrementalSigner} changes the state in place and the caller
 * either {@link #commit()}s (the new zone was published) or {@link #rollback()}s (the gate refused
 * it, or writing failed), so that the state always equals the zone last published.
 *
 * <p>Not thread-safe: one re-sign at a time, and no reading while one runs.
 */
public final class SignedZoneState {
    static final RRSIGRecord[] NO_SIGS = new RRSIGRecord[0];

    /** One RRset in canonical form and the RRSIGs made over exactly this content. Immutable. */
    static final class Rr {
        final Name owner;
        final int type;
        final long ttl;
        final Record[] records;
        final RRSIGRecord[] sigs;

        Rr(Name owner, int type, long ttl, Record[] records, RRSIGRecord[] sigs) {
            this.owner = owner;
            this.type = type;
            this.ttl = ttl;
            this.records = records;
            this.sigs = sigs;
        }

        static Rr of(PreparedRrset p) {
            return new Rr(p.owner(), p.type(), p.ttl(), p.records(), NO_SIGS);
        }

        Rr withSigs(RRSIGRecord[] s) {
            return new Rr(owner, type, ttl, records, s);
        }

        PreparedRrset prepared() {
            return PreparedRrset.of(owner, type, Arrays.asList(records));
        }

        /** Same TTL and same canonical RDATA (both sides are in canonical order, duplicates dropped). */
        boolean sameContent(Rr o) {
            if (o == this) {
                return true;
            }
            if (o.type != type || o.ttl != ttl || o.records.length != records.length || !o.owner.equals(owner)) {
                return false;
            }
            for (int i = 0; i < records.length; i++) {
                if (!Arrays.equals(Canonical.rdata(records[i]), Canonical.rdata(o.records[i]))) {
                    return false;
                }
            }
            return true;
        }

        long earliestExpiration() {
            long e = Long.MAX_VALUE;
            for (RRSIGRecord s : sigs) {
                e = Math.min(e, s.getExpire().getEpochSecond());
            }
            return e;
        }
    }

    /** One owner name's RRsets (not NSEC3), sorted by type. Immutable. */
    static final class Node {
        final Name name;
        final Rr[] rrsets;

        Node(Name name, Rr[] rrsets) {
            this.name = name;
            this.rrsets = rrsets;
        }

        Rr get(int type) {
            for (Rr r : rrsets) {
                if (r.type == type) {
                    return r;
                }
            }
            return null;
        }

        boolean has(int type) {
            return get(type) != null;
        }

        /** True when something other than an NSEC (and RRSIGs) is here. */
        boolean hasData() {
            for (Rr r : rrsets) {
                if (r.type != Type.NSEC) {
                    return true;
                }
            }
            return false;
        }

        /** This node with {@code rr} in place of its type (removed when null); null when nothing is left. */
        Node with(int type, Rr rr) {
            List<Rr> out = new ArrayList<>(rrsets.length + 1);
            for (Rr r : rrsets) {
                if (r.type != type) {
                    out.add(r);
                }
            }
            if (rr != null) {
                out.add(rr);
            }
            if (out.isEmpty()) {
                return null;
            }
            out.sort((a, b) -> Integer.compare(a.type, b.type));
            return new Node(name, out.toArray(new Rr[0]));
        }
    }

    /** A signed RRset by its earliest RRSIG expiration, for the refresh scan. */
    record Due(long expiration, Name owner, int type, boolean hashed) implements Comparable<Due> {
        @Override
        public int compareTo(Due o) {
            int c = Long.compare(expiration, o.expiration);
            if (c == 0) c = Boolean.compare(hashed, o.hashed);
            if (c == 0) c = owner.compareTo(o.owner);
            if (c == 0) c = Integer.compare(type, o.type);
            return c;
        }
    }

    /** A journal entry: the value at a key before a change. */
    private record Undo(boolean hashed, Name name, Object before) {}

    final ZoneName origin;
    final Name apex;
    final Denial denial;
    /** Null for NSEC. */
    final Nsec3Parameters nsec3;

    final boolean zonemd;
    final TreeMap<Name, Node> data = new TreeMap<>();
    final TreeMap<Name, Rr> hashed = new TreeMap<>();
    final TreeSet<Due> due = new TreeSet<>();
    private final ArrayDeque<Undo> journal = new ArrayDeque<>();
    /** Signed RRsets per type, for the canary of types new to the zone. */
    private final int[] signedPerType = new int[65536];

    private long signatures;
    long serial;
    private long committedSerial;

    private SignedZoneState(ZoneName origin, Denial denial, Nsec3Parameters nsec3, boolean zonemd) {
        this.origin = origin;
        this.apex = origin.name();
        this.denial = denial;
        this.nsec3 = nsec3;
        this.zonemd = zonemd;
    }

    /** The state of a zone just signed by {@link ZoneSigner}. */
    public static SignedZoneState of(SignedZone zone) throws SigningException {
        return of(zone.origin(), zone.records());
    }

    /**
     * The state of a signed zone as published (e.g. read with {@code SignedZoneFile.read}). The
     * denial kind, NSEC3 parameters (opt-out from the NSEC3 flags) and ZONEMD use are read from it.
     *
     * <p>IMPORTANT: the signatures are taken as they are; the incremental re-sign reuses them. A
     * zone file read from disk is not proven to verify: validate the first result with the full
     * gate (as {@code signerctl sign} does), or start from a zone that the full gate passed.
     *
     * @throws SigningException the records are not a signed zone (no apex SOA, DNSKEY, NSEC or NSEC3)
     */
    public static SignedZoneState of(ZoneName origin, List<Record> records) throws SigningException {
        Objects.requireNonNull(origin, "origin");
        Name apex = origin.name();
        Map<Name, Map<Integer, List<Record>>> byOwner = new LinkedHashMap<>();
        Map<Name, Map<Integer, List<RRSIGRecord>>> sigsByOwner = new HashMap<>();
        Map<Name, List<Record>> nsec3s = new HashMap<>();
        Map<Name, List<RRSIGRecord>> nsec3Sigs = new HashMap<>();
        NSEC3PARAMRecord param = null;
        boolean optOut = false;
        boolean anyNsec = false;
        boolean zonemd = false;
        for (Record r : records) {
            Name n = r.getName().canonicalize();
            if (!n.subdomain(apex)) {
                throw new SigningException("zone " + origin + ": record outside the zone in the signed zone: " + r);
            }
            int type = r.getType();
            if (r instanceof RRSIGRecord s) {
                if (s.getTypeCovered() == Type.NSEC3) {
                    nsec3Sigs.computeIfAbsent(n, k -> new ArrayList<>(2)).add(s);
                } else {
                    sigsByOwner
                            .computeIfAbsent(n, k -> new HashMap<>(4))
                            .computeIfAbsent(s.getTypeCovered(), k -> new ArrayList<>(2))
                            .add(s);
                }
                continue;
            }
            if (type == Type.NSEC3) {
                optOut |= (((NSEC3Record) r).getFlags() & NSEC3Record.Flags.OPT_OUT) != 0;
                nsec3s.computeIfAbsent(n, k -> new ArrayList<>(1)).add(r);
                continue;
            }
            if (n.equals(apex) && type == Type.NSEC3PARAM) {
                param = (NSEC3PARAMRecord) r;
            }
            anyNsec |= type == Type.NSEC;
            zonemd |= n.equals(apex) && type == Type.ZONEMD;
            byOwner.computeIfAbsent(n, k -> new LinkedHashMap<>(4))
                    .computeIfAbsent(type, k -> new ArrayList<>(2))
                    .add(r);
        }
        Denial denial;
        Nsec3Parameters params = null;
        if (param != null) {
            denial = Denial.NSEC3;
            params = new Nsec3Parameters(
                    param.getIterations(), param.getSalt() == null ? new byte[0] : param.getSalt(), optOut);
        } else if (anyNsec) {
            denial = Denial.NSEC;
        } else {
            throw new SigningException("zone " + origin + ": no NSEC or NSEC3PARAM: not a signed zone");
        }
        SignedZoneState s = new SignedZoneState(origin, denial, params, zonemd);
        for (Map.Entry<Name, Map<Integer, List<Record>>> e : byOwner.entrySet()) {
            Name n = e.getKey();
            Map<Integer, List<RRSIGRecord>> sigs = sigsByOwner.getOrDefault(n, Map.of());
            List<Rr> rrs = new ArrayList<>(e.getValue().size());
            for (Map.Entry<Integer, List<Record>> t : e.getValue().entrySet()) {
                List<RRSIGRecord> cover = sigs.get(t.getKey());
                Rr rr = Rr.of(PreparedRrset.of(n, t.getKey(), t.getValue()));
                rrs.add(cover == null ? rr : rr.withSigs(cover.toArray(NO_SIGS)));
            }
            rrs.sort((a, b) -> Integer.compare(a.type, b.type));
            s.setRaw(false, n, new Node(n, rrs.toArray(new Rr[0])));
        }
        for (Map.Entry<Name, List<Record>> e : nsec3s.entrySet()) {
            Rr rr = Rr.of(PreparedRrset.of(e.getKey(), Type.NSEC3, e.getValue()));
            List<RRSIGRecord> cover = nsec3Sigs.get(e.getKey());
            s.setRaw(true, e.getKey(), cover == null ? rr : rr.withSigs(cover.toArray(NO_SIGS)));
        }
        Node apexNode = s.data.get(apex);
        if (apexNode == null || !apexNode.has(Type.SOA) || !apexNode.has(Type.DNSKEY)) {
            throw new SigningException("zone " + origin + ": no apex SOA or DNSKEY: not a signed zone");
        }
        s.serial = ((SOARecord) apexNode.get(Type.SOA).records[0]).getSerial();
        s.committedSerial = s.serial;
        return s;
    }

    public ZoneName origin() {
        return origin;
    }

    /** The SOA serial of the zone the state holds. */
    public long serial() {
        return serial;
    }

    public Denial denial() {
        return denial;
    }

    /** The NSEC3 parameters (with opt-out) when the zone uses NSEC3. */
    public Optional<Nsec3Parameters> nsec3() {
        return Optional.ofNullable(nsec3);
    }

    public boolean hasZonemd() {
        return zonemd;
    }

    /** RRSIG records in the zone. */
    public long signatures() {
        return signatures;
    }

    /**
     * Whether {@code policy} signs this zone the way it is signed now (denial, NSEC3 parameters and
     * opt-out, ZONEMD): only then can it be re-signed incrementally; otherwise sign it in full.
     */
    public boolean compatibleWith(SigningPolicy policy) {
        if (policy.denial() != denial || policy.zonemd() != zonemd) {
            return false;
        }
        return denial == Denial.NSEC || policy.nsec3().equals(nsec3);
    }

    /** The apex DNSKEY records as published in this state. */
    public List<Record> dnskeys() {
        return List.of(data.get(apex).get(Type.DNSKEY).records);
    }

    /** Every record in canonical order (RRSIGs at their owner in the place of type 46). O(zone). */
    public List<Record> records() {
        List<Record> out =
                new ArrayList<>((int) Math.min(Integer.MAX_VALUE - 8, data.size() * 3L + hashed.size() * 2L));
        Iterator<Node> d = data.values().iterator();
        Iterator<Rr> h = hashed.values().iterator();
        Node nd = d.hasNext() ? d.next() : null;
        Rr nh = h.hasNext() ? h.next() : null;
        while (nd != null || nh != null) {
            int c = nd == null ? 1 : nh == null ? -1 : nd.name.compareTo(nh.owner);
            if (c < 0) {
                emit(nd.rrsets, out);
                nd = d.hasNext() ? d.next() : null;
            } else if (c > 0) {
                emit(new Rr[] {nh}, out);
                nh = h.hasNext() ? h.next() : null;
            } else { // a name that looks like a hash: one owner
                Rr[] both = Arrays.copyOf(nd.rrsets, nd.rrsets.length + 1);
                both[both.length - 1] = nh;
                Arrays.sort(both, (a, b) -> Integer.compare(a.type, b.type));
                emit(both, out);
                nd = d.hasNext() ? d.next() : null;
                nh = h.hasNext() ? h.next() : null;
            }
        }
        return out;
    }

    /** The zone as a {@link SignedZone} (O(zone)); counts are the given run's. */
    public SignedZone toSignedZone(long signedRrsets, long signaturesMade, Duration elapsed) {
        return new SignedZone(origin, serial, records(), signedRrsets, signaturesMade, elapsed);
    }

    /** One owner's RRsets in type order, the RRSIGs in the place of type 46 in canonical order. */
    static void emit(Rr[] rrsets, List<Record> out) {
        List<RRSIGRecord> sigs = new ArrayList<>(4);
        for (Rr r : rrsets) {
            sigs.addAll(Arrays.asList(r.sigs));
        }
        sigs.sort(Canonical.RRSIG_ORDER);
        boolean sigsOut = sigs.isEmpty();
        for (Rr r : rrsets) {
            if (!sigsOut && r.type > Type.RRSIG) {
                out.addAll(sigs);
                sigsOut = true;
            }
            out.addAll(Arrays.asList(r.records));
        }
        if (!sigsOut) {
            out.addAll(sigs);
        }
    }

    // ------------------------------------------------------------------ changes, journaled

    Rr rr(Name name, int type) {
        Node n = data.get(name);
        return n == null ? null : n.get(type);
    }

    /** Puts (or, with null, removes) one RRset of an owner name that is not an NSEC3 owner. */
    void put(Name name, int type, Rr rr) {
        Node before = data.get(name);
        Node after = before == null ? (rr == null ? null : new Node(name, new Rr[] {rr})) : before.with(type, rr);
        journal.push(new Undo(false, name, before));
        setRaw(false, name, after);
    }

    /** Puts (or, with null, removes) the NSEC3 RRset at a hashed owner. */
    void putHashed(Name name, Rr rr) {
        journal.push(new Undo(true, name, hashed.get(name)));
        setRaw(true, name, rr);
    }

    /** Forgets the journal: the state is the zone now published. */
    public void commit() {
        journal.clear();
        committedSerial = serial;
    }

    /** Undoes every change since the last {@link #commit()}: the state is the zone last published. */
    public void rollback() {
        while (!journal.isEmpty()) {
            Undo u = journal.pop();
            setRaw(u.hashed, u.name, u.before);
        }
        serial = committedSerial;
    }

    /** Whether changes are pending (neither committed nor rolled back). */
    public boolean pending() {
        return !journal.isEmpty();
    }

    /** One key changed since the last commit: its value before the first change and now. */
    record Changed(boolean hashed, Name name, Object before, Object after) {}

    /** Every key changed since the last commit, oldest change first. */
    List<Changed> changedSinceCommit() {
        Map<Name, Object> dataBefore = new LinkedHashMap<>();
        Map<Name, Object> hashedBefore = new LinkedHashMap<>();
        Iterator<Undo> oldestFirst = journal.descendingIterator();
        while (oldestFirst.hasNext()) {
            Undo u = oldestFirst.next();
            Map<Name, Object> m = u.hashed ? hashedBefore : dataBefore;
            if (!m.containsKey(u.name)) {
                m.put(u.name, u.before);
            }
        }
        List<Changed> out = new ArrayList<>(dataBefore.size() + hashedBefore.size());
        dataBefore.forEach((n, b) -> out.add(new Changed(false, n, b, data.get(n))));
        hashedBefore.forEach((n, b) -> out.add(new Changed(true, n, b, hashed.get(n))));
        return out;
    }

    /** Int array copy of the per-type signed counts (for the canary of new types). */
    int[] signedTypes() {
        return signedPerType.clone();
    }

    private void setRaw(boolean isHashed, Name name, Object after) {
        Object before = isHashed ? hashed.get(name) : data.get(name);
        Rr[] b = rrsOf(before);
        Rr[] a = rrsOf(after);
        for (Rr r : b) {
            if (!contains(a, r)) {
                unindex(r, isHashed);
            }
        }
        for (Rr r : a) {
            if (!contains(b, r)) {
                index(r, isHashed);
            }
        }
        if (isHashed) {
            if (after == null) {
                hashed.remove(name);
            } else {
                hashed.put(name, (Rr) after);
            }
        } else if (after == null) {
            data.remove(name);
        } else {
            data.put(name, (Node) after);
        }
    }

    private static Rr[] rrsOf(Object o) {
        if (o == null) {
            return new Rr[0];
        }
        return o instanceof Node n ? n.rrsets : new Rr[] {(Rr) o};
    }

    private static boolean contains(Rr[] a, Rr r) {
        for (Rr x : a) {
            if (x == r) {
                return true;
            }
        }
        return false;
    }

    private void index(Rr r, boolean isHashed) {
        if (r.sigs.length > 0) {
            due.add(new Due(r.earliestExpiration(), r.owner, r.type, isHashed));
            signedPerType[r.type]++;
            signatures += r.sigs.length;
        }
    }

    private void unindex(Rr r, boolean isHashed) {
        if (r.sigs.length > 0) {
            due.remove(new Due(r.earliestExpiration(), r.owner, r.type, isHashed));
            signedPerType[r.type]--;
            signatures -= r.sigs.length;
        }
    }

    /** Signed RRsets whose earliest RRSIG expires before {@code epochSecond}. */
    List<Due> dueBefore(long epochSecond) {
        return new ArrayList<>(due.headSet(new Due(epochSecond, apex, -1, false), false));
    }

    /** Rrs of a journal value (a Node, an Rr, or null). */
    static Rr[] rrsets(Object o) {
        return rrsOf(o);
    }
}
