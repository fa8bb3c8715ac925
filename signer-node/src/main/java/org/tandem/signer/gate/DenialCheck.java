package org.tandem.signer.gate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.tandem.signer.gate.GateFailure.Reason;
import org.tandem.signer.gate.ZoneIndex.Kind;
import org.tandem.signer.gate.ZoneIndex.Owner;
import org.xbill.DNS.NSEC3PARAMRecord;
import org.xbill.DNS.NSEC3Record;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;

/**
 * Denial of existence: either a complete NSEC chain (RFC 4034 §4, RFC 4035 §2.3) or a complete
 * NSEC3 chain with its NSEC3PARAM (RFC 5155 §7.1, RFC 9276), with exact type bitmaps and the TTL of
 * RFC 9077. Runs on the calling thread while the signature workers run.
 */
final class DenialCheck {
    private final ZoneIndex index;
    private final FailureLog log;
    private final long expectedTtl;

    private DenialCheck(ZoneIndex index, FailureLog log, long expectedTtl) {
        this.index = index;
        this.log = log;
        this.expectedTtl = expectedTtl;
    }

    /** Checks the zone's denial of existence; {@code soa} may be null (reported elsewhere). */
    static void check(ZoneIndex index, SOARecord soa, FailureLog log) {
        // RFC 9077 §3: NSEC and NSEC3 TTL = min(SOA TTL, SOA MINIMUM)
        long ttl = soa == null ? -1 : Math.min(soa.getTTL(), soa.getMinimum());
        DenialCheck c = new DenialCheck(index, log, ttl);
        boolean nsec = false;
        boolean nsec3 = false;
        for (Record r : index.records) {
            nsec |= r.getType() == Type.NSEC;
            nsec3 |= r.getType() == Type.NSEC3 || r.getType() == Type.NSEC3PARAM;
        }
        if (nsec && nsec3) {
            log.add(GateFailure.of(
                    index.origin, Type.NSEC3, Reason.MIXED_DENIAL, "the zone has NSEC and NSEC3 records"));
        }
        if (nsec3) {
            c.nsec3();
        } else if (nsec) {
            c.nsec();
        } else {
            log.add(GateFailure.of(index.origin, Type.NSEC, Reason.NO_DENIAL, "the zone has neither NSEC nor NSEC3"));
        }
    }

    // ---------------------------------------------------------------- NSEC

    private void nsec() {
        List<Owner> chain = new ArrayList<>();
        for (Owner o : index.names) {
            if (o.kind != Kind.EMPTY_NON_TERMINAL) {
                chain.add(o);
            }
        }
        for (Owner o : index.owners) {
            if (o.kind == Kind.OCCLUDED || o.kind == Kind.HASHED || o.kind == Kind.DENIAL_ONLY) {
                for (Record r : index.records(o, Type.NSEC)) {
                    log.add(GateFailure.of(
                            r.getName(), Type.NSEC, Reason.NSEC_STRAY, "NSEC at a " + describe(o.kind) + " name"));
                }
            }
        }
        for (int i = 0; i < chain.size(); i++) {
            Owner o = chain.get(i);
            Name next = chain.get((i + 1) % chain.size()).name;
            List<Record> nsecs = index.records(o, Type.NSEC);
            if (nsecs.isEmpty()) {
                Name prev = chain.get((i + chain.size() - 1) % chain.size()).name;
                log.add(GateFailure.of(
                        o.name,
                        Type.NSEC,
                        Reason.NSEC_MISSING,
                        "no NSEC: the chain breaks between " + prev + " and " + next));
                continue;
            }
            if (nsecs.size() > 1) {
                log.add(GateFailure.of(
                        o.name, Type.NSEC, Reason.NSEC_CHAIN_BROKEN, nsecs.size() + " NSEC records at one owner"));
            }
            NSECRecord n = (NSECRecord) nsecs.get(0);
            if (!n.getNext().equals(next)) {
                log.add(GateFailure.of(
                        o.name,
                        Type.NSEC,
                        Reason.NSEC_CHAIN_BROKEN,
                        "next name " + n.getNext() + ", expected " + next + " (canonical order)"));
            }
            bitmap(o.name, Type.NSEC, Reason.NSEC_BITMAP_MISMATCH, expectedTypes(o, true), n.getTypes(), null);
            ttl(n);
        }
    }

    // ---------------------------------------------------------------- NSEC3

    /** One NSEC3 record of the chain with its decoded owner hash. */
    private record Link(byte[] hash, NSEC3Record record) {}

