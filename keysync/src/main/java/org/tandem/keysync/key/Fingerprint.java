package org.tandem.keysync.key;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * A key's identity: the SHA-256 digest of a DS record for its DNSKEY (RFC 4509: owner name in
 * canonical wire form followed by the DNSKEY RDATA), 32 bytes. Equal fingerprints mean the same
 * zone, flags, algorithm and public key. The same value is the key's {@code CKA_ID} on every HSM.
 */
public final class Fingerprint implements Comparable<Fingerprint> {
    public static final int LENGTH = 32;

    private final byte[] bytes;

    private Fingerprint(byte[] bytes) {
        this.bytes = bytes;
    }

    public static Fingerprint of(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("fingerprint must be " + LENGTH + " bytes, got " + bytes.length);
        }
        return new Fingerprint(bytes.clone());
    }

    /** From 64 hex digits, as printed by {@link #hex()} and by {@code dnssec-dsfromkey -2}. */
    public static Fingerprint parse(String hex) {
        return of(HexFormat.of().parseHex(hex.trim().toLowerCase(Locale.ROOT)));
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    /** Lower-case hex, 64 digits. */
    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    /** The first 8 hex digits, for logs and tables ({@code key=<fp8>}). */
    public String shortHex() {
        return hex().substring(0, 8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Fingerprint other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public int compareTo(Fingerprint o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
