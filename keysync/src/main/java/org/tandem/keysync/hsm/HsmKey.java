package org.tandem.keysync.hsm;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyTag;
import org.tandem.keysync.key.ZoneName;

/**
 * One key found on an HSM, described as the HSM holds it: the private-key object, what its label
 * claims (zone, role, algorithm, key tag) and the public key read from the HSM's own public-key
 * object. The claims are not trusted: keysync compares {@link #publicKey()} with the manifest and
 * proves the private key by signing.
 *
 * @param ref the private-key object
 * @param label the object's {@code CKA_LABEL}
 * @param zone zone from the label
 * @param role role from the label
 * @param algorithm algorithm from the label
 * @param claimedTag key tag from the label
 * @param publicKey the public key from the HSM's public-key object with the same {@code CKA_ID},
 *     empty when that object is missing or unreadable
 * @param problem why {@code publicKey} is empty, or empty
 */
public record HsmKey(
        KeyRef ref,
        String label,
        ZoneName zone,
        KeyRole role,
        Algorithm algorithm,
        KeyTag claimedTag,
        Optional<DnssecKey> publicKey,
        Optional<String> problem) {
    public HsmKey {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(claimedTag, "claimedTag");
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(problem, "problem");
    }

    public HsmId hsm() {
        return ref.hsm();
    }

    /** The fingerprint of the HSM's public-key object, when it has one. */
    public Optional<Fingerprint> fingerprint() {
        return publicKey.map(DnssecKey::fingerprint);
    }

    /** True when the object's {@code CKA_ID} equals the fingerprint's bytes. */
    public boolean idClaims(Fingerprint fp) {
        return Arrays.equals(ref.objectId(), fp.bytes());
    }

    /** True when the object's public key is exactly {@code fp}'s key. */
    public boolean holds(Fingerprint fp) {
        return fingerprint().filter(fp::equals).isPresent();
    }

    /**
     * True when the object claims {@code key}'s identity, whatever it holds: its {@code CKA_ID} is
     * the key's fingerprint, or it has the key's role, algorithm and key tag. Another key pair that
     * claims a key is the DENIC 2026 fault; an import never overwrites it.
     */
    public boolean claims(DnssecKey key) {
        return idClaims(key.fingerprint())
                || (role == key.role() && algorithm == key.algorithm() && claimedTag.equals(key.keyTag()));
    }

    /** For messages: {@code ZSK 50913 on dc1-hsm1 (label ..., fp 71dae860)}. */
    public String describe() {
        return role + " " + claimedTag + " on " + hsm() + " (label '" + label + "', fp "
                + fingerprint().map(Fingerprint::shortHex).orElse("unknown") + ")";
    }
}
