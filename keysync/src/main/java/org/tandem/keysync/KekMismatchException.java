package org.tandem.keysync;

/** HSMs that must exchange keys do not share the cluster KEK (or one has none). */
public class KekMismatchException extends KeySyncException {
    private static final long serialVersionUID = 1L;

    public KekMismatchException(String message) {
        super(message);
    }
}
