package org.tandem.keysync.hsm;

/**
 * The HSM cannot be used at all: library missing, token not present, wrong PIN, device removed.
 * Nothing was changed on it.
 */
public class HsmUnavailableException extends HsmException {
    private static final long serialVersionUID = 1L;

    public HsmUnavailableException(HsmId hsm, String message) {
        super(hsm, message);
    }

    public HsmUnavailableException(HsmId hsm, String message, Throwable cause) {
        super(hsm, message, cause);
    }
}
