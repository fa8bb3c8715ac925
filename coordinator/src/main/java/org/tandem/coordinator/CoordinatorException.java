package org.tandem.coordinator;

/**
 * The base of the coordinator's checked exceptions: the message names what failed (file, key path,
 * node, zone) and why.
 */
public class CoordinatorException extends Exception {
    private static final long serialVersionUID = 1L;

    public CoordinatorException(String message) {
        super(message);
    }

    public CoordinatorException(String message, Throwable cause) {
        super(message, cause);
    }
}
