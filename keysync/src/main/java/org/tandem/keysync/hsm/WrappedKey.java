package org.tandem.keysync.hsm;

import java.util.Objects;
import org.tandem.keysync.key.DnssecKey;

/**
 * A private key wrapped under the cluster key-encryption key, with its public half. Useless
 * without an HSM holding the same KEK (checked by {@code kekCheckValue}).
 *
 * @param key the key's public description; the importer proves the unwrapped key against it
 * @param mechanism the PKCS#11 wrapping mechanism (0x210A, CKM_AES_KEY_WRAP_PAD, RFC 5649)
 * @param blob the wrapped PKCS#8 private key
 * @param kekCheckValue first 3 bytes of AES-ECB(KEK, 16 zero bytes)
 */
public record WrappedKey(DnssecKey key, long mechanism, byte[] blob, byte[] kekCheckValue) {
    public WrappedKey {
        Objects.requireNonNull(key, "key");
        blob = Objects.requireNonNull(blob, "blob").clone();
        kekCheckValue = Objects.requireNonNull(kekCheckValue, "kekCheckValue").clone();
    }

    @Override
    public byte[] blob() {
        return blob.clone();
    }

    @Override
    public byte[] kekCheckValue() {
        return kekCheckValue.clone();
    }
}
