package org.tandem.signer.node;

/** The state of the validation gate or of the capability canary for one zone. */
public enum CheckState {
    /** Not run since the node started. */
    NOT_RUN,
    /** The last run passed. */
    PASSED,
    /** The last run failed. */
    FAILED
}
