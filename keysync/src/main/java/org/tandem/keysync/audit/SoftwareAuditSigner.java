package org.tandem.keysync.audit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Objects;
import org.tandem.keysync.KeySyncException;

/**
 * Signs checkpoints with a private key held in a file, for a host without an HSM: the coordinator
 * signs its audit log's checkpoints with its TLS private key, and anyone verifies them with its
 * certificate (issued by the cluster CA).
 *
 * <p>IMPORTANT: whoever can read the key file can sign checkpoints: on the coordinator host that is
 * root and the coordinator's user, who can also write the log. The signature protects the log
 * against those who can change the file but cannot read the key (a backup, a log shipper, a copy),
 * and keeps checkpoints already copied elsewhere unforgeable after the key is replaced. Thread-safe.
 */
public final class SoftwareAuditSigner implements AuditSigner {
    private final String label;
    private final PrivateKey privateKey;
    private final PublicKey publicKey;

    /**
     * @param label names the key in every checkpoint, e.g. {@code tandem:audit:coordinator}
     * @param privateKey EC or RSA; must be the private half of {@code publicKey} (checked by signing)
     * @throws IllegalArgumentException when the halves do not match or the algorithm is neither
     */
    public SoftwareAuditSigner(String label, PrivateKey privateKey, PublicKey publicKey) {
        this.label = Objects.requireNonNull(label, "label");
        this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
        this.publicKey = Objects.requireNonNull(publicKey, "publicKey");
        byte[] probe = "tandem audit key probe".getBytes(StandardCharsets.US_ASCII);
        byte[] signature;
        try {
            signature = signWith(privateKey, AuditCheckpoint.algorithmOf(publicKey), probe);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("audit key " + label + " cannot sign: " + e.getMessage(), e);
        }
        if (!AuditCheckpoint.verifies(publicKey, AuditCheckpoint.algorithmOf(publicKey), probe, signature)) {
            throw new IllegalArgumentException("audit key " + label + ": the private key is not the private half of "
                    + "the public key " + AuditCheckpoint.fingerprint(publicKey));
        }
    }

    /**
     * Loads an unencrypted PKCS#8 PEM private key and the X.509 PEM certificate of its public half
     * (e.g. the coordinator's TLS key and certificate).
     *
     * @throws KeySyncException naming the file that cannot be read or parsed, or a mismatched pair
     */
    public static SoftwareAuditSigner load(String label, Path privateKeyPem, Path certificatePem)
            throws KeySyncException {
        PublicKey publicKey;
        try (InputStream in = Files.newInputStream(certificatePem)) {
            publicKey = CertificateFactory.getInstance("X.509")
                    .generateCertificate(in)
                    .getPublicKey();
        } catch (IOException | GeneralSecurityException e) {
            throw new KeySyncException("audit key " + label + ": certificate " + certificatePem + " unusable: " + e, e);
        }
        PrivateKey privateKey;
        try {
            byte[] der = pem(Files.readString(privateKeyPem, StandardCharsets.US_ASCII), "PRIVATE KEY");
            privateKey = KeyFactory.getInstance(publicKey.getAlgorithm()).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new KeySyncException(
                    "audit key " + label + ": private key " + privateKeyPem
                            + " unusable (an unencrypted PKCS#8 PEM key is needed): " + e.getMessage(),
                    e);
        }
        try {
            return new SoftwareAuditSigner(label, privateKey, publicKey);
        } catch (IllegalArgumentException e) {
            throw new KeySyncException(
                    e.getMessage() + " (key " + privateKeyPem + ", certificate " + certificatePem + ")", e);
        }
    }

    /** The DER between {@code -----BEGIN type-----} and {@code -----END type-----}. */
    static byte[] pem(String text, String type) {
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("no " + begin + " block");
        }
        return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
    }

    @Override
    public String keyLabel() {
        return label;
    }

    @Override
    public String hsm() {
        return "";
    }

    @Override
    public PublicKey publicKey() {
        return publicKey;
    }

    @Override
    public byte[] sign(byte[] statement) throws KeySyncException {
        try {
            return signWith(privateKey, algorithm(), statement);
        } catch (GeneralSecurityException e) {
            throw new KeySyncException("audit key " + label + " cannot sign: " + e.getMessage(), e);
        }
    }

    private static byte[] signWith(PrivateKey key, String algorithm, byte[] data) throws GeneralSecurityException {
        Signature s = Signature.getInstance(AuditCheckpoint.jcaName(algorithm));
        s.initSign(key);
        s.update(data);
        return s.sign();
    }

    @Override
    public String toString() {
        return "audit key " + label + " (" + AuditCheckpoint.fingerprint(publicKey) + ")";
    }
}
