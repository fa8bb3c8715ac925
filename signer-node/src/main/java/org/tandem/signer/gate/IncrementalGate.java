package org.tandem.signer.gate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.signer.gate.GateFailure.Reason;
import org.tandem.signer.gate.ZoneKeys.ZoneKey;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.NSEC3PARAMRecord;
import org.xbill.DNS.NSEC3Record;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.NameTooLongException;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.xbill.DNS.ZoneMDRecord;

/**
 * The validation gate for an incremental re-sign: keeps its own copy of the zone last published
 * (built from the records, independently of the signer, like {@link ValidationGate}) and checks a
 * change to it — the records removed and added — in time proportional to the change, so that a
 * one-delegation change is verified in milliseconds on a million-delegation zone.
 *
 * <p>What {@link #check} verifies, against the apex DNSKEY RRset as published, with the gate's own
 * canonical form and crypto (ACCP):
 *
 * <ol>
 *   <li>at every owner name the change touches (a record removed or added there): every RRset and
 *       every RRSIG there, as the full gate does — each algorithm of the DNSKEY RRset present on
 *       every authoritative RRset, each RRSIG verified with the key it names (the reused ones at
 *       those names included), its validity window, labels, TTLs and signer; no RRSIG on delegation
 *       NS, glue or occluded data; the names below a name whose NS, DS or DNAME changed are checked
 *       the same way (they become or stop being glue);
 *   <li>the denial chain around the change: for NSEC, the NSEC of each touched name and of the chain
 *       member before it (next name, exact bitmap, TTL), and that no name that must not have one has
 *       one; for NSEC3, for each touched name and its ancestors (empty non-terminals) the matching
 *       NSEC3 and its bitmap, or, where none is needed, an opt-out NSEC3 covering it; every NSEC3
 *       added or removed with its links (its own next hash and its predecessor's), parameters,
 *       flags and TTL; an NSEC3 whose record changed at a hash no touched name has must keep its
 *       bitmap and flags (only its next field may change);
 *   <li>no NSEC added to an NSEC3 zone nor NSEC3 to an NSEC zone;
 *   <li>one apex SOA; the earliest RRSIG expiration in the whole zone, from an index of every
 *       RRSIG's expiration kept up to date with each change, is at least {@code now} plus the
 *       policy's margin — so no signature anywhere, reused or not, expires within the margin;
 *   <li>the apex ZONEMD, when present or required: recomputed over the whole zone, O(zone) (RFC
 *       8976 SIMPLE has no incremental form).
 * </ol>
 *
 * <p>What it does not re-verify, and why that is safe: the signatures, chain links and bitmaps at
 * names the change does not touch. They are byte for byte the ones the gate verified when they were
 * published — the gate's copy starts from a zone the full gate passed ({@link #open}) and changes
 * only by changes it checked — and nothing they depend on has changed: an RRSIG depends on its
 * RRset (unchanged, or its owner would be touched) and the DNSKEY RRset (a DNSKEY change makes this
 * check run the full gate over the whole zone instead); an NSEC or NSEC3 record depends on its
 * owner's types (touched otherwise) and on its neighbours (checked when they change). Their
 * validity windows are still checked, through the expiration index (3.). Inception: a reused RRSIG
 * was valid already when first published, so its inception is in the past.
 *
 * <p>Not thread-safe: one check at a time. A refused check leaves the copy as it was; after a
 * passed check the copy is the new zone, and {@link #revert()} takes it back when the new zone
 * could not be published after all.
 *
 * <p>IMPORTANT: the records passed to {@link #check} must be exactly the difference between the
 * zone last published and the one about to be published; a removed record that is not in the copy
 * is refused with an {@link IllegalArgumentException}. Publish what the gate checked.
 */
public final class IncrementalGate {
    private static final Logger LOG = LoggerFactory.getLogger(IncrementalGate.class);
    private static final Record[] NONE = new Record[0];

    private final GatePolicy policy;
    private final GateCrypto crypto;
    private final Name origin;
    private final byte[] originWire;
    /** Every in-zone record by canonical owner name, each array sorted by type. */
    private final TreeMap<Name, Record[]> owners = new TreeMap<>();
    /** The NSEC3 records by owner, for hash-order neighbours. */
    private final TreeMap<Name, NSEC3Record> nsec3 = new TreeMap<>();
    /** RRSIG expiration (epoch seconds) → how many RRSIGs expire then. */
    private final TreeMap<Long, Integer> expirations = new TreeMap<>();

    private ZoneKeys keys;
    private int[] algorithms;
    /** The values before the last passed check, for {@link #revert()}. */
    private final ArrayDeque<Map.Entry<Name, Record[]>> lastChange = new ArrayDeque<>();

    private IncrementalGate(GatePolicy policy, GateCrypto crypto, Name origin) {
        this.policy = policy;
        this.crypto = crypto;
        this.origin = origin;
        this.originWire = Canonical.name(origin);
    }

