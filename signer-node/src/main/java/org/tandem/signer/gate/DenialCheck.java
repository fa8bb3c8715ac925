package org.tandem.signer.gate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.tandem.signer.gate.GateFailure.Reason;
import org.tandem.signer.gate.ZoneIndex.Kind;
import org.tandem.signer.gate.ZoneIndex.Owner;
import org.xbill.DNS.NSEC3PARAMRecord;
import org.xbill.DNS.NSEC3Record;
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
    private final DenialRules rules;

    private DenialCheck(ZoneIndex index, FailureLog log, SOARecord soa) {
        this.index = index;
        this.log = log;
        this.rules = new DenialRules(log, soa);
    }

    /** Checks the zone's denial of existence; {@code soa} may be null (reported elsewhere). */
    static void check(ZoneIndex index, SOARecord soa, FailureLog log) {
        DenialCheck c = new DenialCheck(index, log, soa);
        boolean nsec = false;
        boolean nsec3 = false;
        for (Record r : index.records) {
            nsec |= r.getType() == Type.NSEC;
            nsec3 |= r.getType() == Type.NSEC3 || r.getType() == Type.NSEC3PARAM;
        }
        if (nsec && nsec3) {
            c.rules.mixed(index.origin);
        }
        if (nsec3) {
            c.nsec3();
        } else if (nsec) {
            c.nsec();
        } else {
            c.rules.noDenial(index.origin);
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
                rules.strayNsecs(o.kind, index.records(o, Type.NSEC));
            }
        }
        for (int i = 0; i < chain.size(); i++) {
            Owner o = chain.get(i);
            rules.nsecMember(
                    o.name,
                    index.records(o, Type.NSEC),
                    chain.get((i + chain.size() - 1) % chain.size()).name,
                    chain.get((i + 1) % chain.size()).name,
                    expectedTypes(o, true));
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
            byte[] hash = rules.nsec3Record(r, origin, alg, iterations, salt);
            if (hash != null) {
                links.add(new Link(hash, r));
            }
        }
        links.sort((a, b) -> Arrays.compareUnsigned(a.hash, b.hash));
        List<Link> chain = new ArrayList<>(links.size());
        for (Link l : links) {
            if (!chain.isEmpty() && Arrays.equals(chain.get(chain.size() - 1).hash, l.hash)) {
                rules.nsec3Duplicate(l.record);
            } else {
                chain.add(l);
            }
        }
        int n = chain.size();
        for (int i = 0; i < n; i++) {
            rules.nsec3Link(chain.get(i).record, chain.get((i + 1) % n).hash);
        }

        byte[][] hashes = new byte[n][];
        long[] prefixes = new long[n];
        for (int i = 0; i < n; i++) {
            hashes[i] = chain.get(i).hash;
            prefixes[i] = prefix(hashes[i]);
        }
        boolean[] matched = new boolean[n];
        Nsec3Hash hasher = new Nsec3Hash(iterations, salt);
        for (Owner o : index.names) {
            byte[] h = hasher.hash(o.name);
            int at = search(prefixes, hashes, h);
            if (at >= 0) {
                matched[at] = true;
            }
            rules.nsec3ForName(
                    o.name,
                    o.kind,
                    h,
                    at >= 0 ? chain.get(at).record : null,
                    o.needsOwnNsec3(),
                    at >= 0 || n == 0 ? null : chain.get(((-at - 1) - 1 + n) % n).record,
                    at >= 0 ? expectedTypes(o, false) : null);
        }
        for (int i = 0; i < n; i++) {
            if (!matched[i]) {
                rules.nsec3Stray(chain.get(i).record.getName());
            }
        }
    }

    /**
     * The first 8 bytes of a hash as a long whose signed order is the bytes' unsigned order (shorter
     * hashes padded with zeros).
     */
    static long prefix(byte[] hash) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (i < hash.length ? hash[i] & 0xff : 0);
        }
        return v ^ Long.MIN_VALUE;
    }

    /**
     * {@link Arrays#binarySearch} of {@code h} in {@code hashes} (distinct, in unsigned order), searched
     * by the {@link #prefix}es first: a million names against the chain in one comparison of longs per
     * step, the whole bytes only among hashes that share a prefix.
     */
    static int search(long[] prefixes, byte[][] hashes, byte[] h) {
        int at = Arrays.binarySearch(prefixes, prefix(h));
        if (at < 0) {
            return at; // every hash of a smaller prefix is smaller, of a larger one larger
        }
        int lo = at;
        int hi = at + 1;
        while (lo > 0 && prefixes[lo - 1] == prefixes[at]) {
            lo--;
        }
        while (hi < prefixes.length && prefixes[hi] == prefixes[at]) {
            hi++;
        }
        return Arrays.binarySearch(hashes, lo, hi, h, Arrays::compareUnsigned);
    }

    // ---------------------------------------------------------------- shared

    private static int[] expectedTypes(Owner o, boolean nsec) {
        return DenialRules.expectedTypes(o.kind, o.dataTypes, o.hasDs, nsec);
    }
}
