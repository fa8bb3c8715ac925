package org.tandem.signer.election;

/**
 * The checks a node runs after it has won the latch and re-proven its keys, and before it bumps the
 * epoch and leads: every check of the coordinator's preflight that does not need the old leader
 * (published-long-enough, the capability canary; see the table in docs/architecture.md). A refusal makes the node
 * leave the election ({@link LossReason#TAKEOVER_REFUSED}) without bumping the epoch: it never led.
 *
 * <p>Contract: called by the election on its own thread, once per win, never concurrently with
 * itself or with the {@link KeySyncCheck}. It blocks (zone sources, HSM signatures, ZooKeeper reads)
 * and should return within seconds. Every problem is reported in the verdict, not thrown; a {@link
 * RuntimeException} refuses the takeover with its message.
 */
@FunctionalInterface
public interface TakeoverCheck {
    /**
     * @return the outcome of every check; {@link TakeoverVerdict#refused()} keeps the node from leading
     * @throws InterruptedException if interrupted (the election is closing)
     */
    TakeoverVerdict check() throws InterruptedException;
}
