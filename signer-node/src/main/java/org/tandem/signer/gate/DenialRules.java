package org.tandem.signer.gate;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.tandem.signer.gate.GateFailure.Reason;
import org.tandem.signer.gate.ZoneIndex.Kind;
import org.xbill.DNS.NSEC3Record;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;

/**
 * The rules for denial-of-existence records, the same for the full gate ({@link DenialCheck}, the
 * whole chain) and the incremental gate (the chain around a change): the NSEC of a chain member
 * (RFC 4034 §4), an NSEC where none may be, an NSEC3 record against the chain's parameters (RFC 5155,
 * RFC 9276), the NSEC3 of a name or the opt-out NSEC3 covering it, chain links, exact type bitmaps,
 * and the TTL of RFC 9077. How the chain is walked differs between the two gates; what makes a record
 * wrong, and the words for it, do not.
 */
final class DenialRules {
    private final FailureLog log;
    /** min(SOA TTL, SOA minimum), or -1 when there is no SOA (reported elsewhere). */
    private final long expectedTtl;

    DenialRules(FailureLog log, SOARecord soa) {
        this.log = log;
        // RFC 9077 §3: NSEC and NSEC3 TTL = min(SOA TTL, SOA MINIMUM)
        this.expectedTtl = soa == null ? -1 : Math.min(soa.getTTL(), soa.getMinimum());
    }

    /** A zone with both NSEC and NSEC3 records. */
    void mixed(Name origin) {
        log.add(GateFailure.of(origin, Type.NSEC3, Reason.MIXED_DENIAL, "the zone has NSEC and NSEC3 records"));
    }

    /** A zone with neither NSEC nor NSEC3 records. */
    void noDenial(Name origin) {
        log.add(GateFailure.of(origin, Type.NSEC, Reason.NO_DENIAL, "the zone has neither NSEC nor NSEC3"));
    }

    /**
     * The NSEC of a chain member (the apex, an authoritative name or a delegation).
     *
     * @param nsecs the NSEC records at {@code owner}
     * @param previous the chain member before it, for the message when its NSEC is missing
     * @param next the chain member after it (the apex after the last)
     * @param expectedTypes what its bitmap must list ({@link #expectedTypes})
     */
    void nsecMember(Name owner, List<Record> nsecs, Name previous, Name next, int[] expectedTypes) {
        if (nsecs.isEmpty()) {
            log.add(GateFailure.of(
                    owner,
                    Type.NSEC,
                    Reason.NSEC_MISSING,
                    "no NSEC: the chain breaks between " + previous + " and " + next));
            return;
        }
        if (nsecs.size() > 1) {
            log.add(GateFailure.of(
                    owner, Type.NSEC, Reason.NSEC_CHAIN_BROKEN, nsecs.size() + " NSEC records at one owner"));
        }
        NSECRecord n = (NSECRecord) nsecs.get(0);
        if (!n.getNext().equals(next)) {
            log.add(GateFailure.of(
                    owner,
                    Type.NSEC,
                    Reason.NSEC_CHAIN_BROKEN,
                    "next name " + n.getNext() + ", expected " + next + " (canonical order)"));
        }
        bitmap(owner, Type.NSEC, Reason.NSEC_BITMAP_MISMATCH, expectedTypes, n.getTypes(), null);
        ttl(n);
    }

    /** NSEC records at a name that is no chain member ({@code kind}: glue, NSEC3-only, data-less). */
    void strayNsecs(Kind kind, List<Record> nsecs) {
        for (Record r : nsecs) {
            log.add(GateFailure.of(r.getName(), Type.NSEC, Reason.NSEC_STRAY, "NSEC at a " + describe(kind) + " name"));
        }
    }

    /**
     * Checks one NSEC3 record against the chain's parameters: owner one base32hex SHA-1 label below
     * the apex, hash algorithm, iterations and salt as the NSEC3PARAM, known flags, a 20-byte next
     * hash, the denial TTL.
     *
     * @return the record's owner hash, or null when it cannot be part of the chain (reported)
     */
    byte[] nsec3Record(NSEC3Record r, Name origin, int alg, int iterations, byte[] salt) {
        byte[] hash = ownerHash(r.getName(), origin);
        if (hash == null) {
            log.add(GateFailure.of(
                    r.getName(),
                    Type.NSEC3,
                    Reason.NSEC3_MALFORMED,
                    "owner is not one base32hex SHA-1 label below " + origin));
            return null;
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
            return null;
        }
        if ((r.getFlags() & ~NSEC3Record.Flags.OPT_OUT) != 0) {
            log.add(GateFailure.of(r.getName(), Type.NSEC3, Reason.NSEC3_MALFORMED, "unknown flags " + r.getFlags()));
        }
        if (r.getNext().length != Nsec3Hash.SHA1_LENGTH) {
            log.add(GateFailure.of(
                    r.getName(),
                    Type.NSEC3,
                    Reason.NSEC3_MALFORMED,
                    "next hashed owner is " + r.getNext().length + " bytes, not 20"));
        }
        ttl(r);
        return hash;
    }

