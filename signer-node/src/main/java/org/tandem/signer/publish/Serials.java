package org.tandem.signer.publish;

/** RFC 1982 serial number arithmetic on 32-bit SOA serials. */
final class Serials {
    private Serials() {}

    /** How far {@code older} lies behind {@code newer}, modulo 2^32 (0 when equal). */
    static long distance(long newer, long older) {
        return (newer - older) & 0xFFFF_FFFFL;
    }

    /** RFC 1982 §3.2: {@code a} is greater than {@code b}. */
    static boolean greater(long a, long b) {
        long d = distance(a, b);
        return d != 0 && d < 0x8000_0000L;
    }
}
