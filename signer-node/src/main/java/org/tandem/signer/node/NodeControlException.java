package org.tandem.signer.node;

import org.tandem.signer.SigningException;

/**
 * A {@link NodeControl} operation could not be done. The gRPC boundary turns
 * {@link NodeRefusedException} into {@code FAILED_PRECONDITION} and {@link NodeUnavailableException}
 * into {@code UNAVAILABLE}; the message goes to the caller as the status description.
 */
public abstract class NodeControlException extends SigningException {
    private static final long serialVersionUID = 1L;

    private final String node;

    protected NodeControlException(String node, String message, Throwable cause) {
        super("node " + node + ": " + message, cause);
        this.node = node;
    }

    /** The node's name. */
    public String node() {
        return node;
    }
}
