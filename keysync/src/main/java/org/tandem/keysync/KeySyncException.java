package org.tandem.keysync;

/**
 * Base of every failure the keysync module reports. Subclasses carry the facts an operator needs
 * (zone, role, key tag, fingerprint, HSM) as fields, and their message names all of them.
 */
public class KeySyncException extends Exception {
    private static final long serialVersionUID = 1L;

    public KeySyncException(String message) {
        super(message);
    }

    public KeySyncException(String message, Throwable cause) {
        super(message, cause);
    }
}