    /**
     * Runs the full gate over {@code published} and, if it passes, keeps a copy of it for
     * incremental checks.
     *
     * @throws GateRefusedException the full gate refused the zone: nothing to build on
     */
    public static IncrementalGate open(GatePolicy policy, Name origin, List<Record> published, Instant now)
            throws InterruptedException, GateRefusedException {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(origin, "origin");
        GateCrypto crypto = GateCrypto.preferred();
        new ValidationGate(policy, crypto).verify(origin, published, now).requirePassed();
        IncrementalGate g = new IncrementalGate(policy, crypto, origin);
        Map<Name, List<Record>> grouped = new LinkedHashMap<>();
        for (Record r : published) {
            grouped.computeIfAbsent(r.getName().canonicalize(), k -> new ArrayList<>(4))
                    .add(r);
        }
        for (Map.Entry<Name, List<Record>> e : grouped.entrySet()) {
            g.set(e.getKey(), sorted(e.getValue()));
        }
        g.readKeys(new FailureLog());
        return g;
    }

    public Name origin() {
        return origin;
    }

    /**
     * Checks the zone that results from the published one when {@code removed} leave it and {@code
     * added} enter it (see the class comment for what is and is not re-verified). When the apex
     * DNSKEY or NSEC3PARAM RRset changes, the whole zone is checked by the full gate instead.
     *
     * @param removed records of the published zone that are no longer in the new one
     * @param added records of the new zone that were not in the published one
     * @param now the instant validity windows are checked at
     * @return the verdict; on a refusal the copy is the published zone still
     * @throws IllegalArgumentException a removed record is not in the published zone
     */
    public GateVerdict check(List<Record> removed, List<Record> added, Instant now) throws InterruptedException {
        Objects.requireNonNull(removed, "removed");
        Objects.requireNonNull(added, "added");
        Objects.requireNonNull(now, "now");
        long start = System.nanoTime();
        lastChange.clear();
        Set<Name> touched = apply(removed, added);
        FailureLog log = new FailureLog();
        long[] counts = new long[2];
        boolean keysChanged = touched.contains(origin)
                && (changes(removed, added, Type.DNSKEY) || changes(removed, added, Type.NSEC3PARAM));
        GateVerdict verdict;
        if (keysChanged) {
            LOG.info("event=gate-incremental-full zone={} reason=\"apex DNSKEY or NSEC3PARAM changed\"", origin);
            GateVerdict full = new ValidationGate(policy, crypto).verify(origin, records(), now);
            readKeys(new FailureLog());
            verdict = full;
        } else {
            Check c = new Check(now, log);
            c.run(touched, removed, added);
            counts[0] = c.rrsets;
            counts[1] = c.signatures;
            verdict = new GateVerdict(
                    origin,
                    log.listed(GateVerdict.MAX_LISTED_FAILURES),
                    log.total(),
                    log.counts(),
                    counts[0],
                    counts[1],
                    expirations.isEmpty()
                            ? Optional.empty()
                            : Optional.of(Instant.ofEpochSecond(expirations.firstKey())),
                    Duration.ofNanos(System.nanoTime() - start));
        }
        if (!verdict.passed()) {
            revert();
        }
        LOG.info(
                "event=gate-incremental-verdict zone={} passed={} failures={} touched-names={} rrsets={} signatures={} "
                        + "elapsed_us={}",
                origin,
                verdict.passed(),
                verdict.failureCount(),
                touched.size(),
                verdict.rrsetsChecked(),
                verdict.signaturesVerified(),
                (System.nanoTime() - start) / 1000);
        return verdict;
    }

    /** Takes the copy back to before the last passed {@link #check} (its zone was not published). */
    public void revert() {
        while (!lastChange.isEmpty()) {
            Map.Entry<Name, Record[]> e = lastChange.pop();
            set(e.getKey(), e.getValue());
        }
        readKeys(new FailureLog());
    }

    /** Every record of the copy in canonical order (O(zone)). */
    List<Record> records() {
        List<Record> out = new ArrayList<>(owners.size() * 3);
        for (Record[] rs : owners.values()) {
            out.addAll(Arrays.asList(rs));
        }
        return out;
    }

    private static boolean changes(List<Record> removed, List<Record> added, int type) {
        for (Record r : removed) {
            if (r.getType() == type) {
                return true;
            }
        }
        for (Record r : added) {
            if (r.getType() == type) {
                return true;
            }
        }
        return false;
    }

    private void readKeys(FailureLog log) {
        List<DNSKEYRecord> dnskeys = new ArrayList<>();
        for (Record r : owners.getOrDefault(origin, NONE)) {
            if (r instanceof DNSKEYRecord k) {
                dnskeys.add(k);
            }
        }
        keys = ZoneKeys.read(origin, dnskeys, crypto, log);
        algorithms = keys.algorithms();
    }

    // ------------------------------------------------------------------ the copy

    private static Record[] sorted(List<Record> records) {
        Record[] a = records.toArray(NONE);
        Arrays.sort(a, (x, y) -> Integer.compare(x.getType(), y.getType()));
        return a;
    }

