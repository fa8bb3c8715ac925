package org.tandem.keysync.hsm;

import java.security.PublicKey;
import java.util.List;
import java.util.Optional;
import org.tandem.keysync.key.ZoneName;

/**
 * One HSM (one token): persistent storage of DNSSEC private keys and the crypto done with them.
 *
 * <p>Thread-safety: implementations are safe for concurrent use; operations on one HSM may run in
 * parallel (several sessions). The caller that opened an {@code Hsm} closes it; {@link KeyRef}s
 * from it are invalid afterwards.
 *
 * <p>IMPORTANT: an HSM reports what it holds; it is never trusted about identity. Compare the
 * public key it reports with the manifest, and prove the private key by signing ({@code proof}).
 */
public interface Hsm extends AutoCloseable {
    /** The operator's name for this HSM, used in every message. */
    HsmId id();

    /** Every key of the zone this HSM holds (private-key objects labelled for Tandem). */
    List<HsmKey> list(ZoneName zone) throws HsmException;

    /** Generates a persistent key pair, extractable only under wrap, labelled and identified. */
    HsmKey generate(KeySpec spec) throws HsmException;

    /**
     * Signs {@code data} (the RRSIG signing input of RFC 4034 §3.1.8.1, not a digest) and returns
     * the signature in DNSSEC wire format (RFC 6605 r‖s for ECDSA, RFC 5702 for RSA). A key handle the
     * token no longer knows (its objects were replaced under the process) is found again by the key's
     * object id once; what it signs is judged, as every signature is, by the proof and the gate.
     */
    byte[] sign(KeyRef key, byte[] data) throws HsmException;

    /** Wraps the private key under this HSM's cluster KEK. */
    WrappedKey wrap(HsmKey key) throws HsmException;

    /** Unwraps into a persistent object with the key's label and {@code CKA_ID}; adds its public key. */
    HsmKey unwrap(WrappedKey wrapped) throws HsmException;

    /** Destroys the private-key object and the public-key object that share its {@code CKA_ID}. */
    void delete(KeyRef key) throws HsmException;

    /** The KEK's check value, or empty when this HSM holds no cluster KEK yet. */
    Optional<byte[]> kekCheckValue() throws HsmException;

    /** Generates the cluster KEK (first HSM of a cluster only); returns its check value. */
    byte[] generateKek() throws HsmException;

    /** Step 1 of enrolment, on the new HSM: a fresh RSA key-transport key pair inside it. */
    TransportKey newTransportKey() throws HsmException;

    /**
     * Step 2, on an HSM holding the KEK: the KEK wrapped under the new HSM's transport key. Only the
     * public half is used, so a {@link TransportKey#publicHalf} from another node will do.
     */
    byte[] exportKek(TransportKey transportKey) throws HsmException;

    /**
     * Step 3, on the new HSM: unwraps the KEK, keeps it only if its check value is {@code
     * expectedCheckValue} (the holder's; the HSM compares, the message says "KEK differs"
     * otherwise and nothing is kept); destroys the transport key; returns the KEK check value.
     */
    byte[] importKek(TransportKey transportKey, byte[] wrappedKek, byte[] expectedCheckValue) throws HsmException;

    /**
     * The objects on this HSM that break the key attribute policy (a DNSSEC private key or the KEK
     * that the user PIN alone could get out, a KEK that encrypts or decrypts); empty when all is well.
     */
    default List<KeyPolicyViolation> keyPolicyViolations() throws HsmException {
        return List.of();
    }

    /**
     * Destroys the private half of a transport key this HSM made and that was never used (an
     * enrolment abandoned or expired). Destroys nothing else: an object at that handle that is not
     * this transport key's private half is left alone. Does nothing when it is gone already.
     *
     * @throws HsmException when the HSM cannot do it; the private half then lives until the HSM is
     *     closed (it is a session object)
     */
    default void destroyTransportKey(TransportKey transportKey) throws HsmException {
        throw new HsmException(
                id(),
                "cannot destroy transport keys; the private half of " + transportKey.hsm()
                        + "'s transport key goes when the HSM is closed");
    }

    /**
     * Destroys the cluster KEK, only if its check value is {@code checkValue}: undoes an enrolment
     * that produced a wrong KEK. IMPORTANT: never call it for a KEK that wraps keys in use.
     *
     * @throws HsmException when the HSM holds no KEK, a KEK with another check value (not
     *     destroyed), or cannot destroy it
     */
    default void destroyKek(byte[] checkValue) throws HsmException {
        throw new HsmException(id(), "cannot destroy its cluster KEK through Tandem; remove the KEK object by hand");
    }

    /**
     * The public half of the audit-signing key labelled {@code label} (an EC P-256 pair whose private
     * half is sensitive and not extractable), generating the pair inside this HSM if it holds none.
     * Used to sign audit checkpoints ({@code org.tandem.keysync.audit.HsmAuditSigner}), nothing else.
     *
     * @throws HsmException when the HSM cannot find, generate or read it, or holds more than one
     */
    default PublicKey auditKey(String label) throws HsmException {
        throw new HsmException(id(), "cannot hold audit-signing keys (wanted " + label + ")");
    }

    /**
     * Signs {@code data} with the audit-signing key labelled {@code label}: ECDSA over SHA-256, the
     * signature as r‖s (IEEE P1363).
     *
     * @throws HsmException when the key is missing or the HSM cannot sign
     */
    default byte[] signAudit(String label, byte[] data) throws HsmException {
        throw new HsmException(id(), "cannot sign with audit-signing keys (wanted " + label + ")");
    }

    /**
     * Why the token does not answer now, or empty when it is there (INV-K6). Cheap enough to ask
     * every second. An HSM that cannot tell answers empty.
     */
    default Optional<String> absence() {
        return Optional.empty();
    }

    /**
     * Opens the token again in this running process after it was removed and put back (or its
     * sessions were lost). Every {@link KeyRef} from before is resolved again by its object id. The
     * caller proves the keys again ({@code proof}) before it signs with them.
     *
     * @throws HsmException the token is still absent or cannot be opened; the message names the token
     *     and the PKCS#11 error
     */
    default void reopen() throws HsmException {
        throw new HsmUnavailableException(id(), "cannot be opened again in a running process; restart the node");
    }

    @Override
    void close();
}
