package org.tandem.signer.election;

/**
 * A clock this node's wall clock is compared with (INV-D5). {@link ZooKeeperClockReference} is the
 * implementation (the ZooKeeper leader's time); tests pass a fake.
 *
 * <p>Contract: called on the election thread, never concurrently with itself; blocks for one round
 * trip and should return within a few seconds.
 */
@FunctionalInterface
public interface ClockReference {
    /**
     * Reads the reference once.
     *
     * @throws ClockReferenceException if the reference cannot be read now (not connected, refused)
     * @throws InterruptedException if interrupted (the node is stopping)
     */
    ClockSample sample() throws ClockReferenceException, InterruptedException;
}
