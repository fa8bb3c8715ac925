package org.tandem.keysync.audit;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A signed checkpoint: a {@link AuditOperation#CHECKPOINT} line that {@link AuditLog} appends every
 * {@link CheckpointPolicy#everyLines()} lines, every {@link CheckpointPolicy#every()} while lines are
 * unsigned, when a signing log is opened and when it is closed. Its signature covers the number of
 * lines before it, the hash of the line just before it (the chain head, which covers every earlier
 * line), its time, the interval and the key's fingerprint, so a log rewritten with recomputed hashes
 * no longer matches the checkpoints after the first changed line, and the rewriter, who lacks the
 * private key, cannot make new ones.
 *
 * <h2>Format</h2>
 *
 * <p>The line is an ordinary chained line (see {@link AuditLog}) with {@code op} {@code
 * "CHECKPOINT"}, {@code outcome} {@code "OK"}, {@code fp} the key's fingerprint (lowercase hex
 * SHA-256 of its X.509 SubjectPublicKeyInfo DER), {@code hsm} the HSM holding the key (empty for a
 * key in a file), and {@code detail}:
 *
 * <pre>
 * checkpoint lines=N head=&lt;64 hex&gt; every=E key=&lt;label&gt; alg=&lt;ecdsa-sha256|rsa-sha256&gt;
 * reason=&lt;why&gt; sig=&lt;base64&gt;
 * </pre>
 *
 * The signed statement is the UTF-8 text {@link #statement} (each item on its own line ending in
 * {@code \n}): {@code tandem audit checkpoint v1}, {@code lines N}, {@code head H}, {@code time T}
 * (the line's {@code time} field), {@code every E}, {@code key FP}. {@code ecdsa-sha256} is ECDSA over
 * SHA-256 with the signature as r‖s (IEEE P1363, what PKCS#11 {@code CKM_ECDSA} returns); {@code
 * rsa-sha256} is RSASSA-PKCS1-v1_5 with SHA-256. A checkpoint whose key could not sign is written
 * with outcome {@code "FAILED"} and the reason in {@code detail}; it proves nothing.
 *
 * @param lines the number of lines before the checkpoint line
 * @param head the hash of the line before it ({@link AuditLine#GENESIS} for none)
 * @param every the writer's {@link CheckpointPolicy#everyLines()}
 * @param keyLabel the signing key's label
 * @param algorithm {@link #ECDSA_SHA256} or {@link #RSA_SHA256}
 * @param reason why it was written: {@code open}, {@code lines}, {@code interval}, {@code close}
 * @param signature base64 of the signature over {@link #statement}
 */
public record AuditCheckpoint(
        long lines, String head, long every, String keyLabel, String algorithm, String reason, String signature) {
    /** ECDSA with SHA-256, signature r‖s. */
    public static final String ECDSA_SHA256 = "ecdsa-sha256";
    /** RSASSA-PKCS1-v1_5 with SHA-256. */
    public static final String RSA_SHA256 = "rsa-sha256";

    private static final Pattern TOKEN = Pattern.compile("[!-~]+");
    private static final Pattern DETAIL =
            Pattern.compile("checkpoint lines=(\\d{1,18}) head=([0-9a-f]{64}) every=(\\d{1,9})" + " key=([!-~]+) alg=("
                    + ECDSA_SHA256 + "|" + RSA_SHA256 + ") reason=([!-~]+) sig=([A-Za-z0-9+/=]+)");

    public AuditCheckpoint {
        AuditLine.requireHash(head, "head");
        Objects.requireNonNull(keyLabel, "keyLabel");
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(signature, "signature");
        if (lines < 0 || every < 1) {
            throw new IllegalArgumentException("lines must be >= 0 and every >= 1, got " + lines + ", " + every);
        }
        if (!TOKEN.matcher(keyLabel).matches() || !TOKEN.matcher(reason).matches()) {
            throw new IllegalArgumentException("key label and reason must be printable ASCII without spaces");
        }
        if (!algorithm.equals(ECDSA_SHA256) && !algorithm.equals(RSA_SHA256)) {
            throw new IllegalArgumentException("unknown checkpoint algorithm '" + algorithm + "'");
        }
    }

    /** The line's {@code detail}. */
    public String detail() {
        return "checkpoint lines=" + lines + " head=" + head + " every=" + every + " key=" + keyLabel + " alg="
                + algorithm + " reason=" + reason + " sig=" + signature;
    }

    /**
     * Parses a checkpoint line's {@code detail}.
     *
     * @throws IllegalArgumentException naming what does not match the format
     */
    public static AuditCheckpoint parse(String detail) {
        Matcher m = DETAIL.matcher(detail);
        if (!m.matches()) {
            throw new IllegalArgumentException("detail is not 'checkpoint lines=N head=H every=E key=L alg=A reason=R"
                    + " sig=S': '" + (detail.length() > 80 ? detail.substring(0, 80) + "..." : detail) + "'");
        }
        return new AuditCheckpoint(
                Long.parseLong(m.group(1)),
                m.group(2),
                Long.parseLong(m.group(3)),
                m.group(4),
                m.group(5),
                m.group(6),
                m.group(7));
    }

    /** The bytes that are signed; see the class comment. */
    public static byte[] statement(long lines, String head, String time, long every, String keyFingerprint) {
        return ("tandem audit checkpoint v1\nlines " + lines + "\nhead " + head + "\ntime " + time + "\nevery " + every
                        + "\nkey " + keyFingerprint + "\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Lowercase hex SHA-256 of the key's X.509 SubjectPublicKeyInfo DER. */
    public static String fingerprint(PublicKey key) {
        return AuditLine.sha256Hex(key.getEncoded());
    }

    /** The checkpoint algorithm for a key: {@link #ECDSA_SHA256} for EC, {@link #RSA_SHA256} for RSA. */
    public static String algorithmOf(PublicKey key) {
        return switch (key.getAlgorithm()) {
            case "EC" -> ECDSA_SHA256;
            case "RSA" -> RSA_SHA256;
            default ->
                throw new IllegalArgumentException(
                        "audit keys are EC or RSA, not " + key.getAlgorithm() + " (" + fingerprint(key) + ")");
        };
    }

    static String jcaName(String algorithm) {
        return switch (algorithm) {
            case ECDSA_SHA256 -> "SHA256withECDSAinP1363Format";
            case RSA_SHA256 -> "SHA256withRSA";
            default -> throw new IllegalArgumentException("unknown checkpoint algorithm '" + algorithm + "'");
        };
    }

    /** Whether {@code signature} is {@code key}'s signature over {@code data}; false for any malformed input. */
    public static boolean verifies(PublicKey key, String algorithm, byte[] data, byte[] signature) {
        try {
            Signature v = Signature.getInstance(jcaName(algorithm));
            v.initVerify(key);
            v.update(data);
            return v.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * A public key from PEM text: a {@code PUBLIC KEY} block (as {@link #toPem} writes) or a {@code
     * CERTIFICATE} (e.g. the coordinator's TLS certificate).
     *
     * @throws IllegalArgumentException when the text holds neither, or it cannot be parsed
     */
    public static PublicKey publicKeyFromPem(String text) {
        try {
            if (text.contains("-----BEGIN CERTIFICATE-----")) {
                return CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)))
                        .getPublicKey();
            }
            byte[] der = SoftwareAuditSigner.pem(text, "PUBLIC KEY");
            GeneralSecurityException last = null;
            for (String alg : new String[] {"EC", "RSA"}) {
                try {
                    return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(der));
                } catch (GeneralSecurityException e) {
                    last = e;
                }
            }
            throw new IllegalArgumentException("neither an EC nor an RSA public key: " + last.getMessage(), last);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a certificate: " + e.getMessage(), e);
        }
    }

    /** The key as a PEM {@code PUBLIC KEY} block. */
    public static String toPem(PublicKey key) {
        return "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    /** The signature's bytes; empty when the base64 is malformed. */
    byte[] signatureBytes() {
        try {
            return Base64.getDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }
}
