package org.tandem.signer.election;

import org.tandem.signer.SigningException;

/** The reference clock could not be read; the message names the reference (znode) and the cause. */
public final class ClockReferenceException extends SigningException {
    private static final long serialVersionUID = 1L;
    private final String reference;

    /**
     * @param reference what was read, e.g. the znode path
     * @param message why it failed
     */
    public ClockReferenceException(String reference, String message, Throwable cause) {
        super("clock reference " + reference + ": " + message, cause);
        this.reference = reference;
    }

    /** The reference (znode path) that could not be read. */
    public String reference() {
        return reference;
    }
}
