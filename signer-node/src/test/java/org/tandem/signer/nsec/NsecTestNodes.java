package org.tandem.signer.nsec;

import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/** Helpers for building nodes in tests. */
final class NsecTestNodes {
    private NsecTestNodes() {}

    static Name name(String text) {
        try {
            return Name.fromString(text).canonicalize();
        } catch (TextParseException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static OwnerNode node(String name, NodeKind kind, int... types) {
        return new OwnerNode(name(name), kind, types);
    }
}
