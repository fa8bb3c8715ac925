package org.tandem.signer.sign;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * How the signer chooses the SOA serial of a newly signed zone (Knot's {@code serial-policy}). Whatever
 * the policy, the serial never goes backwards: the new serial is greater than the previous one in
 * RFC 1982 serial arithmetic, or else the previous one plus one. The serial of the unsigned zone
 * file is not used; the signer owns the published serial.
 */
public enum SerialPolicy {
    /** Previous serial + 1. */
    INCREMENT,
    /** Seconds since the Unix epoch (modulo 2^32). */
    UNIXTIME,
    /** {@code YYYYMMDDnn} in UTC, {@code nn} from 00; the previous + 1 when that is not greater. */
    DATESERIAL;

    /** 2^32: serials are unsigned 32-bit numbers. */
    public static final long MODULUS = 1L << 32;

    private static final long HALF = 1L << 31;

    /**
     * The serial for a zone signed at {@code now} whose last published serial was {@code previous}.
     *
     * @throws IllegalArgumentException when {@code previous} is not a 32-bit unsigned number
     */
    public long next(long previous, Instant now) {
        checkSerial(previous);
        long candidate = switch (this) {
            case INCREMENT -> add(previous, 1);
            case UNIXTIME -> Math.floorMod(now.getEpochSecond(), MODULUS);
            case DATESERIAL -> {
                LocalDate d = LocalDate.ofInstant(now, ZoneOffset.UTC);
                yield Math.floorMod(
                        (d.getYear() * 10_000L + d.getMonthValue() * 100L + d.getDayOfMonth()) * 100L, MODULUS);
            }
        };
        return isGreater(candidate, previous) ? candidate : add(previous, 1);
    }

    /** RFC 1982 §3.1: {@code s + n} for 0 ≤ n ≤ 2^31 − 1. */
    public static long add(long s, long n) {
        checkSerial(s);
        if (n < 0 || n >= HALF) {
            throw new IllegalArgumentException("RFC 1982 addition is defined for 0 to 2^31-1, got " + n);
        }
        return (s + n) % MODULUS;
    }

    /**
     * RFC 1982 §3.2: {@code s1 > s2}. False when they are equal and when they are exactly 2^31 apart
     * (undefined, so never treated as an increase).
     */
    public static boolean isGreater(long s1, long s2) {
        checkSerial(s1);
        checkSerial(s2);
        return (s1 < s2 && s2 - s1 > HALF) || (s1 > s2 && s1 - s2 < HALF);
    }

    private static void checkSerial(long s) {
        if (s < 0 || s >= MODULUS) {
            throw new IllegalArgumentException("SOA serial must be 0 to 4294967295, got " + s);
        }
    }
}
