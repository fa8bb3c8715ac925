package org.tandem.signer.election;

/** RFC 1982 serial number arithmetic for 32-bit SOA serials, held in a {@code long} 0 .. 2^32-1. */
final class Serials {
    static final long MODULUS = 1L << 32;
    private static final long HALF = 1L << 31;

    private Serials() {}

    /** @throws IllegalArgumentException if {@code serial} is not in 0 .. 2^32-1 */
    static long check(long serial) {
        if (serial < 0 || serial >= MODULUS) {
            throw new IllegalArgumentException("SOA serial must be in 0..4294967295, got " + serial);
        }
        return serial;
    }

    /**
     * RFC 1982 §3.2: {@code a} is greater than {@code b}. Undefined pairs (exactly 2^31 apart) are not
     * greater, so they are refused rather than guessed.
     */
    static boolean greater(long a, long b) {
        check(a);
        check(b);
        return (a < b && b - a > HALF) || (a > b && a - b < HALF);
    }

    /** RFC 1982 §3.1: {@code serial + 1} modulo 2^32. */
    static long increment(long serial) {
        return (check(serial) + 1) % MODULUS;
    }
}
