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
 * @param key the public key, its role (KSK, ZSK, CSK) and algorithm
 * @param hsm the HSM holding the private key; the caller that opened it closes it
 * @param ref the private-key object on {@code hsm}
 */
public record SigningKey(DnssecKey key, Hsm hsm, KeyRef ref) {
    public SigningKey {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(hsm, "hsm");
        Objects.requireNonNull(ref, "ref");
        if (!ref.hsm().equals(hsm.id())) {
            throw new IllegalArgumentException("key object " + ref + " belongs to HSM " + ref.hsm() + ", not to "
                    + hsm.id() + " (" + key.describe() + ")");
        }
    }

    /** True for a KSK or CSK: signs the apex DNSKEY, CDS and CDNSKEY RRsets. */
    public boolean signsKeys() {
        return key.role() == KeyRole.KSK || key.role() == KeyRole.CSK;
    }

    /** True for a ZSK or CSK: signs every other authoritative RRset. */
    public boolean signsData() {
        return key.role() == KeyRole.ZSK || key.role() == KeyRole.CSK;
    }

    @Override
    public String toString() {
        return key.describe() + " on " + hsm.id();
    }
}
