package org.tandem.signer.nsec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.xbill.DNS.DClass;
import org.xbill.DNS.NSEC3PARAMRecord;
import org.xbill.DNS.NSEC3Record;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/**
 * The NSEC3 chain (RFC 5155 §7.1) and its NSEC3PARAM.
 *
 * <p>Which names get an NSEC3: the apex, every authoritative name, every zone cut with a DS, and
 * every empty non-terminal; insecure delegations too unless opt-out is on. With opt-out, an empty
 * non-terminal that exists only because of insecure delegations below it is left out as well
 * (RFC 5155 §7.1 allows it), and every NSEC3 carries the opt-out flag.
 *
 * <p>Bitmaps (RFC 5155 §3.2.1): the types at the original name, RRSIG when something there is
 * signed (so not at an insecure delegation nor an empty non-terminal), NSEC3PARAM at the apex.
 *
 * @param param the NSEC3PARAM record for the apex
 * @param records the NSEC3 records, sorted by hashed owner name (which is canonical order)
 */
public record Nsec3Chain(NSEC3PARAMRecord param, List<NSEC3Record> records) {
    public Nsec3Chain {
        Objects.requireNonNull(param, "param");
        records = List.copyOf(records);
    }

    /**
     * Builds the chain.
     *
     * @param apex the zone apex
     * @param nodes every node of the zone in strictly increasing canonical order, apex first,
     *     empty non-terminals included (see {@link EmptyNonTerminals#insert})
     * @param params hash parameters and opt-out
     * @param ttl the NSEC3 TTL: min(SOA TTL, SOA MINIMUM) per RFC 9077
     * @param paramTtl the NSEC3PARAM TTL
     * @throws Nsec3CollisionException when two names hash alike
     */
    public static Nsec3Chain build(Name apex, List<OwnerNode> nodes, Nsec3Parameters params, long ttl, long paramTtl)
            throws Nsec3CollisionException {
        Objects.requireNonNull(apex, "apex");
        Objects.requireNonNull(params, "params");
        if (nodes.isEmpty()
                || nodes.get(0).kind() != NodeKind.APEX
                || !nodes.get(0).name().equals(apex)) {
            throw new IllegalArgumentException("the first node must be the apex " + apex);
        }
        boolean[] include = included(apex, nodes, params.optOut());

        Nsec3Hasher hasher = new Nsec3Hasher(params);
        List<Hashed> hashed = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            if (include[i]) {
                hashed.add(new Hashed(hasher.hash(nodes.get(i).name()), nodes.get(i)));
            }
        }
        hashed.sort(Comparator.naturalOrder());

