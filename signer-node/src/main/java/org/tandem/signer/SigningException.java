package org.tandem.signer;

/**
 * Base of every failure the signer reports. Subclasses carry the facts an operator needs (zone,
 * file, line, owner, type, key tag, fingerprint, HSM) and their message names all of them.
 */
public class SigningException extends Exception {
    private static final long serialVersionUID = 1L;

    public SigningException(String message) {
        super(message);
    }

    public SigningException(String message, Throwable cause) {
        super(message, cause);
    }
}
