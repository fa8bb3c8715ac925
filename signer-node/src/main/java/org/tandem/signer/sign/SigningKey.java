package org.tandem.signer.sign;

import java.util.Objects;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.KeyRef;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;

/**
 * A key the signer signs with: the public half (as published in the DNSKEY RRset) and the private
 * half on one HSM.
 *
 * <p>IMPORTANT: nothing here proves that {@code ref} holds the private half of {@code key}; keysync's
 * possession proof does, and the capability canary re-checks it by verifying a signature of every
 * record type against {@code key} before a run (DENIC 2026: a zone signed with keys that did not
 * match the published DNSKEYs).
 *
 * <p>A key may be published without signing ({@link #signs()} false): it is in the DNSKEY RRset
 * but makes no RRSIG, like a RETIRED key (RFC 7583 §3.3), or a key a new leader may not sign with
 * yet because resolvers may still hold a DNSKEY RRset without it (the published-long-enough check).
 *
 * @param key the public key, its role (KSK, ZSK, CSK) and algorithm
 * @param hsm the HSM holding the private key; the caller that opened it closes it
 * @param ref the private-key object on {@code hsm}
 * @param signs true when the key signs; false for a key that is only published
 */
public record SigningKey(DnssecKey key, Hsm hsm, KeyRef ref, boolean signs) {
    /** A key that is published and signs. */
    public SigningKey(DnssecKey key, Hsm hsm, KeyRef ref) {
        this(key, hsm, ref, true);
    }

    public SigningKey {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(hsm, "hsm");
        Objects.requireNonNull(ref, "ref");
        if (!ref.hsm().equals(hsm.id())) {
            throw new IllegalArgumentException("key object " + ref + " belongs to HSM " + ref.hsm() + ", not to "
                    + hsm.id() + " (" + key.describe() + ")");
        }
    }

    /** The same key, published but not signing. */
    public SigningKey publishedOnly() {
        return new SigningKey(key, hsm, ref, false);
    }

    /** True for a KSK or CSK: signs the apex DNSKEY, CDS and CDNSKEY RRsets (when it {@link #signs()}). */
    public boolean signsKeys() {
        return key.role() == KeyRole.KSK || key.role() == KeyRole.CSK;
    }

    /** True for a ZSK or CSK: signs every other authoritative RRset (when it {@link #signs()}). */
    public boolean signsData() {
        return key.role() == KeyRole.ZSK || key.role() == KeyRole.CSK;
    }

    @Override
    public String toString() {
        return key.describe() + " on " + hsm.id() + (signs ? "" : " (published, not signing)");
    }
}