    /** An NSEC3 whose next hashed owner is not {@code expectedNext}, the next NSEC3 in hash order. */
    void nsec3Link(NSEC3Record r, byte[] expectedNext) {
        if (!Arrays.equals(r.getNext(), expectedNext)) {
            log.add(GateFailure.of(
                    r.getName(),
                    Type.NSEC3,
                    Reason.NSEC3_CHAIN_BROKEN,
                    "next hashed owner " + Nsec3Hash.base32hex(r.getNext()) + ", expected "
                            + Nsec3Hash.base32hex(expectedNext) + " (the next NSEC3 in hash order)"));
        }
    }

    /** Two NSEC3 records at one hash. */
    void nsec3Duplicate(NSEC3Record r) {
        log.add(GateFailure.of(r.getName(), Type.NSEC3, Reason.NSEC3_CHAIN_BROKEN, "two NSEC3 records at one hash"));
    }

    /** An NSEC3 whose hash is no name's that needs one. */
    void nsec3Stray(Name owner) {
        log.add(GateFailure.of(
                owner,
                Type.NSEC3,
                Reason.NSEC3_STRAY,
                "hash matches no authoritative name, delegation or empty non-terminal"));
    }

    /**
     * The NSEC3 of a name that exists (apex, authoritative, delegation, empty non-terminal).
     *
     * @param hash the name's hash
     * @param matching the NSEC3 at that hash, or null
     * @param needsOwn whether the name needs its own NSEC3 (not an insecure delegation, nor an empty
     *     non-terminal that leads only to insecure delegations)
     * @param covering the NSEC3 before that hash in the chain (wrapping), or null when the chain is empty
     * @param expectedTypes what the matching NSEC3's bitmap must list (may be null when there is none)
     */
    void nsec3ForName(
            Name name,
            Kind kind,
            byte[] hash,
            NSEC3Record matching,
            boolean needsOwn,
            NSEC3Record covering,
            int[] expectedTypes) {
        if (matching != null) {
            bitmap(
                    matching.getName(),
                    Type.NSEC3,
                    Reason.NSEC3_BITMAP_MISMATCH,
                    expectedTypes,
                    matching.getTypes(),
                    name);
        } else if (needsOwn) {
            log.add(GateFailure.of(
                    name,
                    Type.NSEC3,
                    Reason.NSEC3_MISSING,
                    "no NSEC3 for this " + describe(kind) + " name (hash " + Nsec3Hash.base32hex(hash) + ")"));
        } else if (covering == null || (covering.getFlags() & NSEC3Record.Flags.OPT_OUT) == 0) {
            log.add(GateFailure.of(
                    name,
                    Type.NSEC3,
                    Reason.NSEC3_MISSING,
                    "no NSEC3 for this " + describe(kind) + " name, and "
                            + (covering == null
                                    ? "no NSEC3 covers it"
                                    : "the covering NSEC3 " + covering.getName() + " lacks the opt-out flag")));
        }
    }

    /**
     * The types the bitmap must list for a name, ascending: everything present at an authoritative
     * name, at a delegation only NS and DS (glue at the cut is not authoritative); plus RRSIG and NSEC
     * for NSEC (the NSEC itself is signed, even at an insecure delegation), plus RRSIG for NSEC3 where
     * the name has signed data (not at an insecure delegation nor an empty non-terminal).
     *
     * @param dataTypes the types at the name other than RRSIG, NSEC and NSEC3, ascending
     */
    static int[] expectedTypes(Kind kind, int[] dataTypes, boolean hasDs, boolean nsec) {
        int[] base;
        if (kind == Kind.DELEGATION) {
            base = hasDs ? new int[] {Type.NS, Type.DS} : new int[] {Type.NS};
        } else {
            base = dataTypes;
        }
        boolean rrsig = nsec || kind == Kind.APEX || kind == Kind.AUTHORITATIVE || (kind == Kind.DELEGATION && hasDs);
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

    /** The SHA-1 hash in an NSEC3 owner name's first label, or null if the owner is malformed. */
    static byte[] ownerHash(Name owner, Name origin) {
        if (owner.labels() != origin.labels() + 1 || !owner.subdomain(origin)) {
            return null;
        }
        byte[] hash = Nsec3Hash.fromBase32hex(owner.getLabelString(0));
        return hash != null && hash.length == Nsec3Hash.SHA1_LENGTH ? hash : null;
    }

    private void bitmap(Name owner, int type, Reason reason, int[] expected, int[] actual, Name forName) {
        if (Arrays.equals(actual, expected)) {
            return; // dnsjava lists a bitmap's types in ascending order, as expected is
        }
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

    static String describe(Kind kind) {
        return switch (kind) {
            case DELEGATION -> "delegation";
            case EMPTY_NON_TERMINAL -> "empty non-terminal";
            case OCCLUDED -> "glue or occluded";
            case HASHED -> "NSEC3-only";
            case DENIAL_ONLY -> "data-less";
            case ABSENT -> "absent";
            default -> "authoritative";
        };
    }
}
