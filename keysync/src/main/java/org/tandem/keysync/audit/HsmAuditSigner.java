package org.tandem.keysync.audit;

import java.security.PublicKey;
import java.util.Objects;
import org.tandem.keysync.KeySyncException;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.HsmException;

/**
 * Signs checkpoints with an EC P-256 key pair inside an HSM labelled {@code tandem:audit:<node>}
 * ({@link #labelFor}); the private half is generated inside the HSM, sensitive and not extractable,
 * so it never exists outside it. {@link #open} creates the pair on first use.
 *
 * <p>IMPORTANT: whoever can log in to the HSM (the user PIN) can make it sign anything, checkpoints
 * included. The key protects the log against those who can write the file but cannot use the HSM,
 * and makes checkpoints already copied off the host unforgeable later; it is not a defence against
 * root on the node while it holds the PIN. Thread-safe when the HSM is. Does not own the HSM.
 */
public final class HsmAuditSigner implements AuditSigner {
    /** The label prefix of every audit-signing key. */
    public static final String LABEL_PREFIX = "tandem:audit:";

    private final Hsm hsm;
    private final String label;
    private final PublicKey publicKey;

    private HsmAuditSigner(Hsm hsm, String label, PublicKey publicKey) {
        this.hsm = hsm;
        this.label = label;
        this.publicKey = publicKey;
    }

    /** The label of {@code node}'s audit-signing key. */
    public static String labelFor(String node) {
        Objects.requireNonNull(node, "node");
        if (node.isBlank() || node.chars().anyMatch(c -> c <= ' ' || c == ':')) {
            throw new IllegalArgumentException("node name must be non-blank without spaces or ':', got '" + node + "'");
        }
        return LABEL_PREFIX + node;
    }

    /**
     * The audit-signing key of {@code node} in {@code hsm}, generated there if it holds none.
     *
     * @throws HsmException when the HSM cannot find, generate or read the key, or holds more than one
     */
    public static HsmAuditSigner open(Hsm hsm, String node) throws HsmException {
        Objects.requireNonNull(hsm, "hsm");
        String label = labelFor(node);
        return new HsmAuditSigner(hsm, label, hsm.auditKey(label));
    }

    @Override
    public String keyLabel() {
        return label;
    }

    @Override
    public String hsm() {
        return hsm.id().toString();
    }

    @Override
    public PublicKey publicKey() {
        return publicKey;
    }

    @Override
    public byte[] sign(byte[] statement) throws KeySyncException {
        return hsm.signAudit(label, statement);
    }

    @Override
    public String toString() {
        return "audit key " + label + " on HSM " + hsm.id() + " (" + AuditCheckpoint.fingerprint(publicKey) + ")";
    }
}
