package org.tandem.signer.nsec;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.xbill.DNS.DClass;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/**
 * The NSEC chain (RFC 4034 §4, RFC 4035 §2.3): one NSEC per owner name with data, zone cuts
 * included, empty non-terminals and names below a cut excluded; the last points back to the apex.
 * Next names are written in lower case, so RFC 6840 §5.1 (NSEC no longer down-cased for
 * signing) and older validators agree.
 */
public final class NsecChain {
    private NsecChain() {}

    /**
     * Builds the chain.
     *
     * @param apex the zone apex
     * @param nodes the zone's nodes in strictly increasing canonical order, apex first; empty
     *     non-terminals may be present and are skipped
     * @param ttl the NSEC TTL: min(SOA TTL, SOA MINIMUM) per RFC 9077
     * @return the NSEC records in canonical order of their owners
     */
    public static List<NSECRecord> build(Name apex, List<OwnerNode> nodes, long ttl) {
        Objects.requireNonNull(apex, "apex");
        if (nodes.isEmpty()
                || nodes.get(0).kind() != NodeKind.APEX
                || !nodes.get(0).name().equals(apex)) {
            throw new IllegalArgumentException("the first node must be the apex " + apex);
        }
        List<OwnerNode> withData = new ArrayList<>(nodes.size());
        Name previous = null;
        for (OwnerNode n : nodes) {
            if (previous != null && previous.compareTo(n.name()) >= 0) {
                throw new IllegalArgumentException(
                        "owner names not in strictly increasing canonical order: " + previous + " then " + n.name());
            }
            previous = n.name();
            if (n.kind() != NodeKind.EMPTY_NON_TERMINAL) {
                withData.add(n);
            }
        }
        List<NSECRecord> chain = new ArrayList<>(withData.size());
        for (int i = 0; i < withData.size(); i++) {
            OwnerNode n = withData.get(i);
            Name next = i + 1 < withData.size() ? withData.get(i + 1).name() : apex;
            // RFC 4035 §2.3: the bitmap lists the NSEC itself and its RRSIG too.
            chain.add(record(n, next, ttl));
        }
        return chain;
    }

    /**
     * The NSEC of one node, as {@link #build} makes it: for re-making the records around a change
     * (incremental re-sign) without rebuilding the chain.
     *
     * @param node a node with data (not an empty non-terminal)
     * @param next the next name with data in canonical order, or the apex after the last
     */
    public static NSECRecord record(OwnerNode node, Name next, long ttl) {
        if (node.kind() == NodeKind.EMPTY_NON_TERMINAL) {
            throw new IllegalArgumentException("an empty non-terminal has no NSEC: " + node.name());
        }
        // RFC 4035 §2.3: the bitmap lists the NSEC itself and its RRSIG too.
        return new NSECRecord(node.name(), DClass.IN, ttl, next, node.typesWith(Type.NSEC, Type.RRSIG));
    }
}
