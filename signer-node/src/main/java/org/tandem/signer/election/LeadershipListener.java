package org.tandem.signer.election;

/**
 * Told when this node gains and loses leadership.
 *
 * <p>Contract: called on the election's thread, one call at a time, in order ({@code gained} and
 * {@code lost} alternate for each {@link Leadership}). Return quickly; hand long work (signing) to
 * another thread that checks {@link Leadership#isValid()} before each irreversible step. A listener
 * that throws is logged and does not stop the election.
 *
 * <p>IMPORTANT: {@link #lost} comes after the leadership has already been revoked ({@code isValid()}
 * is false) but may come late (a paused JVM hears nothing); never rely on it for safety, rely on
 * {@link Leadership#isValid()} and on {@link PublishLedger#commit} refusing stale epochs.
 */
public interface LeadershipListener {
    /** This node leads under {@code leadership} (keys re-proven, epoch bumped). */
    void gained(Leadership leadership);

    /** {@code leadership} is over; stop signing and serving at once. */
    void lost(Leadership leadership, LossReason reason);
}
