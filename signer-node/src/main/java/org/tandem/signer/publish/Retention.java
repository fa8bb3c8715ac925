package org.tandem.signer.publish;

/**
 * How many published versions {@link ZoneDirectory} keeps per zone in {@code <dir>/<zone>/}.
 *
 * @param keepLast the number of newest versions (by serial, RFC 1982) kept; {@link Integer#MAX_VALUE}
 *     keeps every version
 */
public record Retention(int keepLast) {
    public Retention {
        if (keepLast < 1) {
            throw new IllegalArgumentException("retention must keep at least the current version, got " + keepLast);
        }
    }

    /** Keep every version (the demo's default: it shows each published serial). */
    public static Retention all() {
        return new Retention(Integer.MAX_VALUE);
    }

    /** Keep the {@code k} newest versions, the current one included. */
    public static Retention keepLast(int k) {
        return new Retention(k);
    }

    boolean keepsAll() {
        return keepLast == Integer.MAX_VALUE;
    }
}
