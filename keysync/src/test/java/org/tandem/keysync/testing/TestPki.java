package org.tandem.keysync.testing;

import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.tandem.keysync.grpc.TlsMaterial;

/**
 * A throw-away PKI for mutual-TLS tests: an EC P-256 CA, self-signed, and leaf certificates it
 * signs for cluster members. Every leaf names {@code DNS:<commonName>}, {@code DNS:localhost} and
 * {@code IP:127.0.0.1} (plus any extra DNS names asked for). Its extended key usage follows its role
 * ({@link Usage#forRole}): a node or coordinator certificate ({@code OU=node}, {@code OU=coordinator})
 * is both a TLS server and a TLS client certificate, since those processes serve and call with one
 * identity; any other certificate (an operator's, a role-less monitor's) is a client certificate only
 * and no TLS client accepts it from a server.
 *
 * <p>Files in the directory: {@code ca.crt} (PEM), and per {@link #issue issued} name
 * {@code <cn>.crt} (PEM) and {@code <cn>.key} (PKCS#8 PEM, {@code BEGIN PRIVATE KEY}, mode 0600).
 * The CA's private key stays in memory. For an unrelated, untrusted CA call {@link #create} again
 * with another directory.
 *
 * <p>Contracts: certificates are valid from one hour before to one day after the clock's instant
 * (TLS peers check them against the real time, so tests of a working handshake use the system
 * clock). Thread-safe; the caller owns (and usually {@code @TempDir}-deletes) the directory.
 */
public final class TestPki {

    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final String SIGNATURE = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final Clock clock;
    private final X500Name caName;
    private final KeyPair caKeys;
    private final X509Certificate caCertificate;
    private final Path caCertificateFile;

    private TestPki(Path dir, Clock clock, X500Name caName, KeyPair caKeys, X509Certificate caCertificate, Path file) {
        this.dir = dir;
        this.clock = clock;
        this.caName = caName;
        this.caKeys = caKeys;
        this.caCertificate = caCertificate;
        this.caCertificateFile = file;
    }

    /** Creates a CA valid around now; see {@link #create(Path, String, Clock)}. */
    public static TestPki create(Path dir, String caName) throws IOException, GeneralSecurityException {
        return create(dir, caName, Clock.systemUTC());
    }

    /**
     * Creates a CA named {@code CN=<caName>, O=Tandem test} and writes {@code ca.crt} into
     * {@code dir} (created if missing).
     *
     * @param clock the instant the certificates' validity is centred on
     */
    public static TestPki create(Path dir, String caName, Clock clock) throws IOException, GeneralSecurityException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(caName, "caName");
        Objects.requireNonNull(clock, "clock");
        Files.createDirectories(dir);
        X500Name name = name(caName);
        KeyPair keys = newKeyPair();
        Instant now = clock.instant();
        JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                        name, serial(), notBefore(now), notAfter(now), name, keys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                .addExtension(
                        Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
        X509Certificate certificate = sign(builder, keys);
        Path file = dir.resolve("ca.crt");
        writePem(file, certificate);
        return new TestPki(dir, clock, name, keys, certificate, file);
    }

    /**
     * Issues a node certificate {@code CN=<commonName>, O=Tandem test} with a new P-256 key and writes
     * {@code <commonName>.crt} and {@code <commonName>.key}.
     *
     * @param commonName letters, digits, {@code . _ -}; also the file name; not {@code ca}
     * @return the node's material, trusting this CA
     */
    public TlsMaterial issue(String commonName) throws IOException, GeneralSecurityException {
        return issue(commonName, null);
    }

    /**
     * Issues a node certificate as {@link #issue(String)} does, with the subject
     * {@code CN=<commonName>, OU=<organizationalUnit>, O=Tandem test}: the OU carries a caller role
     * (e.g. {@code operator}, {@code coordinator}, {@code node}) for services that authorize by it.
     *
     * @param organizationalUnit the OU, or {@code null} for none
     */
    public TlsMaterial issue(String commonName, String organizationalUnit)
            throws IOException, GeneralSecurityException {
        return issue(commonName, organizationalUnit, List.of());
    }

    /**
     * Issues a certificate as {@link #issue(String, String)} does, valid also for the host names
     * {@code dnsNames} (DNS subject alternative names beside {@code localhost}): for peers that reach
     * each other by name, e.g. containers on a Docker network.
     */
    public TlsMaterial issue(String commonName, String organizationalUnit, List<String> dnsNames)
            throws IOException, GeneralSecurityException {
        Instant now = clock.instant();
        return issue(
                commonName,
                organizationalUnit,
                dnsNames,
                Usage.forRole(organizationalUnit),
                notBefore(now).toInstant(),
                notAfter(now).toInstant());
    }

    /** What a leaf certificate may be used for in TLS: its extended key usage. */
    public enum Usage {
        /** {@code serverAuth} only: a TLS server that never calls out (e.g. a ZooKeeper server). */
        SERVER,
        /** {@code clientAuth} only: a caller that never serves (an operator, a monitor). */
        CLIENT,
        /** Both: a process that serves and calls with one identity (a node, the coordinator). */
        SERVER_AND_CLIENT;