    private Set<Name> apply(List<Record> removed, List<Record> added) {
        Map<Name, List<Record>> minus = new HashMap<>();
        Map<Name, List<Record>> plus = new HashMap<>();
        for (Record r : removed) {
            minus.computeIfAbsent(r.getName().canonicalize(), k -> new ArrayList<>(4))
                    .add(r);
        }
        for (Record r : added) {
            plus.computeIfAbsent(r.getName().canonicalize(), k -> new ArrayList<>(4))
                    .add(r);
        }
        TreeSet<Name> touched = new TreeSet<>(minus.keySet());
        touched.addAll(plus.keySet());
        for (Name n : touched) {
            if (!n.subdomain(origin)) {
                revert();
                throw new IllegalArgumentException("record at " + n + " is outside the zone " + origin);
            }
            Record[] before = owners.getOrDefault(n, NONE);
            List<Record> now = new ArrayList<>(Arrays.asList(before));
            for (Record r : minus.getOrDefault(n, List.of())) {
                if (!removeExactly(now, r)) {
                    revert();
                    throw new IllegalArgumentException("removed record is not in the published zone: " + r);
                }
            }
            now.addAll(plus.getOrDefault(n, List.of()));
            lastChange.push(Map.entry(n, before));
            set(n, sorted(now));
        }
        return touched;
    }

    private static boolean removeExactly(List<Record> list, Record r) {
        for (int i = 0; i < list.size(); i++) {
            Record x = list.get(i);
            if (x.equals(r) && x.getTTL() == r.getTTL()) {
                list.remove(i);
                return true;
            }
        }
        return false;
    }

    private void set(Name n, Record[] after) {
        for (Record r : owners.getOrDefault(n, NONE)) {
            unindex(r);
        }
        if (after.length == 0) {
            owners.remove(n);
        } else {
            owners.put(n, after);
        }
        for (Record r : after) {
            index(r);
        }
    }

    private void index(Record r) {
        if (r instanceof RRSIGRecord s) {
            expirations.merge(s.getExpire().getEpochSecond(), 1, Integer::sum);
        } else if (r instanceof NSEC3Record n) {
            nsec3.put(n.getName().canonicalize(), n);
        }
    }

    private void unindex(Record r) {
        if (r instanceof RRSIGRecord s) {
            expirations.computeIfPresent(s.getExpire().getEpochSecond(), (k, v) -> v == 1 ? null : v - 1);
        } else if (r instanceof NSEC3Record n) {
            Name k = n.getName().canonicalize();
            if (nsec3.get(k) == n) {
                nsec3.remove(k);
            }
        }
    }

    // ------------------------------------------------------------------ one check

    /** What a name is to DNSSEC in the copy (the full gate's kinds, computed from neighbours). */
    private enum Kind {
        APEX,
        AUTHORITATIVE,
        DELEGATION,
        OCCLUDED,
        HASHED,
        DENIAL_ONLY,
        EMPTY_NON_TERMINAL,
        ABSENT
    }

    private final class Check {
        final Instant now;
        final Instant horizon;
        final FailureLog log;
        final GateCrypto.Verifier verifier;
        final WireBuffer buffer = new WireBuffer();
        long rrsets;
        long signatures;
        long denialTtl = -1;

        Check(Instant now, FailureLog log) {
            this.now = now;
            this.horizon = now.plus(policy.minimumValidity());
            this.log = log;
            this.verifier = crypto.verifier();
        }

        void run(Set<Name> touched, List<Record> removed, List<Record> added) {
            List<Record> soas = recordsOf(origin, Type.SOA);
            if (soas.size() != 1) {
                log.add(GateFailure.of(
                        origin, Type.SOA, Reason.MISSING_SOA, soas.size() + " SOA records at the apex, expected 1"));
            } else {
                SOARecord soa = (SOARecord) soas.get(0);
                denialTtl = Math.min(soa.getTTL(), soa.getMinimum());
            }
            if (keys.isEmpty()) {
                log.add(GateFailure.of(origin, Type.DNSKEY, Reason.MISSING_DNSKEY, "no zone key at the apex"));
            }
            // names below a changed cut are touched too: they become or stop being glue
            TreeSet<Name> names = new TreeSet<>(touched);
            for (Record r : concat(removed, added)) {
                int t = r.getType();
                if (t == Type.NS || t == Type.DS || t == Type.DNAME) {
                    Name c = r.getName().canonicalize();
                    for (Name k : owners.tailMap(c, false).keySet()) {
                        if (!k.subdomain(c)) {
                            break;
                        }
                        names.add(k);
                    }
                }
            }
            for (Name n : names) {
                signaturesAt(n);
            }
            boolean nsec3Zone = !recordsOf(origin, Type.NSEC3PARAM).isEmpty();
            for (Record r : added) {
                if (nsec3Zone ? r.getType() == Type.NSEC : r.getType() == Type.NSEC3) {
                    log.add(GateFailure.of(
                            r.getName(),
                            r.getType(),
                            Reason.MIXED_DENIAL,
                            Type.string(r.getType()) + " added to an " + (nsec3Zone ? "NSEC3" : "NSEC") + " zone"));
                }
            }
            if (nsec3Zone) {
                nsec3Around(names, removed, added);
            } else {
                nsecAround(names);
            }
            if (!expirations.isEmpty()) {
                long earliest = expirations.firstKey();
                if (earliest < now.getEpochSecond()) {
                    log.add(GateFailure.of(
                            origin,
                            Type.RRSIG,
                            Reason.SIGNATURE_EXPIRED,
                            "an RRSIG in the zone expired at " + Instant.ofEpochSecond(earliest) + ", now " + now));
                } else if (earliest < horizon.getEpochSecond()) {
                    log.add(GateFailure.of(
                            origin,
                            Type.RRSIG,
                            Reason.SIGNATURE_EXPIRES_WITHIN_MARGIN,
                            "an RRSIG in the zone expires at " + Instant.ofEpochSecond(earliest) + ", before now + "
                                    + policy.minimumValidity() + " = " + horizon));
                }
            }
            zonemd();
        }

