package org.tandem.signer.publish;

/**
 * Whether this node may serve zone transfers right now. The daemon passes its election lease check
 * (the leader's {@code Leadership.isValid()}), so that a node that lost or cannot confirm leadership
 * stops serving and notifying before another node can have been elected (INV-L3).
 *
 * <p>Contract: called on every request and before every message of a transfer, from several
 * threads; must be cheap, must not block and must not throw.
 */
@FunctionalInterface
public interface ServingPermit {
    boolean mayServe();

    /** Always yes: for a single node without an election (tests, a stand-alone signer). */
    static ServingPermit always() {
        return () -> true;
    }
}
