package org.tandem.signer.node;

/** The node refuses the operation in its current state (e.g. it is stopping); nothing was done. */
public class NodeRefusedException extends NodeControlException {
    private static final long serialVersionUID = 1L;

    public NodeRefusedException(String node, String message) {
        super(node, message, null);
    }
}
