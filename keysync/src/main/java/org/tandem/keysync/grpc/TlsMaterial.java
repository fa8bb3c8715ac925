package org.tandem.keysync.grpc;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files a node uses for mutual TLS on every gRPC channel: its certificate chain, its private
 * key and the cluster CA it trusts for peers.
 *
 * <p>Contracts:
 *
 * <ul>
 *   <li>{@code certificateChain}: PEM, the node's certificate first, then intermediates if any.
 *   <li>{@code privateKey}: unencrypted PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}), EC or
 *       RSA, belonging to the first certificate of the chain. gRPC's TLS cannot read SEC1
 *       ({@code BEGIN EC PRIVATE KEY}) or PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) keys;
 *       {@link #check()} refuses them with the {@code openssl} command that converts them.
 *   <li>{@code trustedCertificates}: PEM, the cluster CA. Peers are accepted when their chain
 *       leads to one of these certificates, and only then.
 * </ul>
 *
 * <p>Constructing the record does no I/O. {@link #load} and {@link #check()} read and validate the
 * files; {@link MtlsServers} and {@link MtlsChannels} check again and hand gRPC exactly the bytes
 * they checked. Immutable and thread-safe; the files are read on every check, so a renewed
 * certificate is picked up by the next server or channel built from this value.
 *
 * <p>IMPORTANT: a private key readable by group or others is logged as a warning, not refused;
 * deployments must keep it {@code 0600} and owned by the service user.
 *
 * @param certificateChain PEM certificate chain presented to peers
 * @param privateKey PKCS#8 PEM private key of the first certificate
 * @param trustedCertificates PEM certificates of the cluster CA
 */
public record TlsMaterial(Path certificateChain, Path privateKey, Path trustedCertificates) {

    private static final Logger LOG = LoggerFactory.getLogger(TlsMaterial.class);

    private static final Pattern PKCS8_PEM =
            Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]*)-----END PRIVATE KEY-----");
    private static final String PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----";
    private static final byte[] KEY_PROBE =
            "tandem: does this private key belong to the certificate?".getBytes(StandardCharsets.US_ASCII);

    public TlsMaterial {
        Objects.requireNonNull(certificateChain, "certificateChain");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(trustedCertificates, "trustedCertificates");
    }

    /**
     * Creates the material and {@linkplain #check() checks} it, for use at startup before anything
     * listens or connects.
     *
     * @throws TlsMaterialException naming the first file that cannot be used and why
     */
    public static TlsMaterial load(Path certificateChain, Path privateKey, Path trustedCertificates)
            throws TlsMaterialException {
        return new TlsMaterial(certificateChain, privateKey, trustedCertificates).check();
    }

    /**
     * Validates the files: each exists and is readable; both certificate files are PEM and parse as
     * X.509; the key is unencrypted PKCS#8 PEM, EC or RSA, and belongs to the first certificate of
     * the chain. Warns when the key file is readable by group or others.
     *
     * @return this, for chaining
     * @throws TlsMaterialException naming the first file that cannot be used and why
     */
    public TlsMaterial check() throws TlsMaterialException {
        verified();
        return this;
    }

    /**
     * Server credentials that present this node's chain and require a client certificate from the
     * cluster CA, TLS 1.3 only ({@link TlsContexts}).
     */
    ServerCredentials serverCredentials() throws TlsMaterialException {
        Pem pem = verified();
        try {
            return TlsContexts.server(pem.chain(), pem.key(), pem.trust());
        } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
            throw new TlsMaterialException(certificateChain, "cannot be turned into gRPC server credentials: " + e, e);
        }
    }

    /**
     * Channel credentials that present this node's chain, trust only the cluster CA, speak TLS 1.3
     * only, and accept only a server whose certificate carries one of {@code serverRoles}.
     */
    ChannelCredentials channelCredentials(Set<CallerRole> serverRoles) throws TlsMaterialException {
        Pem pem = verified();
        String client = "client "
                + CallerIdentity.commonName(pem.leaf()).map(cn -> "CN=" + cn).orElse("(no CN)") + " "
                + CallerRole.of(pem.leaf());
        try {
            return TlsContexts.client(pem.chain(), pem.key(), pem.trust(), serverRoles, client);
        } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
            throw new TlsMaterialException(certificateChain, "cannot be turned into gRPC channel credentials: " + e, e);
        }
    }

    /** The roles of this material's own certificate ({@link CallerRole#of}). */
    Set<CallerRole> roles() throws TlsMaterialException {
        return CallerRole.of(verified().leaf());
    }

    /** The checked file contents, so that gRPC gets exactly the bytes that were validated. */
    private record Pem(byte[] chain, byte[] key, byte[] trust, X509Certificate leaf) {}

    private Pem verified() throws TlsMaterialException {
        byte[] chain = read(certificateChain, "certificate chain");
        byte[] key = read(privateKey, "private key");
        byte[] trust = read(trustedCertificates, "trusted CA certificates");
        List<X509Certificate> certificates = certificates(certificateChain, chain, "certificate chain");
        certificates(trustedCertificates, trust, "trusted CA certificates");
        checkKey(key, certificates.get(0));
        warnIfExposed(privateKey);
        return new Pem(chain, key, trust, certificates.get(0));
    }

    private static byte[] read(Path file, String role) throws TlsMaterialException {
        if (!Files.exists(file)) {
            throw new TlsMaterialException(file, role + " does not exist");
        }
        if (!Files.isRegularFile(file)) {
            throw new TlsMaterialException(file, role + " is not a regular file");
        }
        if (!Files.isReadable(file)) {
            throw new TlsMaterialException(file, role + " is not readable by this process");
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TlsMaterialException(file, role + " cannot be read: " + e, e);
        }
    }

    private static List<X509Certificate> certificates(Path file, byte[] pem, String role) throws TlsMaterialException {
        if (!new String(pem, StandardCharsets.US_ASCII).contains(PEM_CERTIFICATE)) {
            throw new TlsMaterialException(
                    file,
                    role + " is not PEM (no '" + PEM_CERTIFICATE + "'); if it is DER, convert it: openssl x509"
                            + " -inform der -in " + file + " -out " + file + ".pem");
        }
        List<X509Certificate> result = new ArrayList<>();
        try {
            for (var certificate :
                    CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))) {
                result.add((X509Certificate) certificate);
            }
        } catch (CertificateException e) {
            throw new TlsMaterialException(file, role + " does not parse as X.509: " + e.getMessage(), e);
        }
        if (result.isEmpty()) {
            throw new TlsMaterialException(file, role + " contains no X.509 certificate");
        }
        return result;
    }

    private void checkKey(byte[] pem, X509Certificate certificate) throws TlsMaterialException {
        String text = new String(pem, StandardCharsets.US_ASCII);
        String convert = "; gRPC needs unencrypted PKCS#8 ('-----BEGIN PRIVATE KEY-----'). Convert it: openssl"
                + " pkcs8 -topk8 -nocrypt -in " + privateKey + " -out " + privateKey + ".p8";
        if (text.contains("-----BEGIN EC PRIVATE KEY-----")) {
            throw new TlsMaterialException(privateKey, "private key is SEC1 ('BEGIN EC PRIVATE KEY')" + convert);
        }
        if (text.contains("-----BEGIN RSA PRIVATE KEY-----")) {
            throw new TlsMaterialException(privateKey, "private key is PKCS#1 ('BEGIN RSA PRIVATE KEY')" + convert);
        }
        if (text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            throw new TlsMaterialException(
                    privateKey, "private key is encrypted PKCS#8 ('BEGIN ENCRYPTED PRIVATE KEY')" + convert);
        }
        Matcher matcher = PKCS8_PEM.matcher(text);
        if (!matcher.find()) {
            throw new TlsMaterialException(
                    privateKey, "private key file contains no PEM block '-----BEGIN PRIVATE KEY-----'" + convert);
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(matcher.group(1));
        } catch (IllegalArgumentException e) {
            throw new TlsMaterialException(privateKey, "private key PEM body is not valid base64", e);
        }

        PublicKey publicKey = certificate.getPublicKey();
        String algorithm = publicKey.getAlgorithm();
        String signature;
        if (algorithm.equals("EC")) {
            signature = "SHA256withECDSA";
        } else if (algorithm.equals("RSA")) {
            signature = "SHA256withRSA";
        } else {
            throw new TlsMaterialException(
                    certificateChain,
                    "certificate " + certificate.getSubjectX500Principal() + " has a " + algorithm
                            + " key; gRPC TLS here supports EC and RSA keys only");
        }
        PrivateKey key;
        try {
            key = KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException(
                    privateKey,
                    "private key is not a valid " + algorithm + " PKCS#8 key, as the certificate "
                            + certificate.getSubjectX500Principal() + " in " + certificateChain + " requires",
                    e);
        }
        boolean matches;
        try {
            Signature signer = Signature.getInstance(signature);
            signer.initSign(key);
            signer.update(KEY_PROBE);
            byte[] proof = signer.sign();
            Signature verifier = Signature.getInstance(signature);
            verifier.initVerify(publicKey);
            verifier.update(KEY_PROBE);
            matches = verifier.verify(proof);
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException(privateKey, "private key cannot sign with " + signature + ": " + e, e);
        }
        if (!matches) {
            throw new TlsMaterialException(
                    privateKey,
                    "private key does not belong to certificate " + certificate.getSubjectX500Principal() + " in "
                            + certificateChain);
        }
    }

    private static void warnIfExposed(Path key) {
        PosixFileAttributeView view = Files.getFileAttributeView(key, PosixFileAttributeView.class);
        if (view == null) {
            return;
        }
        Set<PosixFilePermission> permissions;
        try {
            permissions = view.readAttributes().permissions();
        } catch (IOException e) {
            LOG.warn("TLS private key permissions unreadable file={} error={}", key, e.toString());
            return;
        }
        if (permissions.contains(PosixFilePermission.GROUP_READ)
                || permissions.contains(PosixFilePermission.OTHERS_READ)) {
            LOG.warn(
                    "TLS private key readable by group or others file={} permissions={}; restrict it: chmod 600 {}",
                    key,
                    PosixFilePermissions.toString(permissions),
                    key);
        }
    }
}