        private List<Record> concat(List<Record> a, List<Record> b) {
            List<Record> out = new ArrayList<>(a.size() + b.size());
            out.addAll(a);
            out.addAll(b);
            return out;
        }

        List<Record> recordsOf(Name n, int type) {
            List<Record> out = new ArrayList<>(2);
            for (Record r : owners.getOrDefault(n, NONE)) {
                if (r.getType() == type) {
                    out.add(r);
                }
            }
            return out;
        }

        int[] dataTypes(Record[] rs) {
            TreeSet<Integer> t = new TreeSet<>();
            for (Record r : rs) {
                int type = r.getType();
                if (type != Type.RRSIG && type != Type.NSEC && type != Type.NSEC3) {
                    t.add(type);
                }
            }
            return t.stream().mapToInt(Integer::intValue).toArray();
        }

        boolean has(Record[] rs, int type) {
            for (Record r : rs) {
                if (r.getType() == type) {
                    return true;
                }
            }
            return false;
        }

        /** True when an ancestor below the apex is a delegation, or any ancestor has a DNAME. */
        boolean occluded(Name n) {
            if (n.equals(origin)) {
                return false;
            }
            for (Name a = new Name(n, 1); a.subdomain(origin); a = new Name(a, 1)) {
                Record[] rs = owners.get(a);
                if (rs != null && ((!a.equals(origin) && has(rs, Type.NS)) || has(rs, Type.DNAME))) {
                    return true;
                }
                if (a.equals(origin)) {
                    break;
                }
            }
            return false;
        }

        Kind kind(Name n) {
            Record[] rs = owners.get(n);
            if (rs != null && occluded(n)) {
                return Kind.OCCLUDED;
            }
            if (rs == null) {
                if (occluded(n)) {
                    return Kind.ABSENT;
                }
                Name next = owners.higherKey(n);
                return next != null && next.subdomain(n) ? Kind.EMPTY_NON_TERMINAL : Kind.ABSENT;
            }
            int[] types = dataTypes(rs);
            if (types.length == 0) {
                if (has(rs, Type.NSEC3)) {
                    return Kind.HASHED;
                }
                Name next = owners.higherKey(n);
                return next != null && next.subdomain(n) ? Kind.EMPTY_NON_TERMINAL : Kind.DENIAL_ONLY;
            }
            if (n.equals(origin)) {
                return Kind.APEX;
            }
            return has(rs, Type.NS) ? Kind.DELEGATION : Kind.AUTHORITATIVE;
        }

        // -------------------------------------------------------------- signatures

        boolean mustBeSigned(Kind kind, int type) {
            return switch (kind) {
                case OCCLUDED, ABSENT, EMPTY_NON_TERMINAL -> false;
                case DELEGATION -> type == Type.DS || type == Type.NSEC;
                default -> true;
            };
        }

        void signaturesAt(Name n) {
            Record[] rs = owners.get(n);
            if (rs == null) {
                return;
            }
            Kind kind = kind(n);
            List<RRSIGRecord> sigs = new ArrayList<>();
            for (Record r : rs) {
                if (r instanceof RRSIGRecord s) {
                    sigs.add(s);
                }
            }
            boolean[] used = new boolean[sigs.size()];
            int i = 0;
            while (i < rs.length) {
                int type = rs[i].getType();
                int j = i + 1;
                while (j < rs.length && rs[j].getType() == type) {
                    j++;
                }
                if (type != Type.RRSIG) {
                    List<RRSIGRecord> covering = new ArrayList<>(2);
                    for (int s = 0; s < sigs.size(); s++) {
                        if (sigs.get(s).getTypeCovered() == type) {
                            covering.add(sigs.get(s));
                            used[s] = true;
                        }
                    }
                    rrset(n, kind, type, Arrays.copyOfRange(rs, i, j), covering);
                }
                i = j;
            }
            for (int s = 0; s < sigs.size(); s++) {
                if (!used[s]) {
                    RRSIGRecord sig = sigs.get(s);
                    log.add(GateFailure.of(
                            n,
                            sig.getTypeCovered(),
                            sig.getFootprint(),
                            null,
                            kind == Kind.OCCLUDED ? Reason.SIGNED_NON_AUTHORITATIVE : Reason.ORPHAN_SIGNATURE,
                            "RRSIG covers " + Type.string(sig.getTypeCovered()) + ", which is absent at this owner"));
                }
            }
        }

