package org.tandem.chaos.cluster;

/** The harness could not set up, drive or observe the cluster; the message says what and where to look. */
public final class ChaosException extends RuntimeException {
    public ChaosException(String message) {
        super(message);
    }

    public ChaosException(String message, Throwable cause) {
        super(message, cause);
    }
}
