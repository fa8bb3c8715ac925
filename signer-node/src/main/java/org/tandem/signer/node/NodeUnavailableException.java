package org.tandem.signer.node;

/**
 * The node cannot do the operation because something it depends on is down: an HSM, ZooKeeper.
 * The message names it (HSM name, connect string, connection state).
 */
public class NodeUnavailableException extends NodeControlException {
    private static final long serialVersionUID = 1L;

    public NodeUnavailableException(String node, String message, Throwable cause) {
        super(node, message, cause);
    }
}