        void rrset(Name n, Kind kind, int type, Record[] rs, List<RRSIGRecord> sigs) {
            if (!mustBeSigned(kind, type)) {
                for (RRSIGRecord sig : sigs) {
                    log.add(GateFailure.of(
                            n,
                            type,
                            sig.getFootprint(),
                            null,
                            Reason.SIGNED_NON_AUTHORITATIVE,
                            (kind == Kind.OCCLUDED ? "occluded or glue " : "delegation ") + Type.string(type)
                                    + " must not be signed (RFC 4035 §2.2)"));
                }
                return;
            }
            rrsets++;
            if (type == Type.DS && kind != Kind.DELEGATION) {
                log.add(GateFailure.of(n, type, Reason.MISPLACED_DS, "DS not at a delegation"));
            }
            long ttl = rs[0].getTTL();
            byte[][] rdata = new byte[rs.length][];
            for (int i = 0; i < rs.length; i++) {
                rdata[i] = Canonical.rdata(rs[i]);
                if (rs[i].getTTL() != ttl) {
                    log.add(GateFailure.of(
                            n,
                            type,
                            Reason.TTL_MISMATCH_IN_RRSET,
                            "TTLs " + ttl + " and " + rs[i].getTTL() + " in one RRset (RFC 2181 §5.2)"));
                }
            }
            int count = Canonical.sortDistinct(rdata);
            int present = 0;
            int sepPresent = 0;
            for (RRSIGRecord sig : sigs) {
                int a = indexOf(sig.getAlgorithm());
                List<ZoneKey> candidates = keys.candidates(sig.getAlgorithm(), sig.getFootprint());
                if (a >= 0) {
                    present |= 1 << a;
                    for (ZoneKey k : candidates) {
                        if (k.sep()) {
                            sepPresent |= 1 << a;
                        }
                    }
                }
                signature(n, type, sig, candidates, ttl, rdata, count);
            }
            SignatureCheck.checkAlgorithms(log, n, type, kind == Kind.APEX, algorithms, present, sepPresent);
        }

        int indexOf(int algorithm) {
            for (int a = 0; a < algorithms.length; a++) {
                if (algorithms[a] == algorithm) {
                    return a;
                }
            }
            return -1;
        }

        void signature(
                Name owner, int type, RRSIGRecord sig, List<ZoneKey> candidates, long ttl, byte[][] rdata, int count) {
            Instant expire = sig.getExpire();
            if (!sig.getSigner().equals(origin)) {
                fail(owner, sig, candidates, Reason.WRONG_SIGNER, "signer " + sig.getSigner());
            }
            int labels = Canonical.expectedLabels(owner);
            if (sig.getLabels() != labels) {
                fail(owner, sig, candidates, Reason.WRONG_LABELS, "labels " + sig.getLabels() + ", expected " + labels);
            }
            if (sig.getOrigTTL() != ttl) {
                fail(
                        owner,
                        sig,
                        candidates,
                        Reason.ORIGINAL_TTL_MISMATCH,
                        "original TTL " + sig.getOrigTTL() + ", RRset TTL " + ttl);
            }
            if (sig.getTTL() != ttl) {
                fail(
                        owner,
                        sig,
                        candidates,
                        Reason.RRSIG_TTL_MISMATCH,
                        "RRSIG TTL " + sig.getTTL() + ", RRset TTL " + ttl);
            }
            if (sig.getTimeSigned().isAfter(now)) {
                fail(
                        owner,
                        sig,
                        candidates,
                        Reason.SIGNATURE_NOT_YET_VALID,
                        "inception " + sig.getTimeSigned() + " is after now " + now);
            }
            if (expire.isBefore(now)) {
                fail(owner, sig, candidates, Reason.SIGNATURE_EXPIRED, "expired " + expire + ", now " + now);
            } else if (expire.isBefore(horizon)) {
                fail(
                        owner,
                        sig,
                        candidates,
                        Reason.SIGNATURE_EXPIRES_WITHIN_MARGIN,
                        "expires " + expire + ", before now + margin = " + horizon);
            }
            if (candidates.isEmpty()) {
                fail(
                        owner,
                        sig,
                        candidates,
                        Reason.NO_MATCHING_DNSKEY,
                        "no published zone key with algorithm " + sig.getAlgorithm() + " and tag "
                                + sig.getFootprint());
                return;
            }
            GateCrypto.Algorithm alg = GateCrypto.Algorithm.of(sig.getAlgorithm());
            byte[] signedOwner = Canonical.signedOwner(owner, sig.getLabels());
            if (alg == null || signedOwner == null) {
                return;
            }
            WireBuffer b = buffer;
            SignatureCheck.signingInput(
                    b,
                    sig,
                    expire,
                    sig.getSigner().equals(origin) ? originWire : Canonical.name(sig.getSigner()),
                    signedOwner,
                    type,
                    rdata,
                    count);
            boolean anyKey = false;
            for (ZoneKey k : candidates) {
                if (k.publicKey() == null) {
                    continue;
                }
                anyKey = true;
                signatures++;
                if (verifier.verify(alg, k.publicKey(), b.array(), b.length(), sig.getSignature())) {
                    return;
                }
            }
            if (anyKey) {
                fail(
                        owner,
                        sig,
                        candidates,
                        Reason.BAD_SIGNATURE,
                        "RRSIG by key " + sig.getFootprint() + " does not verify with the published DNSKEY");
            }
        }