        /**
         * {@link #SERVER_AND_CLIENT} for {@code node}, {@code coordinator} and {@code zookeeper} (an
         * ensemble server also connects to its peers), {@link #CLIENT} otherwise.
         */
        public static Usage forRole(String organizationalUnit) {
            return organizationalUnit != null
                            && (organizationalUnit.equalsIgnoreCase("node")
                                    || organizationalUnit.equalsIgnoreCase("coordinator")
                                    || organizationalUnit.equalsIgnoreCase("zookeeper"))
                    ? SERVER_AND_CLIENT
                    : CLIENT;
        }

        KeyPurposeId[] purposes() {
            return switch (this) {
                case SERVER -> new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth};
                case CLIENT -> new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth};
                case SERVER_AND_CLIENT ->
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth};
            };
        }
    }

    /**
     * Issues a certificate as {@link #issue(String, String, List)} does, with the given extended key
     * usage and validity: for tests of a certificate used against its purpose, or expired, or not yet
     * valid.
     */
    public synchronized TlsMaterial issue(
            String commonName,
            String organizationalUnit,
            List<String> dnsNames,
            Usage usage,
            Instant notBefore,
            Instant notAfter)
            throws IOException, GeneralSecurityException {
        Objects.requireNonNull(commonName, "commonName");
        Objects.requireNonNull(dnsNames, "dnsNames");
        Objects.requireNonNull(usage, "usage");
        if (!SAFE_NAME.matcher(commonName).matches() || commonName.equals("ca")) {
            throw new IllegalArgumentException(
                    "commonName must match " + SAFE_NAME + " and not be 'ca': " + commonName);
        }
        if (!notBefore.isBefore(notAfter)) {
            throw new IllegalArgumentException("notBefore " + notBefore + " is not before notAfter " + notAfter);
        }
        KeyPair keys = newKeyPair();
        JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        List<String> names = new ArrayList<>(List.of(commonName));
        names.addAll(dnsNames);
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                        caName,
                        serial(),
                        Date.from(notBefore),
                        Date.from(notAfter),
                        name(commonName, organizationalUnit),
                        keys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(usage.purposes()))
                .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(subjectAltNames(names)))
                .addExtension(
                        Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(caCertificate))
                .addExtension(
                        Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
        X509Certificate certificate = sign(builder, caKeys);
        Path certificateFile = dir.resolve(commonName + ".crt");
        Path keyFile = dir.resolve(commonName + ".key");
        writePem(certificateFile, certificate);
        writePkcs8(keyFile, keys);
        return new TlsMaterial(certificateFile, keyFile, caCertificateFile);
    }

    /** The CA certificate file (PEM), the trust anchor of every issued certificate. */
    public Path caCertificate() {
        return caCertificateFile;
    }

    /** The directory the files are written to. */
    public Path directory() {
        return dir;
    }

    private static GeneralName[] subjectAltNames(List<String> dnsNames) {
        List<GeneralName> names = new ArrayList<>();
        names.add(new GeneralName(GeneralName.dNSName, "localhost"));
        names.add(new GeneralName(
                GeneralName.iPAddress, InetAddress.getLoopbackAddress().getHostAddress()));
        for (String dns : new LinkedHashSet<>(dnsNames)) {
            if (!dns.equals("localhost")) {
                names.add(new GeneralName(GeneralName.dNSName, dns));
            }
        }
        return names.toArray(GeneralName[]::new);
    }

    private static X500Name name(String commonName) {
        return name(commonName, null);
    }

    private static X500Name name(String commonName, String organizationalUnit) {
        X500NameBuilder builder = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Tandem test");
        if (organizationalUnit != null) {
            builder.addRDN(BCStyle.OU, organizationalUnit);
        }
        return builder.addRDN(BCStyle.CN, commonName).build();
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(64, RANDOM).add(BigInteger.ONE);
    }

    private static Date notBefore(Instant now) {
        return Date.from(now.minus(Duration.ofHours(1)));
    }

    private static Date notAfter(Instant now) {
        return Date.from(now.plus(Duration.ofDays(1)));
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuer)
            throws GeneralSecurityException {
        ContentSigner signer;
        try {
            signer = new JcaContentSignerBuilder(SIGNATURE).build(issuer.getPrivate());
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot create " + SIGNATURE + " signer for a test certificate", e);
        }
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }

    private static void writePem(Path file, X509Certificate certificate) throws IOException {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII);
                JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(certificate);
        }
    }

    private static void writePkcs8(Path file, KeyPair keys) throws IOException {
        // JcaPEMWriter alone would write SEC1 ("EC PRIVATE KEY"), which gRPC's TLS cannot read.
        Files.deleteIfExists(file);
        Files.createFile(file);
        if (Files.getFileAttributeView(file, PosixFileAttributeView.class) != null) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII);
                JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(new JcaPKCS8Generator(keys.getPrivate(), null));
        }
    }
}
