package org.tandem.signer.gate;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import org.tandem.signer.gate.GateFailure.Reason;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * A signed zone sorted into canonical order (RFC 4034 §6.1) and cut into owner names, each
 * classified by what RFC 4035 §2.2 asks of it: authoritative (signed, in the denial chain),
 * delegation point (NS unsigned, DS and NSEC signed), occluded (glue and anything else below a zone
 * cut or DNAME: unsigned, not in the chain), NSEC3 owner, or an empty non-terminal. Immutable after
 * {@link #build}; read by several threads.
 */
final class ZoneIndex {

    /** What an owner name is to DNSSEC. */
    enum Kind {
        /** The zone apex. */
        APEX,
        /** An ordinary name with authoritative data. */
        AUTHORITATIVE,
        /** A delegation point: NS below the apex. */
        DELEGATION,
        /** Below a delegation point or a DNAME: glue or occluded data, not authoritative. */
        OCCLUDED,
        /** A name holding only NSEC3 records (and their RRSIGs). */
        HASHED,
        /** A name holding only NSEC and RRSIG records, which must not exist. */
        DENIAL_ONLY,
        /** A name with no records of its own but with descendants (RFC 5155 §7.1). */
        EMPTY_NON_TERMINAL,
        /**
         * A name with no records and no descendants, or below a cut: not in the zone. Only the
         * incremental gate asks about such names (one whose records a change removed).
         */
        ABSENT
    }

    static final Comparator<Record> CANONICAL_ORDER =
            Comparator.comparing(Record::getName).thenComparingInt(Record::getType);

    /** One owner name: its records are {@code records[from..to)}, sorted by type. */
    static final class Owner {
        final Name name;
        final int from;
        final int to;
        final Kind kind;
        /** Types present other than RRSIG, NSEC and NSEC3, ascending. */
        final int[] dataTypes;

        final boolean hasDs;
        /** Empty non-terminals only: some descendant is not an insecure delegation. */
        boolean leadsToSignedName;

        Owner(Name name, int from, int to, Kind kind, int[] dataTypes, boolean hasDs) {
            this.name = name;
            this.from = from;
            this.to = to;
            this.kind = kind;
            this.dataTypes = dataTypes;
            this.hasDs = hasDs;
        }

        boolean isInsecureDelegation() {
            return kind == Kind.DELEGATION && !hasDs;
        }

        /** Must have an NSEC3 of its own even with opt-out (RFC 5155 §7.1). */
        boolean needsOwnNsec3() {
            if (kind == Kind.EMPTY_NON_TERMINAL) {
                return leadsToSignedName;
            }
            return !isInsecureDelegation();
        }
    }

    final Name origin;
    /** In-zone class IN records, sorted by owner (canonical order) then type. */
    final Record[] records;
    /** Every distinct owner name of {@link #records}, in canonical order. */
    final List<Owner> owners;
    /**
     * The names denial of existence covers: apex, authoritative names, delegation points and empty
     * non-terminals, in canonical order.
     */
    final List<Owner> names;

    final Owner apex;

    private ZoneIndex(Name origin, Record[] records, List<Owner> owners, List<Owner> names, Owner apex) {
        this.origin = origin;
        this.records = records;
        this.owners = owners;
        this.names = names;
        this.apex = apex;
    }

    /** Sorts and classifies; a record outside the zone or not class IN is a failure and dropped. */
    static ZoneIndex build(Name origin, List<Record> zone, FailureLog log) {
        Record[] sorted = inZone(origin, zone, log);
        Arrays.parallelSort(sorted, CANONICAL_ORDER);
        List<Owner> owners = classify(origin, sorted);
        Owner apex = !owners.isEmpty() && owners.get(0).name.equals(origin)
                ? owners.get(0)
                : new Owner(origin, 0, 0, Kind.APEX, new int[0], false);
        return new ZoneIndex(origin, sorted, owners, namesWithEmptyNonTerminals(apex, owners), apex);
    }

    /** The zone's in-zone class IN records in canonical order, failures dropped (for ZONEMD). */
    static Record[] sortedInZone(Name origin, List<Record> zone) {
        Record[] sorted = inZone(origin, zone, new FailureLog());
        Arrays.parallelSort(sorted, CANONICAL_ORDER);
        return sorted;
    }

    private static Record[] inZone(Name origin, List<Record> zone, FailureLog log) {
        Record[] out = new Record[zone.size()];
        int n = 0;
        for (Record r : zone) {
            if (inZone(origin, r, log)) {
                out[n++] = r;
            }
        }
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /** Whether {@code r} is at or below {@code origin} and of class IN; if not, says why in {@code log}. */
    static boolean inZone(Name origin, Record r, FailureLog log) {
        if (!r.getName().subdomain(origin)) {
            log.add(GateFailure.of(r.getName(), r.getType(), Reason.OUT_OF_ZONE, "not at or below " + origin));
            return false;
        }
        if (r.getDClass() != DClass.IN) {
            log.add(GateFailure.of(
                    r.getName(), r.getType(), Reason.OUT_OF_ZONE, "class " + DClass.string(r.getDClass())));
            return false;
        }
        return true;
    }

    private static List<Owner> classify(Name origin, Record[] sorted) {
        List<Owner> owners = new ArrayList<>();
        Name cut = null; // delegation point or DNAME owner whose descendants are occluded
        int[] types = new int[16];
        int i = 0;
        while (i < sorted.length) {
            Name name = sorted[i].getName();
            int j = i;
            int nTypes = 0;
            boolean ns = false;
            boolean ds = false;
            boolean dname = false;
            boolean nsec3 = false;
            int last = -1;
            while (j < sorted.length && (j == i || sorted[j].getName().equals(name))) {
                int t = sorted[j].getType();
                if (t != last) {
                    last = t;
                    switch (t) {
                        case Type.RRSIG:
                        case Type.NSEC:
                            break;
                        case Type.NSEC3:
                            nsec3 = true;
                            break;
                        default:
                            if (nTypes == types.length) {
                                types = Arrays.copyOf(types, nTypes * 2);
                            }
                            types[nTypes++] = t;
                            ns |= t == Type.NS;
                            ds |= t == Type.DS;
                            dname |= t == Type.DNAME;
                    }
                }
                j++;
            }
            Kind kind;
            if (cut != null && name.subdomain(cut)) {
                kind = Kind.OCCLUDED;
            } else {
                cut = null;
                if (nTypes == 0) {
                    kind = nsec3 ? Kind.HASHED : Kind.DENIAL_ONLY;
                } else if (name.equals(origin)) {
                    kind = Kind.APEX;
                    cut = dname ? name : null;
                } else if (ns) {
                    kind = Kind.DELEGATION;
                    cut = name;
                } else {
                    kind = Kind.AUTHORITATIVE;
                    cut = dname ? name : null;
                }
            }
            owners.add(new Owner(name, i, j, kind, Arrays.copyOf(types, nTypes), ds));
            i = j;
        }
        return owners;
    }

    /**
     * Inserts the empty non-terminals between the names that need denial, in canonical order. In
     * canonical order a name's descendants follow it contiguously, so a stack of the current path
     * finds every missing ancestor without a set of all names.
     */
    private static List<Owner> namesWithEmptyNonTerminals(Owner apex, List<Owner> owners) {
        List<Owner> names = new ArrayList<>();
        Deque<Owner> path = new ArrayDeque<>();
        names.add(apex);
        path.push(apex);
        for (Owner o : owners) {
            if (o == apex || (o.kind != Kind.AUTHORITATIVE && o.kind != Kind.DELEGATION)) {
                continue;
            }
            while (path.size() > 1 && !o.name.subdomain(path.peek().name)) {
                path.pop();
            }
            int missing = o.name.labels() - path.peek().name.labels() - 1;
            for (int k = missing; k >= 1; k--) {
                Owner ent = new Owner(new Name(o.name, k), 0, 0, Kind.EMPTY_NON_TERMINAL, new int[0], false);
                names.add(ent);
                path.push(ent);
            }
            if (!o.isInsecureDelegation()) {
                for (Owner up : path) {
                    if (up.kind != Kind.EMPTY_NON_TERMINAL || up.leadsToSignedName) {
                        break;
                    }
                    up.leadsToSignedName = true;
                }
            }
            names.add(o);
            path.push(o);
        }
        return names;
    }

    /** Records of one type at an owner (for RRSIG: all RRSIGs there). */
    List<Record> records(Owner o, int type) {
        List<Record> out = new ArrayList<>(2);
        for (int i = o.from; i < o.to; i++) {
            if (records[i].getType() == type) {
                out.add(records[i]);
            }
        }
        return out;
    }

    boolean has(Owner o, int type) {
        for (int i = o.from; i < o.to; i++) {
            if (records[i].getType() == type) {
                return true;
            }
        }
        return false;
    }
}
