package org.tandem.signer.nsec;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import org.xbill.DNS.Name;

/**
 * Finds the empty non-terminals of a zone: names between the apex and an owner that hold no data
 * themselves (RFC 5155 §7.1; RFC 4592 §2.2.2). {@code b.example.} is one when {@code a.b.example.}
 * exists and {@code b.example.} does not.
 */
public final class EmptyNonTerminals {
    private EmptyNonTerminals() {}

    /**
     * Returns {@code nodes} with an {@link NodeKind#EMPTY_NON_TERMINAL} node inserted for every
     * missing ancestor, still in canonical order.
     *
     * @param apex the zone apex
     * @param nodes the zone's owner names with data, apex first, in strictly increasing canonical
     *     order (RFC 4034 §6.1), none below a zone cut, none an empty non-terminal
     * @throws IllegalArgumentException when the nodes are not in order, not below the apex, or
     *     already contain an empty non-terminal
     */
    public static List<OwnerNode> insert(Name apex, List<OwnerNode> nodes) {
        Objects.requireNonNull(apex, "apex");
        if (nodes.isEmpty() || !nodes.get(0).name().equals(apex) || nodes.get(0).kind() != NodeKind.APEX) {
            throw new IllegalArgumentException("the first node must be the apex " + apex);
        }
        List<OwnerNode> out = new ArrayList<>(nodes.size() + 16);
        // In canonical order a name's descendants follow it as one block, so the names on this stack
        // (each an ancestor of the next) are exactly the existing ancestors of the current name.
        Deque<Name> path = new ArrayDeque<>();
        Name previous = null;
        for (OwnerNode node : nodes) {
            Name name = node.name();
            if (previous != null && previous.compareTo(name) >= 0) {
                throw new IllegalArgumentException(
                        "owner names not in strictly increasing canonical order: " + previous + " then " + name);
            }
            if (!name.subdomain(apex)) {
                throw new IllegalArgumentException(name + " is not at or below the apex " + apex);
            }
            if (node.kind() == NodeKind.EMPTY_NON_TERMINAL) {
                throw new IllegalArgumentException("input already holds the empty non-terminal " + name);
            }
            while (!path.isEmpty() && !name.subdomain(path.peek())) {
                path.pop();
            }
            int have = path.isEmpty() ? name.labels() : path.peek().labels();
            for (int labels = have + 1; labels < name.labels(); labels++) {
                Name ent = new Name(name, name.labels() - labels); // shallowest first
                out.add(OwnerNode.emptyNonTerminal(ent));
                path.push(ent);
            }
            out.add(node);
            path.push(name);
            previous = name;
        }
        return out;
    }
}
