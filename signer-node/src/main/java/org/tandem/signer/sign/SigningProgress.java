package org.tandem.signer.sign;

/**
 * Told how far a long signing run has got, so that a CLI can print progress. Called on the thread
 * that called {@link ZoneSigner#sign}, never concurrently: after every {@code interval} RRsets (see
 * {@link ZoneSigner#ZoneSigner(SigningProgress, int)}) and once when all are done. It must return
 * quickly; it cannot stop the run.
 */
@FunctionalInterface
public interface SigningProgress {
    /** Reports nothing. */
    SigningProgress NONE = (done, total, signatures) -> {};

    /**
     * @param rrsetsDone RRsets processed so far (signed or, for delegation NS and glue, only ordered)
     * @param rrsetsTotal RRsets in the run
     * @param signatures RRSIGs made so far
     */
    void progress(long rrsetsDone, long rrsetsTotal, long signatures);
}
