package org.tandem.signer.sign;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.KeyRef;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.Record;

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
 * <p>A key may also sign without being published ({@link #published()} false): an algorithm rollover's
 * PRE_ACTIVE key (its signatures before its DNSKEY) or POST_ACTIVE key (its signatures after its DNSKEY
 * left), RFC 6781 §4.1.4. Its DNSKEY is not in the DNSKEY RRset; validators that do not know it ignore its
 * RRSIGs.
 *
 * @param signs true when the key signs; false for a key that is only published
 * @param published true when its DNSKEY is in the DNSKEY RRset
 */
public record SigningKey(DnssecKey key, Hsm hsm, KeyRef ref, boolean signs, boolean published) {
    /** A key that is published and signs. */
    public SigningKey(DnssecKey key, Hsm hsm, KeyRef ref) {
        this(key, hsm, ref, true);
    }

    /** A published key that signs or not. */
    public SigningKey(DnssecKey key, Hsm hsm, KeyRef ref, boolean signs) {
        this(key, hsm, ref, signs, true);
    }

    public SigningKey {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(hsm, "hsm");
        Objects.requireNonNull(ref, "ref");
        if (!signs && !published) {
            throw new IllegalArgumentException(key.describe() + " neither signs nor is published");
        }
        if (!ref.hsm().equals(hsm.id())) {
            throw new IllegalArgumentException("key object " + ref + " belongs to HSM " + ref.hsm() + ", not to "
                    + hsm.id() + " (" + key.describe() + ")");
        }
    }

    /** The same key, published but not signing. */
    public SigningKey publishedOnly() {
        return new SigningKey(key, hsm, ref, false, true);
    }

    /** The DNSKEY records of the keys that sign without being published (see the class comment). */
    public static List<DNSKEYRecord> unpublishedSigners(List<SigningKey> keys, long ttl) {
        return keys.stream()
                .filter(k -> k.signs() && !k.published())
                .map(k -> k.key().dnskey(ttl))
                .toList();
    }

    /** The DNSKEY RRset's records: those of the {@link #published()} keys. */
    public static List<Record> dnskeys(List<SigningKey> keys, long ttl) {
        List<Record> out = new ArrayList<>();
        for (SigningKey k : keys) {
            if (k.published()) {
                out.add(k.key().dnskey(ttl));
            }
        }
        return out;
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
        return key.describe() + " on " + hsm.id()
                + (signs ? (published ? "" : " (signing, DNSKEY not published)") : " (published, not signing)");
    }
}
