package org.tandem.keysync.key;

import org.xbill.DNS.DNSSEC;

/** The DNSSEC signing algorithms Tandem generates keys for (RFC 8624 "MUST"/"RECOMMENDED" set, and Ed25519). */
public enum Algorithm {
    /** 8: RSA/SHA-256 (RFC 5702), 2048-bit modulus, exponent 65537. */
    RSASHA256(DNSSEC.Algorithm.RSASHA256, "SHA-256", 2048),
    /** 13: ECDSA P-256 with SHA-256 (RFC 6605), the default. */
    ECDSAP256SHA256(DNSSEC.Algorithm.ECDSAP256SHA256, "SHA-256", 256),
    /** 14: ECDSA P-384 with SHA-384 (RFC 6605). */
    ECDSAP384SHA384(DNSSEC.Algorithm.ECDSAP384SHA384, "SHA-384", 384),
    /** 15: Ed25519 (RFC 8080); signs the message itself (pure EdDSA), no separate digest. */
    ED25519(DNSSEC.Algorithm.ED25519, "", 256);

    private final int number;
    private final String digest;
    private final int bits;

    Algorithm(int number, String digest, int bits) {
        this.number = number;
        this.digest = digest;
        this.bits = bits;
    }

    /** The DNSSEC algorithm number as in DNSKEY and RRSIG records. */
    public int number() {
        return number;
    }

    /** JCA name of the digest the signature covers; empty for EdDSA, which hashes internally. */
    public String digest() {
        return digest;
    }

    /** Curve size or RSA modulus size in bits. */
    public int bits() {
        return bits;
    }

    /** ECDSA (13, 14): the HSM signs a digest, the signature is r | s. */
    public boolean isEcdsa() {
        return this == ECDSAP256SHA256 || this == ECDSAP384SHA384;
    }

    /** EdDSA (15): the HSM signs the whole message (RFC 8080 §4), the signature is 64 bytes. */
    public boolean isEddsa() {
        return this == ED25519;
    }

    /** By DNSSEC number or mnemonic: {@code 13}, {@code ECDSAP256SHA256}. */
    public static Algorithm parse(String text) {
        String t = text.trim();
        for (Algorithm a : values()) {
            if (a.name().equalsIgnoreCase(t) || Integer.toString(a.number).equals(t)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unsupported DNSSEC algorithm '" + text
                + "' (supported: 8 RSASHA256, 13 ECDSAP256SHA256, 14 ECDSAP384SHA384, 15 ED25519)");
    }

    public static Algorithm of(int number) {
        for (Algorithm a : values()) {
            if (a.number == number) {
                return a;
            }
        }
        throw new IllegalArgumentException("unsupported DNSSEC algorithm " + number);
    }
}
