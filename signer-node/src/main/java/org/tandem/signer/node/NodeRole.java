package org.tandem.signer.node;

/** The node's role in the cluster, as {@code GetStatus} and the {@code tandem_leader} metric show it. */
public enum NodeRole {
    /** Holds leadership and the current epoch: signs and publishes. */
    LEADER,
    /** In the election, ready to take over: key-synced, canary passed. */
    STANDBY,
    /** Out of the election because it cannot do the job; {@link NodeStatus#reasons()} says why. */
    NOT_ELIGIBLE,
    /** Starting up or shutting down: neither signs nor takes part in the election. */
    STOPPED
}