    private void nsec3() {
        Name origin = index.origin;
        List<Record> params = index.records(index.apex, Type.NSEC3PARAM);
        List<NSEC3Record> all = new ArrayList<>();
        for (Record r : index.records) {
            if (r.getType() == Type.NSEC3) {
                all.add((NSEC3Record) r);
            }
        }
        int alg;
        int iterations;
        byte[] salt;
        Name paramOwner;
        if (params.isEmpty()) {
            log.add(GateFailure.of(
                    origin, Type.NSEC3PARAM, Reason.NSEC3PARAM_MISSING, "NSEC3 records but no NSEC3PARAM at the apex"));
            if (all.isEmpty()) {
                return;
            }
            NSEC3Record first = all.get(0);
            alg = first.getHashAlgorithm();
            iterations = first.getIterations();
            salt = first.getSalt() == null ? new byte[0] : first.getSalt();
            paramOwner = first.getName();
        } else {
            NSEC3PARAMRecord p = (NSEC3PARAMRecord) params.get(0);
            if (params.size() > 1) {
                log.add(GateFailure.of(
                        origin,
                        Type.NSEC3PARAM,
                        Reason.NSEC3PARAM_INVALID,
                        params.size() + " NSEC3PARAM records; the gate checks a single chain"));
            }
            if (p.getFlags() != 0) {
                log.add(GateFailure.of(
                        origin,
                        Type.NSEC3PARAM,
                        Reason.NSEC3PARAM_INVALID,
                        "flags " + p.getFlags() + ", must be 0 (RFC 5155 §4.1.2)"));
            }
            alg = p.getHashAlgorithm();
            iterations = p.getIterations();
            salt = p.getSalt() == null ? new byte[0] : p.getSalt();
            paramOwner = origin;
        }
        int paramType = params.isEmpty() ? Type.NSEC3 : Type.NSEC3PARAM;
        if (alg != Nsec3Hash.SHA1) {
            log.add(GateFailure.of(
                    paramOwner,
                    paramType,
                    Reason.NSEC3PARAM_INVALID,
                    "hash algorithm " + alg + " unknown (only 1, SHA-1)"));
            return;
        }
        if (iterations > 0) {
            log.add(GateFailure.of(
                    paramOwner,
                    paramType,
                    Reason.NSEC3_ITERATIONS,
                    iterations + " additional iterations; RFC 9276 §3.1 requires 0"));
        }
        if (salt.length > 0) {
            log.add(GateFailure.of(
                    paramOwner,
                    paramType,
                    Reason.NSEC3_SALT,
                    "salt " + HexFormat.of().formatHex(salt) + "; RFC 9276 §3.1 requires none"));
        }

        List<Link> links = new ArrayList<>(all.size());
        for (NSEC3Record r : all) {
            byte[] hash = ownerHash(r.getName());
            if (hash == null) {
                log.add(GateFailure.of(
                        r.getName(),
                        Type.NSEC3,
                        Reason.NSEC3_MALFORMED,
                        "owner is not one base32hex SHA-1 label below " + origin));
                continue;
            }
            byte[] rs = r.getSalt() == null ? new byte[0] : r.getSalt();
            if (r.getHashAlgorithm() != alg || r.getIterations() != iterations || !Arrays.equals(rs, salt)) {
                log.add(GateFailure.of(
                        r.getName(),
                        Type.NSEC3,
                        Reason.NSEC3_PARAMETER_MISMATCH,
                        "hash " + r.getHashAlgorithm() + " iterations " + r.getIterations() + " salt '"
                                + HexFormat.of().formatHex(rs) + "', NSEC3PARAM has hash " + alg + " iterations "
                                + iterations + " salt '" + HexFormat.of().formatHex(salt) + "'"));
                continue;
            }
            if ((r.getFlags() & ~1) != 0) {
                log.add(GateFailure.of(
                        r.getName(), Type.NSEC3, Reason.NSEC3_MALFORMED, "unknown flags " + r.getFlags()));
            }
            if (r.getNext().length != Nsec3Hash.SHA1_LENGTH) {
                log.add(GateFailure.of(
                        r.getName(),
                        Type.NSEC3,
                        Reason.NSEC3_MALFORMED,
                        "next hashed owner is " + r.getNext().length + " bytes, not 20"));
            }
            ttl(r);
            links.add(new Link(hash, r));
        }
        links.sort((a, b) -> Arrays.compareUnsigned(a.hash, b.hash));
        List<Link> chain = new ArrayList<>(links.size());
        for (Link l : links) {
            if (!chain.isEmpty() && Arrays.equals(chain.get(chain.size() - 1).hash, l.hash)) {
                log.add(GateFailure.of(
                        l.record.getName(), Type.NSEC3, Reason.NSEC3_CHAIN_BROKEN, "two NSEC3 records at one hash"));
            } else {
                chain.add(l);
            }
        }
        int n = chain.size();
        for (int i = 0; i < n; i++) {
            byte[] expectedNext = chain.get((i + 1) % n).hash;
            NSEC3Record r = chain.get(i).record;
            if (!Arrays.equals(r.getNext(), expectedNext)) {
                log.add(GateFailure.of(
                        r.getName(),
                        Type.NSEC3,
                        Reason.NSEC3_CHAIN_BROKEN,
                        "next hashed owner " + Nsec3Hash.base32hex(r.getNext()) + ", expected "
                                + Nsec3Hash.base32hex(expectedNext) + " (the next NSEC3 in hash order)"));
            }
        }

        byte[][] hashes = new byte[n][];
        for (int i = 0; i < n; i++) {
            hashes[i] = chain.get(i).hash;
        }
        boolean[] matched = new boolean[n];
        Nsec3Hash hasher = new Nsec3Hash(iterations, salt);
        for (Owner o : index.names) {
            byte[] h = hasher.hash(o.name);
            int at = Arrays.binarySearch(hashes, h, Arrays::compareUnsigned);
            if (at >= 0) {
                matched[at] = true;
                NSEC3Record r = chain.get(at).record;
                bitmap(
                        r.getName(),
                        Type.NSEC3,
                        Reason.NSEC3_BITMAP_MISMATCH,
                        expectedTypes(o, false),
                        r.getTypes(),
                        o.name);
            } else if (o.needsOwnNsec3()) {
                log.add(GateFailure.of(
                        o.name,
                        Type.NSEC3,
                        Reason.NSEC3_MISSING,
                        "no NSEC3 for this " + describe(o.kind) + " name (hash " + Nsec3Hash.base32hex(h) + ")"));
            } else {
                NSEC3Record covering = n == 0 ? null : chain.get(((-at - 1) - 1 + n) % n).record;
                if (covering == null || (covering.getFlags() & 1) == 0) {
                    log.add(GateFailure.of(
                            o.name,
                            Type.NSEC3,
                            Reason.NSEC3_MISSING,
                            "no NSEC3 for this " + describe(o.kind) + " name, and "
                                    + (covering == null
                                            ? "no NSEC3 covers it"
                                            : "the covering NSEC3 " + covering.getName() + " lacks the opt-out flag")));
                }
            }
        }
        for (int i = 0; i < n; i++) {
            if (!matched[i]) {
                log.add(GateFailure.of(
                        chain.get(i).record.getName(),
                        Type.NSEC3,
                        Reason.NSEC3_STRAY,
                        "hash matches no authoritative name, delegation or empty non-terminal"));
            }
        }
    }

