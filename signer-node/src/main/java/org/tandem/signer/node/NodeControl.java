package org.tandem.signer.node;

import java.util.List;
import org.tandem.keysync.key.ZoneName;

/**
 * What the signer node daemon offers to the outside: its status, a self-test and a step-down. The
 * daemon implements it; {@code org.tandem.signer.grpc.SignerNodeService} serves it over mutual TLS
 * and the metrics read {@link #status()}.
 *
 * <p>Contracts for implementations:
 *
 * <ul>
 *   <li>Thread-safe: gRPC calls arrive concurrently, on gRPC's executor, and the metrics scrape
 *       calls {@link #status()} from the HTTP server's thread.
 *   <li>{@link #status()} returns from memory, quickly (milliseconds), without HSM or ZooKeeper
 *       I/O, and never fails: a node whose HSM or ZooKeeper is down reports that in its status.
 *   <li>{@link #selfTest()} runs the capability canary and the key proof on every HSM for every
 *       zone now and may take seconds; a failed check is a result, not an exception.
 *   <li>{@link #stepDown(StepDownOrder)} stops signing and publishing <em>before</em> it leaves
 *       the election (INV-L2 order), then keeps the node out of the election for the hold-off. It
 *       is idempotent: on a node that does not lead it only (re)starts the hold-off.
 *   <li>{@link #reload(List)} only marks sources as changed (as the file watch does) and returns;
 *       the re-signing runs on the daemon's scheduler, never on the caller's thread.
 *   <li>Authorization is not the implementation's job: the gRPC service lets only operator and
 *       coordinator certificates reach {@link #selfTest()}, {@link #stepDown(StepDownOrder)} and
 *       {@link #reload(List)}, and only with zones that {@link #status()} lists.
 * </ul>
 */
public interface NodeControl {
    /** The node's state now; from memory, never blocks on HSM or ZooKeeper, never throws. */
    NodeStatus status();

    /**
     * Runs the canary and the key proof now, for every zone.
     *
     * @throws NodeUnavailableException when the checks cannot run at all (HSM or ZooKeeper down)
     * @throws NodeRefusedException when the node is stopping
     */
    SelfTestResult selfTest() throws NodeControlException;

    /**
     * Gives up leadership, if held, and stays out of the election for the hold-off.
     *
     * @throws NodeUnavailableException when ZooKeeper cannot be reached to leave the election (the
     *     node has stopped signing and publishing all the same)
     * @throws NodeRefusedException when the node refuses in its current state
     */
    StepDownResult stepDown(StepDownOrder order) throws NodeControlException;

    /**
     * Marks the zones' unsigned sources as changed ({@code signerctl reload}): the leader re-signs
     * them as soon as the re-sign floor allows; a standby takes the change in when it next leads.
     *
     * @param zones zones the node signs (as listed by {@link #status()}), at least one
     * @throws NodeRefusedException when the node is stopping
     */
    void reload(List<ZoneName> zones) throws NodeControlException;
}
