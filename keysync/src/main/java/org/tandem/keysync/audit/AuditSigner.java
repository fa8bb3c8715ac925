package org.tandem.keysync.audit;

import java.security.PublicKey;
import org.tandem.keysync.KeySyncException;

/**
 * The key that signs an audit log's checkpoints (see {@link AuditCheckpoint}): on a signer node a
 * non-extractable key inside its HSM ({@link HsmAuditSigner}), on the coordinator, which has no
 * HSM, its TLS private key ({@link SoftwareAuditSigner}).
 *
 * <p>Contract: thread-safe; {@link #sign} returns a signature in the format {@link #algorithm()}
 * names, which {@link AuditCheckpoint#verifies} checks with {@link #publicKey()} alone.
 */
public interface AuditSigner {
    /** The key's label, e.g. {@code tandem:audit:dc1-signer}; written into every checkpoint. */
    String keyLabel();

    /** The HSM that holds the private key, for messages; empty for a key held in a file. */
    String hsm();

    /** The public half, to verify with and to export. */
    PublicKey publicKey();

    /** {@link AuditCheckpoint#ECDSA_SHA256} or {@link AuditCheckpoint#RSA_SHA256}. */
    default String algorithm() {
        return AuditCheckpoint.algorithmOf(publicKey());
    }

    /**
     * Signs {@code statement} (hashed with SHA-256 as part of the algorithm).
     *
     * @throws KeySyncException when the key cannot sign (HSM gone, key missing); the caller records
     *     the failure in the log and goes on
     */
    byte[] sign(byte[] statement) throws KeySyncException;
}
