package org.tandem.chaos.net;

/** Setting up, breaking or removing the harness's network failed; the message names the command. */
public final class NetworkException extends RuntimeException {
    NetworkException(String message) {
        super(message);
    }

    NetworkException(String message, Throwable cause) {
        super(message, cause);
    }
}
