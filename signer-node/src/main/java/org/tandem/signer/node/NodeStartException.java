package org.tandem.signer.node;

import java.util.Objects;

/**
 * The node cannot start: a part it needs before it can do anything (an HSM, the transfer address)
 * failed. Everything opened so far was closed again.
 */
public final class NodeStartException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String node;
    private final String part;

    public NodeStartException(String node, String part, String reason, Throwable cause) {
        super(
                "node " + Objects.requireNonNull(node, "node") + ": cannot start "
                        + Objects.requireNonNull(part, "part") + ": " + reason,
                cause);
        this.node = node;
        this.part = part;
    }

    /** The node's name. */
    public String node() {
        return node;
    }

    /** What failed: {@code HSM dc1-hsm1}, {@code transfer server}. */
    public String part() {
        return part;
    }
}
