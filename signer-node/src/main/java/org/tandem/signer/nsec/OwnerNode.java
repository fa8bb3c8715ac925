package org.tandem.signer.nsec;

import java.util.Arrays;
import java.util.Objects;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/**
 * One owner name of the zone as the denial chain sees it.
 *
 * @param name the owner, absolute and in canonical (lower-case) form
 * @param kind what the name is
 * @param types the RR types published at this name that the bitmap must show (RFC 4035 §2.3: at a
 *     zone cut only NS and DS), sorted, without RRSIG, NSEC, NSEC3 and NSEC3PARAM, which the chain
 *     builders add themselves; empty for an empty non-terminal
 */
public record OwnerNode(Name name, NodeKind kind, int[] types) {
    public OwnerNode {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        types = Objects.requireNonNull(types, "types").clone();
        if (!name.isAbsolute()) {
            throw new IllegalArgumentException("owner name must be absolute: " + name);
        }
        if (name.canonicalize() != name) { // dnsjava returns the same instance when nothing is upper case
            throw new IllegalArgumentException("owner name must be in canonical (lower-case) form: " + name);
        }
        Arrays.sort(types);
        for (int i = 0; i < types.length; i++) {
            int t = types[i];
            if (t <= 0 || t > 0xFFFF || (i > 0 && types[i - 1] == t)) {
                throw new IllegalArgumentException("bad or duplicate type " + t + " at " + name);
            }
            if (t == Type.RRSIG || t == Type.NSEC || t == Type.NSEC3) {
                throw new IllegalArgumentException(Type.string(t) + " at " + name + " is added by the chain builder");
            }
        }
        if (kind == NodeKind.EMPTY_NON_TERMINAL && types.length != 0) {
            throw new IllegalArgumentException("empty non-terminal " + name + " with types " + Arrays.toString(types));
        }
        if (kind.isDelegation() && Arrays.binarySearch(types, Type.NS) < 0) {
            throw new IllegalArgumentException("delegation " + name + " without NS");
        }
        if (kind.isDelegation() && (Arrays.binarySearch(types, Type.DS) >= 0) != (kind == NodeKind.SECURE_DELEGATION)) {
            throw new IllegalArgumentException("delegation " + name + " is " + kind + " but DS is "
                    + (kind == NodeKind.SECURE_DELEGATION ? "absent" : "present"));
        }
        types = shared(types);
    }

    private static final int[] NS_ONLY = {Type.NS};
    private static final int[] NS_DS = {Type.NS, Type.DS};

    /**
     * One array for the type sets of nearly every node of a large zone (a delegation's NS, or NS and DS),
     * never handed out ({@link #types} returns a copy): a million fewer arrays at a million delegations.
     */
    private static int[] shared(int[] types) {
        if (Arrays.equals(types, NS_ONLY)) {
            return NS_ONLY;
        }
        return Arrays.equals(types, NS_DS) ? NS_DS : types;
    }

    /** An empty non-terminal at {@code name}. */
    public static OwnerNode emptyNonTerminal(Name name) {
        return new OwnerNode(name, NodeKind.EMPTY_NON_TERMINAL, new int[0]);
    }

    @Override
    public int[] types() {
        return types.clone();
    }

    /** The types plus {@code extra}, sorted and without duplicates. */
    int[] typesWith(int... extra) {
        int[] all = Arrays.copyOf(types, types.length + extra.length);
        System.arraycopy(extra, 0, all, types.length, extra.length);
        return Arrays.stream(all).sorted().distinct().toArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OwnerNode n && n.name.equals(name) && n.kind == kind && Arrays.equals(n.types, types);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, kind, Arrays.hashCode(types));
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(name.toString()).append(' ').append(kind);
        for (int t : types) {
            b.append(' ').append(Type.string(t));
        }
        return b.toString();
    }
}
