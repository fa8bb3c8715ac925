package org.tandem.keysync.key;

import java.security.PublicKey;
import java.util.Arrays;
import java.util.Objects;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;

/**
 * The public half of one DNSSEC key of one zone: zone, role, algorithm and the DNSKEY public-key
 * field. Flags, key tag and fingerprint are derived, so they can never disagree with the key.
 *
 * <p>Equality is by fingerprint (which covers zone, flags, algorithm and public key).
 */
public final class DnssecKey {
    private final ZoneName zone;
    private final KeyRole role;
    private final Algorithm algorithm;
    private final byte[] publicKey;
    private final DNSKEYRecord dnskey;
    private final KeyTag keyTag;
    private final Fingerprint fingerprint;

    private DnssecKey(ZoneName zone, KeyRole role, Algorithm algorithm, byte[] publicKey) {
        this.zone = Objects.requireNonNull(zone, "zone");
        this.role = Objects.requireNonNull(role, "role");
        this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(publicKey, "publicKey");
        if (publicKey.length == 0) {
            throw new IllegalArgumentException("empty public key for " + role + " of " + zone);
        }
        this.publicKey = publicKey.clone();
        this.dnskey = new DNSKEYRecord(
                zone.name(),
                DClass.IN,
                0,
                role.flags(),
                DNSKEYRecord.Protocol.DNSSEC,
                algorithm.number(),
                this.publicKey);
        this.keyTag = new KeyTag(dnskey.getFootprint());
        this.fingerprint =
                Fingerprint.of(new DSRecord(zone.name(), DClass.IN, 0, DNSSEC.Digest.SHA256, dnskey).getDigest());
    }

    /** From the DNSKEY public-key field (DNSSEC wire format for the algorithm). */
    public static DnssecKey of(ZoneName zone, KeyRole role, Algorithm algorithm, byte[] publicKey) {
        return new DnssecKey(zone, role, algorithm, publicKey);
    }

    /** From a JCA public key (EC or RSA); dnsjava encodes it as RFC 6605 / RFC 3110 require. */
    public static DnssecKey of(ZoneName zone, KeyRole role, Algorithm algorithm, PublicKey key) {
        try {
            DNSKEYRecord r = new DNSKEYRecord(
                    zone.name(), DClass.IN, 0, role.flags(), DNSKEYRecord.Protocol.DNSSEC, algorithm.number(), key);
            return new DnssecKey(zone, role, algorithm, r.getKey());
        } catch (DNSSEC.DNSSECException e) {
            throw new IllegalArgumentException(
                    "cannot encode " + key.getAlgorithm() + " key as DNSKEY algorithm " + algorithm.number() + ": "
                            + e.getMessage(),
                    e);
        }
    }

    public ZoneName zone() {
        return zone;
    }

    public KeyRole role() {
        return role;
    }

    public Algorithm algorithm() {
        return algorithm;
    }

    public int flags() {
        return role.flags();
    }

    /** The DNSKEY public-key field. */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    public KeyTag keyTag() {
        return keyTag;
    }

    public Fingerprint fingerprint() {
        return fingerprint;
    }

    /** The DNSKEY record at the zone apex with the given TTL. */
    public DNSKEYRecord dnskey(long ttl) {
        return new DNSKEYRecord(
                zone.name(), DClass.IN, ttl, role.flags(), DNSKEYRecord.Protocol.DNSSEC, algorithm.number(), publicKey);
    }

    /** The JCA public key, for verifying with a software provider. */
    public PublicKey jcaPublicKey() {
        try {
            return dnskey.getPublicKey();
        } catch (DNSSEC.DNSSECException e) {
            throw new IllegalStateException("DNSKEY of " + describe() + " does not decode: " + e.getMessage(), e);
        }
    }

    /** For messages: {@code ZSK 50913 (fp 71dae860, alg 13) of example.com.}. */
    public String describe() {
        return role + " " + keyTag + " (fp " + fingerprint.shortHex() + ", alg " + algorithm.number() + ") of " + zone;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DnssecKey other && fingerprint.equals(other.fingerprint) && role == other.role;
    }

    @Override
    public int hashCode() {
        return fingerprint.hashCode();
    }

    @Override
    public String toString() {
        return describe();
    }

    /** True when the public-key field is byte-for-byte the same. */
    public boolean samePublicKey(byte[] other) {
        return Arrays.equals(publicKey, other);
    }
}