        void fail(Name owner, RRSIGRecord sig, List<ZoneKey> candidates, Reason reason, String detail) {
            log.add(GateFailure.of(
                    owner,
                    sig.getTypeCovered(),
                    sig.getFootprint(),
                    candidates.size() == 1 ? candidates.get(0).fingerprint() : null,
                    reason,
                    detail));
        }

        // -------------------------------------------------------------- denial

        /** The types a bitmap must list (as the full gate's DenialCheck expects them). */
        int[] expectedTypes(Name n, Kind kind, boolean forNsec) {
            Record[] rs = owners.getOrDefault(n, NONE);
            int[] base;
            boolean hasDs = has(rs, Type.DS);
            if (kind == Kind.DELEGATION) {
                base = hasDs ? new int[] {Type.NS, Type.DS} : new int[] {Type.NS};
            } else {
                base = dataTypes(rs);
            }
            boolean rrsig =
                    forNsec || kind == Kind.APEX || kind == Kind.AUTHORITATIVE || (kind == Kind.DELEGATION && hasDs);
            int[] types = Arrays.copyOf(base, base.length + (rrsig ? 1 : 0) + (forNsec ? 1 : 0));
            int k = base.length;
            if (rrsig) {
                types[k++] = Type.RRSIG;
            }
            if (forNsec) {
                types[k++] = Type.NSEC;
            }
            Arrays.sort(types);
            return types;
        }

        void bitmap(Name owner, int type, Reason reason, int[] expected, int[] actual, Name forName) {
            int[] got = actual.clone();
            Arrays.sort(got);
            if (!Arrays.equals(got, expected)) {
                log.add(GateFailure.of(
                        owner,
                        type,
                        reason,
                        (forName == null ? "" : "for " + forName + ": ") + "bitmap " + Arrays.toString(got)
                                + ", expected " + Arrays.toString(expected)));
            }
        }

        void ttl(Record r) {
            if (denialTtl >= 0 && r.getTTL() != denialTtl) {
                log.add(GateFailure.of(
                        r.getName(),
                        r.getType(),
                        Reason.DENIAL_TTL_MISMATCH,
                        "TTL " + r.getTTL() + ", expected " + denialTtl + " = min(SOA TTL, SOA minimum) (RFC 9077)"));
            }
        }

        boolean nsecMember(Name n) {
            Kind k = kind(n);
            return k == Kind.APEX || k == Kind.AUTHORITATIVE || k == Kind.DELEGATION;
        }

        Name previousMember(Name n) {
            for (Name k = owners.lowerKey(n); k != null; k = owners.lowerKey(k)) {
                if (nsecMember(k)) {
                    return k;
                }
            }
            return null;
        }

        Name nextMember(Name n) {
            for (Name k : owners.tailMap(n, false).keySet()) {
                if (nsecMember(k)) {
                    return k;
                }
            }
            return origin;
        }

        void nsecAround(TreeSet<Name> names) {
            TreeSet<Name> check = new TreeSet<>(names);
            for (Name n : names) {
                Name p = previousMember(n);
                if (p != null) {
                    check.add(p);
                }
            }
            for (Name n : check) {
                Kind kind = kind(n);
                List<Record> nsecs = recordsOf(n, Type.NSEC);
                if (kind == Kind.APEX || kind == Kind.AUTHORITATIVE || kind == Kind.DELEGATION) {
                    if (nsecs.isEmpty()) {
                        log.add(GateFailure.of(n, Type.NSEC, Reason.NSEC_MISSING, "no NSEC"));
                        continue;
                    }
                    if (nsecs.size() > 1) {
                        log.add(GateFailure.of(
                                n, Type.NSEC, Reason.NSEC_CHAIN_BROKEN, nsecs.size() + " NSEC records at one owner"));
                    }
                    NSECRecord r = (NSECRecord) nsecs.get(0);
                    Name next = nextMember(n);
                    if (!r.getNext().equals(next)) {
                        log.add(GateFailure.of(
                                n,
                                Type.NSEC,
                                Reason.NSEC_CHAIN_BROKEN,
                                "next name " + r.getNext() + ", expected " + next + " (canonical order)"));
                    }
                    bitmap(n, Type.NSEC, Reason.NSEC_BITMAP_MISMATCH, expectedTypes(n, kind, true), r.getTypes(), null);
                    ttl(r);
                } else {
                    for (Record r : nsecs) {
                        log.add(GateFailure.of(
                                r.getName(),
                                Type.NSEC,
                                Reason.NSEC_STRAY,
                                "NSEC at a " + kind.name().toLowerCase(Locale.ROOT) + " name"));
                    }
                }
            }
        }