    /** The SHA-1 hash in an NSEC3 owner name's first label, or null if the owner is malformed. */
    private byte[] ownerHash(Name owner) {
        if (owner.labels() != index.origin.labels() + 1 || !owner.subdomain(index.origin)) {
            return null;
        }
        byte[] hash = Nsec3Hash.fromBase32hex(owner.getLabelString(0));
        return hash != null && hash.length == Nsec3Hash.SHA1_LENGTH ? hash : null;
    }

    // ---------------------------------------------------------------- shared

    /**
     * The types the bitmap must list for a name, ascending: everything present at an authoritative
     * name, at a delegation only NS and DS (glue at the cut is not authoritative); plus RRSIG and NSEC
     * for NSEC (the NSEC itself is signed, even at an insecure delegation), plus RRSIG for NSEC3 where
     * the name has signed data (not at an insecure delegation nor an empty non-terminal).
     */
    private static int[] expectedTypes(Owner o, boolean nsec) {
        int[] base;
        if (o.kind == Kind.DELEGATION) {
            base = o.hasDs ? new int[] {Type.NS, Type.DS} : new int[] {Type.NS};
        } else {
            base = o.dataTypes;
        }
        boolean rrsig =
                nsec || (o.kind == Kind.APEX || o.kind == Kind.AUTHORITATIVE || (o.kind == Kind.DELEGATION && o.hasDs));
        int[] types = Arrays.copyOf(base, base.length + (rrsig ? 1 : 0) + (nsec ? 1 : 0));
        int n = base.length;
        if (rrsig) {
            types[n++] = Type.RRSIG;
        }
        if (nsec) {
            types[n++] = Type.NSEC;
        }
        Arrays.sort(types);
        return types;
    }

    private void bitmap(Name owner, int type, Reason reason, int[] expected, int[] actual, Name forName) {
        int[] got = actual.clone();
        Arrays.sort(got);
        if (Arrays.equals(got, expected)) {
            return;
        }
        TreeSet<Integer> missing = new TreeSet<>();
        for (int t : expected) {
            missing.add(t);
        }
        TreeSet<Integer> extra = new TreeSet<>();
        for (int t : got) {
            if (!missing.remove(t)) {
                extra.add(t);
            }
        }
        log.add(GateFailure.of(
                owner,
                type,
                reason,
                (forName == null ? "" : "for " + forName + ": ") + "bitmap lacks " + names(missing) + ", has extra "
                        + names(extra)));
    }

    private void ttl(Record r) {
        if (expectedTtl >= 0 && r.getTTL() != expectedTtl) {
            log.add(GateFailure.of(
                    r.getName(),
                    r.getType(),
                    Reason.DENIAL_TTL_MISMATCH,
                    "TTL " + r.getTTL() + ", expected " + expectedTtl + " = min(SOA TTL, SOA minimum) (RFC 9077)"));
        }
    }

    private static String names(TreeSet<Integer> types) {
        return types.stream().map(Type::string).collect(Collectors.joining(" ", "[", "]"));
    }

    private static String describe(Kind kind) {
        switch (kind) {
            case DELEGATION:
                return "delegation";
            case EMPTY_NON_TERMINAL:
                return "empty non-terminal";
            case OCCLUDED:
                return "glue or occluded";
            case HASHED:
                return "NSEC3-only";
            case DENIAL_ONLY:
                return "data-less";
            default:
                return "authoritative";
        }
    }
}
