package org.tandem.signer.gate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
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
import org.tandem.signer.gate.GateFailure.Reason;
import org.tandem.signer.gate.ZoneIndex.Kind;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.NSEC3PARAMRecord;
import org.xbill.DNS.NSEC3Record;
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
 *       every RRSIG there, with the full gate's own rules ({@link RrsetRules}; the denial records with
 *       {@link DenialRules}) — each algorithm of the DNSKEY RRset present on
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
    /** Every in-zone record by canonical owner name, each array sorted by type. */
    private final TreeMap<Name, Record[]> owners = new TreeMap<>();
    /** The NSEC3 records by owner, for hash-order neighbours. */
    private final TreeMap<Name, NSEC3Record> nsec3 = new TreeMap<>();
    /** How many NSEC records the copy holds (none: the zone has no NSEC chain). */
    private long nsecCount;
    /** RRSIG expiration (epoch seconds) → how many RRSIGs expire then. */
    private final TreeMap<Long, Integer> expirations = new TreeMap<>();

    private ZoneKeys keys;
    /**
     * The keys the signer signed with without their DNSKEY in the DNSKEY RRset (pre- and post-active keys of an
     * algorithm rollover, RFC 6781 §4.1.4), as the full gate takes them ({@link ValidationGate#verify(Name, List,
     * Instant, List)}): accepted as signers, never as algorithms of the DNSKEY RRset.
     */
    private List<DNSKEYRecord> unpublished = List.of();
    /** {@link #unpublished} before the last passed check, for {@link #revert()}. */
    private List<DNSKEYRecord> unpublishedBefore = List.of();
    /** The values before the last passed check, for {@link #revert()}. */
    private final ArrayDeque<Map.Entry<Name, Record[]>> lastChange = new ArrayDeque<>();

    private IncrementalGate(GatePolicy policy, GateCrypto crypto, Name origin) {
        this.policy = policy;
        this.crypto = crypto;
        this.origin = origin;
    }

    /**
     * Runs the full gate over {@code published} and, if it passes, keeps a copy of it for
     * incremental checks.
     *
     * @throws GateRefusedException the full gate refused the zone: nothing to build on
     */
    public static IncrementalGate open(GatePolicy policy, Name origin, List<Record> published, Instant now)
            throws InterruptedException, GateRefusedException {
        return open(policy, origin, published, List.of(), now);
    }

    /**
     * As {@link #open(GatePolicy, Name, List, Instant)} for a zone the signer also signed with keys that are not
     * in its DNSKEY RRset ({@code unpublishedSigners}: pre- and post-active keys of an algorithm rollover, RFC
     * 6781 §4.1.4), judged as the full gate judges them.
     */
    public static IncrementalGate open(
            GatePolicy policy, Name origin, List<Record> published, List<DNSKEYRecord> unpublishedSigners, Instant now)
            throws InterruptedException, GateRefusedException {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(origin, "origin");
        GateCrypto crypto = GateCrypto.preferred();
        new ValidationGate(policy, crypto)
                .verify(origin, published, now, unpublishedSigners)
                .requirePassed();
        IncrementalGate g = new IncrementalGate(policy, crypto, origin);
        g.unpublished = List.copyOf(unpublishedSigners);
        g.unpublishedBefore = g.unpublished;
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
        return check(removed, added, unpublished, now);
    }

    /**
     * As {@link #check(List, List, Instant)}, the new zone signed also by {@code unpublishedSigners} (keys not in
     * its DNSKEY RRset, as the signer names them for the full gate). When they are not the ones of the published
     * zone, the whole zone is checked by the full gate, as for a change of the DNSKEY RRset.
     */
    public GateVerdict check(
            List<Record> removed, List<Record> added, List<DNSKEYRecord> unpublishedSigners, Instant now)
            throws InterruptedException {
        Objects.requireNonNull(removed, "removed");
        Objects.requireNonNull(added, "added");
        Objects.requireNonNull(unpublishedSigners, "unpublishedSigners");
        Objects.requireNonNull(now, "now");
        long start = System.nanoTime();
        lastChange.clear();
        unpublishedBefore = unpublished;
        boolean signersChanged = !rdata(unpublishedSigners).equals(rdata(unpublished));
        unpublished = List.copyOf(unpublishedSigners);
        // records outside the zone are refused as the full gate refuses them, and kept out of the copy
        FailureLog log = new FailureLog();
        List<Record> inZone = new ArrayList<>(added.size());
        List<Record> outside = new ArrayList<>();
        for (Record r : added) {
            (ZoneIndex.inZone(origin, r, log) ? inZone : outside).add(r);
        }
        Set<Name> touched = apply(removed, inZone);
        long[] counts = new long[2];
        boolean keysChanged = signersChanged
                || (touched.contains(origin)
                        && (changes(removed, added, Type.DNSKEY) || changes(removed, added, Type.NSEC3PARAM)));
        GateVerdict verdict;
        if (keysChanged) {
            LOG.info(
                    "event=gate-incremental-full zone={} reason=\"{}\"",
                    origin,
                    signersChanged ? "the keys signing without a DNSKEY changed" : "apex DNSKEY or NSEC3PARAM changed");
            List<Record> zone = records();
            zone.addAll(outside);
            GateVerdict full = new ValidationGate(policy, crypto).verify(origin, zone, now, unpublished);
            readKeys(new FailureLog());
            verdict = full;
        } else {
            Check c = new Check(now, log);
            c.run(touched, removed, inZone);
            counts[0] = c.tally.rrsets;
            counts[1] = c.tally.signatures;
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
        unpublished = unpublishedBefore;
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

    private static Set<String> rdata(List<DNSKEYRecord> keys) {
        Set<String> out = new HashSet<>();
        for (DNSKEYRecord k : keys) {
            out.add(k.rdataToString());
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
        keys = ZoneKeys.read(origin, dnskeys, unpublished, crypto, log);
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
        } else if (r.getType() == Type.NSEC) {
            nsecCount++;
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
        } else if (r.getType() == Type.NSEC) {
            nsecCount--;
        }
    }

    // ------------------------------------------------------------------ one check

    private final class Check {
        final Instant now;
        final FailureLog log;
        final RrsetRules rules;
        final RrsetRules.Tally tally;
        DenialRules denial;

        Check(Instant now, FailureLog log) {
            this.now = now;
            this.log = log;
            this.rules = new RrsetRules(origin, keys, now, policy.minimumValidity());
            this.tally = new RrsetRules.Tally(log, crypto.verifier());
        }

        void run(Set<Name> touched, List<Record> removed, List<Record> added) {
            List<Record> soas = recordsOf(origin, Type.SOA);
            RrsetRules.apex(
                    log, origin, soas.size(), recordsOf(origin, Type.DNSKEY).size(), keys);
            denial = new DenialRules(log, soas.size() == 1 ? (SOARecord) soas.get(0) : null);
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
                Record[] rs = owners.get(n);
                if (rs != null) {
                    rules.owner(n, kind(n), rs, 0, rs.length, tally);
                }
            }
            boolean nsec3Zone = !recordsOf(origin, Type.NSEC3PARAM).isEmpty();
            if (nsecCount > 0 && !nsec3.isEmpty()) {
                denial.mixed(origin);
            }
            if (nsec3Zone) {
                nsec3Around(names, removed, added);
            } else if (nsecCount == 0) {
                denial.noDenial(origin);
            } else {
                nsecAround(names);
            }
            earliestExpiration();
            zonemd();
        }

        /**
         * The validity of the RRSIGs the check did not reach (at names the change did not touch), from
         * the index of every RRSIG's expiration: each expired one, or one expiring within the margin,
         * refuses the zone, as in the full gate; the ones at touched names were reported with their owner.
         */
        private void earliestExpiration() {
            long nowSeconds = now.getEpochSecond();
            Instant horizon = now.plus(policy.minimumValidity());
            long expired = 0;
            long expiring = 0;
            for (Map.Entry<Long, Integer> e :
                    expirations.headMap(horizon.getEpochSecond(), false).entrySet()) {
                if (e.getKey() < nowSeconds) {
                    expired += e.getValue();
                } else {
                    expiring += e.getValue();
                }
            }
            expired -= tally.expired;
            expiring -= tally.expiringWithinMargin;
            if (expired > 0) {
                log.add(GateFailure.of(
                        origin,
                        Type.RRSIG,
                        Reason.SIGNATURE_EXPIRED,
                        expired + " RRSIG(s) at names the change did not touch expired, the first at "
                                + Instant.ofEpochSecond(expirations.firstKey()) + ", now " + now));
            } else if (expiring > 0) {
                log.add(GateFailure.of(
                        origin,
                        Type.RRSIG,
                        Reason.SIGNATURE_EXPIRES_WITHIN_MARGIN,
                        expiring + " RRSIG(s) at names the change did not touch expire before now + "
                                + policy.minimumValidity() + " = " + horizon + ", the first at "
                                + Instant.ofEpochSecond(expirations.firstKey())));
            }
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

        /** What a name is to DNSSEC, as the full gate's {@link ZoneIndex} classifies it, from its neighbours. */
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
            if (dataTypes(rs).length == 0) {
                return has(rs, Type.NSEC3) ? Kind.HASHED : Kind.DENIAL_ONLY;
            }
            if (n.equals(origin)) {
                return Kind.APEX;
            }
            return has(rs, Type.NS) ? Kind.DELEGATION : Kind.AUTHORITATIVE;
        }

        // -------------------------------------------------------------- denial

        int[] expectedTypes(Name n, Kind kind, boolean forNsec) {
            Record[] rs = owners.getOrDefault(n, NONE);
            return DenialRules.expectedTypes(kind, dataTypes(rs), has(rs, Type.DS), forNsec);
        }

        boolean nsecMember(Name n) {
            Kind k = kind(n);
            return k == Kind.APEX || k == Kind.AUTHORITATIVE || k == Kind.DELEGATION;
        }

        /** The chain member before {@code n}, wrapping from the apex to the last. */
        Name previousMember(Name n) {
            for (Name k = owners.lowerKey(n); k != null; k = owners.lowerKey(k)) {
                if (nsecMember(k)) {
                    return k;
                }
            }
            for (Name k = owners.lastKey(); k != null && !k.equals(n); k = owners.lowerKey(k)) {
                if (nsecMember(k)) {
                    return k;
                }
            }
            return n;
        }

        /** The chain member after {@code n}, wrapping from the last to the apex. */
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
                check.add(previousMember(n));
            }
            for (Name n : check) {
                Kind kind = kind(n);
                List<Record> nsecs = recordsOf(n, Type.NSEC);
                if (kind == Kind.APEX || kind == Kind.AUTHORITATIVE || kind == Kind.DELEGATION) {
                    denial.nsecMember(n, nsecs, previousMember(n), nextMember(n), expectedTypes(n, kind, true));
                } else {
                    denial.strayNsecs(kind, nsecs);
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
            Set<Name> hashedOwners = new HashSet<>(); // the hashed owner of every name considered
            Map<Name, Name> hashedOwnerOf = new HashMap<>(); // hashed owner → name, for names that exist
            for (Name n : all) {
                Kind kind = kind(n);
                byte[] h = hasher.hash(n);
                Name owner = hashedOwner(h);
                hashedOwners.add(owner);
                NSEC3Record r = nsec3.get(owner);
                boolean exists = kind == Kind.APEX
                        || kind == Kind.AUTHORITATIVE
                        || kind == Kind.DELEGATION
                        || kind == Kind.EMPTY_NON_TERMINAL;
                if (!exists) {
                    if (r != null && kind != Kind.HASHED) {
                        denial.nsec3Stray(owner);
                    }
                    continue;
                }
                hashedOwnerOf.put(owner, n);
                boolean insecure = kind == Kind.DELEGATION && !has(owners.get(n), Type.DS);
                boolean needsOwn = kind == Kind.EMPTY_NON_TERMINAL ? leadsToSignedName(n) : !insecure;
                Map.Entry<Name, NSEC3Record> cover = nsec3.lowerEntry(owner);
                if (cover == null) {
                    cover = nsec3.lastEntry();
                }
                denial.nsec3ForName(
                        n,
                        kind,
                        h,
                        r,
                        needsOwn,
                        cover == null ? null : cover.getValue(),
                        expectedTypes(n, kind, false));
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
                    if (!hashedOwners.contains(h)) {
                        // no name the change touched hashes here: a name that still exists lost its NSEC3
                        log.add(GateFailure.of(
                                h,
                                Type.NSEC3,
                                Reason.NSEC3_MISSING,
                                "NSEC3 removed, but no name the change touched has its hash: the name it proved"
                                        + " still exists"));
                    }
                    continue;
                }
                links.add(h);
                if (denial.nsec3Record(r, origin, p.getHashAlgorithm(), p.getIterations(), salt) == null) {
                    continue;
                }
                if (!hashedOwnerOf.containsKey(h)) {
                    unchangedName(h, before.get(h), r);
                }
            }
            for (Name h : links) {
                NSEC3Record r = nsec3.get(h);
                Name next = nsec3.higherKey(h);
                byte[] expected = DenialRules.ownerHash(next != null ? next : nsec3.firstKey(), origin);
                if (r != null && expected != null) {
                    denial.nsec3Link(r, expected);
                }
            }
        }

        /**
         * An NSEC3 added or rewritten at a hash that no name the change touched has: the name it
         * proves, if any, did not change, so only its next hashed owner may (a neighbour came or went).
         */
        void unchangedName(Name h, NSEC3Record old, NSEC3Record now) {
            if (old == null) {
                denial.nsec3Stray(h);
                return;
            }
            int[] oldTypes = old.getTypes().clone();
            int[] newTypes = now.getTypes().clone();
            Arrays.sort(oldTypes);
            Arrays.sort(newTypes);
            if (!Arrays.equals(oldTypes, newTypes)) {
                log.add(GateFailure.of(
                        h,
                        Type.NSEC3,
                        Reason.NSEC3_BITMAP_MISMATCH,
                        "bitmap changed from " + Arrays.toString(oldTypes) + " to " + Arrays.toString(newTypes)
                                + ", but no name the change touched has this hash"));
            } else if (old.getFlags() != now.getFlags()) {
                log.add(GateFailure.of(
                        h,
                        Type.NSEC3,
                        Reason.NSEC3_STRAY,
                        "flags changed from " + old.getFlags() + " to " + now.getFlags()
                                + ", but no name the change touched has this hash"));
            }
        }

        Name hashedOwner(byte[] hash) {
            try {
                return Name.concatenate(new Name(Nsec3Hash.base32hex(hash)), origin);
            } catch (NameTooLongException | TextParseException e) {
                throw new IllegalStateException("NSEC3 owner under " + origin, e);
            }
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