        int flags = params.optOut() ? NSEC3Record.Flags.OPT_OUT : 0;
        byte[] salt = params.salt();
        List<NSEC3Record> records = new ArrayList<>(hashed.size());
        for (int i = 0; i < hashed.size(); i++) {
            Hashed h = hashed.get(i);
            Hashed next = hashed.get((i + 1) % hashed.size());
            if (hashed.size() > 1 && i + 1 < hashed.size() && Arrays.equals(h.hash, next.hash)) {
                throw new Nsec3CollisionException(
                        apex,
                        h.node.name(),
                        next.node.name(),
                        Nsec3Hasher.owner(h.hash, apex).toString());
            }
            records.add(new NSEC3Record(
                    Nsec3Hasher.owner(h.hash, apex),
                    DClass.IN,
                    ttl,
                    NSEC3Record.Digest.SHA1,
                    flags,
                    params.iterations(),
                    salt,
                    next.hash,
                    bitmap(h.node)));
        }
        return new Nsec3Chain(params.param(apex, paramTtl), records);
    }

    /**
     * The NSEC3 of one node, as {@link #build} makes it: for re-making the records around a change
     * (incremental re-sign) without rebuilding the chain.
     *
     * @param hash the node's hash ({@link #hash})
     * @param nextHash the next hash in the chain (the first after the last)
     */
    public static NSEC3Record record(
            Name apex, OwnerNode node, Nsec3Parameters params, byte[] hash, byte[] nextHash, long ttl) {
        return new NSEC3Record(
                Nsec3Hasher.owner(hash, apex),
                DClass.IN,
                ttl,
                NSEC3Record.Digest.SHA1,
                params.optOut() ? NSEC3Record.Flags.OPT_OUT : 0,
                params.iterations(),
                params.salt(),
                nextHash,
                bitmap(node));
    }

    /** The NSEC3 hash of {@code name} (RFC 5155 §5). Thread-safe (a digest per call). */
    public static byte[] hash(Nsec3Parameters params, Name name) {
        return new Nsec3Hasher(params).hash(name);
    }

    /** The hashed owner {@code <base32hex(hash)>.<apex>} in lower case. */
    public static Name owner(byte[] hash, Name apex) {
        return Nsec3Hasher.owner(hash, apex);
    }

    /**
     * Whether a node gets an NSEC3 of its own (see the class comment), given for an empty
     * non-terminal whether some name below it (not below a cut) is not an insecure delegation.
     */
    public static boolean included(OwnerNode node, boolean optOut, boolean entLeadsToSignedName) {
        if (!optOut) {
            return true;
        }
        return switch (node.kind()) {
            case INSECURE_DELEGATION -> false;
            case EMPTY_NON_TERMINAL -> entLeadsToSignedName;
            default -> true;
        };
    }

    private static int[] bitmap(OwnerNode node) {
        return switch (node.kind()) {
            case APEX -> node.typesWith(Type.RRSIG, Type.NSEC3PARAM);
            case AUTHORITATIVE, SECURE_DELEGATION -> node.typesWith(Type.RRSIG);
            case INSECURE_DELEGATION, EMPTY_NON_TERMINAL -> node.types();
        };
    }

    /** Which nodes get an NSEC3 (see the class comment). */
    private static boolean[] included(Name apex, List<OwnerNode> nodes, boolean optOut) {
        boolean[] include = new boolean[nodes.size()];
        Map<Name, Integer> ents = new HashMap<>();
        Name previous = null;
        for (int i = 0; i < nodes.size(); i++) {
            OwnerNode n = nodes.get(i);
            if (previous != null && previous.compareTo(n.name()) >= 0) {
                throw new IllegalArgumentException(
                        "owner names not in strictly increasing canonical order: " + previous + " then " + n.name());
            }
            if (!n.name().subdomain(apex)) {
                throw new IllegalArgumentException(n.name() + " is not at or below the apex " + apex);
            }
            previous = n.name();
            if (n.kind() == NodeKind.EMPTY_NON_TERMINAL) {
                ents.put(n.name(), i);
                include[i] = !optOut;
            } else {
                include[i] = !(optOut && n.kind() == NodeKind.INSECURE_DELEGATION);
            }
        }
        if (!optOut) {
            return include;
        }
        // RFC 5155 §7.1: an empty non-terminal needs an NSEC3 unless it is derived only from
        // insecure delegations. Mark the ENT ancestors of every name that has an NSEC3.
        for (int i = 0; i < nodes.size(); i++) {
            OwnerNode n = nodes.get(i);
            if (!include[i] || n.kind() == NodeKind.EMPTY_NON_TERMINAL) {
                continue;
            }
            Name name = n.name();
            while (name.labels() > apex.labels() + 1) {
                name = new Name(name, 1);
                Integer ent = ents.get(name);
                if (ent == null || include[ent]) {
                    break; // a name with data (it marks its own ancestors) or already marked
                }
                include[ent] = true;
            }
        }
        return include;
    }

    private record Hashed(byte[] hash, OwnerNode node) implements Comparable<Hashed> {
        @Override
        public int compareTo(Hashed o) {
            return Arrays.compareUnsigned(hash, o.hash);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Hashed h && Arrays.equals(h.hash, hash) && h.node.equals(node);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(hash);
        }

        @Override
        public String toString() {
            return node.name().toString();
        }
    }
}
