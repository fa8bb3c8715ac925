package org.tandem.cli.probe;

/**
 * The probe cannot judge the zone (no answer, a refusal, an unreadable trust anchor, bad arguments):
 * the verdict is UNKNOWN. The message names zone, server or file.
 */
final class ProbeUnknownException extends Exception {
    private static final long serialVersionUID = 1L;

    ProbeUnknownException(String message) {
        super(message);
    }

    ProbeUnknownException(String message, Throwable cause) {
        super(message, cause);
    }
}