        /** With opt-out: an empty non-terminal needs its own NSEC3 when a name below it is not an insecure cut. */
        boolean leadsToSignedName(Name ent) {
            for (Name k : owners.tailMap(ent, false).keySet()) {
                if (!k.subdomain(ent)) {
                    return false;
                }
                Kind kind = kind(k);
                if (kind == Kind.AUTHORITATIVE || (kind == Kind.DELEGATION && has(owners.get(k), Type.DS))) {
                    return true;
                }
            }
            return false;
        }

        void nsec3Around(TreeSet<Name> names, List<Record> removed, List<Record> added) {
            NSEC3PARAMRecord p =
                    (NSEC3PARAMRecord) recordsOf(origin, Type.NSEC3PARAM).get(0);
            byte[] salt = p.getSalt() == null ? new byte[0] : p.getSalt();
            if (p.getHashAlgorithm() != Nsec3Hash.SHA1) {
                log.add(GateFailure.of(
                        origin,
                        Type.NSEC3PARAM,
                        Reason.NSEC3PARAM_INVALID,
                        "hash algorithm " + p.getHashAlgorithm() + " unknown (only 1, SHA-1)"));
                return;
            }
            Nsec3Hash hasher = new Nsec3Hash(p.getIterations(), salt);
            // the names and their ancestors (empty non-terminals appear and disappear)
            TreeSet<Name> all = new TreeSet<>();
            for (Name n : names) {
                if (kind(n) == Kind.HASHED) {
                    continue;
                }
                for (Name a = n; a.subdomain(origin); a = new Name(a, 1)) {
                    if (!all.add(a) || a.equals(origin)) {
                        break;
                    }
                }
            }
            for (Record r : removed) {
                if (r.getType() != Type.NSEC3 && r.getType() != Type.RRSIG) {
                    Name n = r.getName().canonicalize();
                    for (Name a = n; a.subdomain(origin); a = new Name(a, 1)) {
                        if (!all.add(a) || a.equals(origin)) {
                            break;
                        }
                    }
                }
            }
            Map<Name, Name> hashedOwnerOf = new HashMap<>(); // hashed owner → name, for names that exist
            for (Name n : all) {
                Kind kind = kind(n);
                byte[] h = hasher.hash(n);
                Name owner = hashedOwner(h);
                NSEC3Record r = nsec3.get(owner);
                boolean exists = kind == Kind.APEX
                        || kind == Kind.AUTHORITATIVE
                        || kind == Kind.DELEGATION
                        || kind == Kind.EMPTY_NON_TERMINAL;
                if (!exists) {
                    if (r != null && kind != Kind.HASHED) {
                        log.add(GateFailure.of(
                                owner,
                                Type.NSEC3,
                                Reason.NSEC3_STRAY,
                                "NSEC3 for " + n + ", which is " + kind.name().toLowerCase(Locale.ROOT)));
                    }
                    continue;
                }
                hashedOwnerOf.put(owner, n);
                boolean insecure = kind == Kind.DELEGATION && !has(owners.get(n), Type.DS);
                boolean needsOwn = kind == Kind.EMPTY_NON_TERMINAL ? leadsToSignedName(n) : !insecure;
                if (r != null) {
                    bitmap(
                            owner,
                            Type.NSEC3,
                            Reason.NSEC3_BITMAP_MISMATCH,
                            expectedTypes(n, kind, false),
                            r.getTypes(),
                            n);
                } else if (needsOwn) {
                    log.add(GateFailure.of(
                            n,
                            Type.NSEC3,
                            Reason.NSEC3_MISSING,
                            "no NSEC3 for this name (hash " + Nsec3Hash.base32hex(h) + ")"));
                } else {
                    Map.Entry<Name, NSEC3Record> cover = nsec3.lowerEntry(owner);
                    if (cover == null) {
                        cover = nsec3.lastEntry();
                    }
                    if (cover == null || (cover.getValue().getFlags() & NSEC3Record.Flags.OPT_OUT) == 0) {
                        log.add(GateFailure.of(
                                n,
                                Type.NSEC3,
                                Reason.NSEC3_MISSING,
                                "no NSEC3 for this name, and "
                                        + (cover == null
                                                ? "no NSEC3 covers it"
                                                : "the covering NSEC3 " + cover.getKey() + " lacks the opt-out flag")));
                    }
                }
            }
            // the NSEC3 records that changed, their links and their predecessors' links
            Map<Name, NSEC3Record> before = new HashMap<>();
            TreeSet<Name> changed = new TreeSet<>();
            for (Record r : removed) {
                if (r instanceof NSEC3Record n) {
                    before.put(n.getName().canonicalize(), n);
                    changed.add(n.getName().canonicalize());
                }
            }
            for (Record r : added) {
                if (r instanceof NSEC3Record n) {
                    changed.add(n.getName().canonicalize());
                }
            }
            if (nsec3.isEmpty()) {
                log.add(GateFailure.of(origin, Type.NSEC3, Reason.NSEC3_MISSING, "the NSEC3 chain is empty"));
                return;
            }
            TreeSet<Name> links = new TreeSet<>();
            for (Name h : changed) {
                NSEC3Record r = nsec3.get(h);
                Name prev = nsec3.lowerKey(h);
                links.add(prev != null ? prev : nsec3.lastKey());
                if (r == null) {
                    continue;
                }
                links.add(h);
                byte[] hash = ownerHash(h);
                byte[] rs = r.getSalt() == null ? new byte[0] : r.getSalt();
                if (hash == null) {
                    log.add(GateFailure.of(
                            h,
                            Type.NSEC3,
                            Reason.NSEC3_MALFORMED,
                            "owner is not one base32hex SHA-1 " + "label below " + origin));
                    continue;
                }
                if (r.getHashAlgorithm() != p.getHashAlgorithm()
                        || r.getIterations() != p.getIterations()
                        || !Arrays.equals(rs, salt)) {
                    log.add(GateFailure.of(
                            h,
                            Type.NSEC3,
                            Reason.NSEC3_PARAMETER_MISMATCH,
                            "hash "
                                    + r.getHashAlgorithm() + " iterations " + r.getIterations() + " salt '"
                                    + HexFormat.of().formatHex(rs) + "' differ from the NSEC3PARAM"));
                }
                if ((r.getFlags() & ~1) != 0) {
                    log.add(GateFailure.of(h, Type.NSEC3, Reason.NSEC3_MALFORMED, "unknown flags " + r.getFlags()));
                }
                ttl(r);
                if (!hashedOwnerOf.containsKey(h)) {
                    NSEC3Record old = before.get(h);
                    int[] oldTypes = old == null ? null : old.getTypes().clone();
                    int[] newTypes = r.getTypes().clone();
                    if (oldTypes != null) {
                        Arrays.sort(oldTypes);
                        Arrays.sort(newTypes);
                    }
                    if (old == null || old.getFlags() != r.getFlags() || !Arrays.equals(oldTypes, newTypes)) {
                        log.add(GateFailure.of(
                                h,
                                Type.NSEC3,
                                Reason.NSEC3_STRAY,
                                old == null
                                        ? "new NSEC3 whose hash matches no changed name"
                                        : "NSEC3 of an unchanged name changed its bitmap or flags"));
                    }
                }
            }
            for (Name h : links) {
                NSEC3Record r = nsec3.get(h);
                Name next = nsec3.higherKey(h);
                byte[] expected = ownerHash(next != null ? next : nsec3.firstKey());
                if (r != null && expected != null && !Arrays.equals(r.getNext(), expected)) {
                    log.add(GateFailure.of(
                            h,
                            Type.NSEC3,
                            Reason.NSEC3_CHAIN_BROKEN,
                            "next hashed owner "
                                    + Nsec3Hash.base32hex(r.getNext()) + ", expected " + Nsec3Hash.base32hex(expected)
                                    + " (the next NSEC3 in hash order)"));
                }
            }
        }

        Name hashedOwner(byte[] hash) {
            try {
                return Name.concatenate(new Name(Nsec3Hash.base32hex(hash)), origin);
            } catch (NameTooLongException | TextParseException e) {
                throw new IllegalStateException("NSEC3 owner under " + origin, e);
            }
        }

        byte[] ownerHash(Name owner) {
            if (owner.labels() != origin.labels() + 1 || !owner.subdomain(origin)) {
                return null;
            }
            byte[] hash = Nsec3Hash.fromBase32hex(owner.getLabelString(0));
            return hash != null && hash.length == Nsec3Hash.SHA1_LENGTH ? hash : null;
        }

        // -------------------------------------------------------------- ZONEMD

        void zonemd() {
            List<Record> zonemds = recordsOf(origin, Type.ZONEMD);
            boolean sha384 = false;
            byte[] digest = null;
            SOARecord soa =
                    (SOARecord) recordsOf(origin, Type.SOA).stream().findFirst().orElse(null);
            for (Record r : zonemds) {
                ZoneMDRecord z = (ZoneMDRecord) r;
                if (z.getScheme() != Zonemd.SCHEME_SIMPLE || z.getHashAlgorithm() != Zonemd.HASH_SHA384) {
                    continue;
                }
                sha384 = true;
                if (soa != null && z.getSerial() != soa.getSerial()) {
                    log.add(GateFailure.of(
                            origin,
                            Type.ZONEMD,
                            Reason.ZONEMD_SERIAL_MISMATCH,
                            "ZONEMD serial " + z.getSerial() + ", SOA serial " + soa.getSerial()));
                }
                if (digest == null) {
                    // O(zone): RFC 8976 SIMPLE covers every record
                    digest = Zonemd.digest(origin, records().toArray(NONE), Zonemd.HASH_SHA384);
                }
                if (!Arrays.equals(digest, z.getDigest())) {
                    log.add(GateFailure.of(origin, Type.ZONEMD, Reason.ZONEMD_MISMATCH, "the zone's digest differs"));
                }
            }
            if (policy.requireZonemd() && !sha384) {
                log.add(GateFailure.of(origin, Type.ZONEMD, Reason.ZONEMD_MISSING, "no apex ZONEMD (SIMPLE, SHA-384)"));
            }
        }
    }
}
