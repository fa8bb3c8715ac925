package org.tandem.keysync.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.testing.TestPki;

class TlsMaterialTest {

    @TempDir
    Path dir;

    private TestPki pki;
    private TlsMaterial node;

    @BeforeEach
    void issueNodeCertificate() throws Exception {
        pki = TestPki.create(dir, "tandem-test-ca");
        node = pki.issue("keysync-1");
    }

    @Test
    void acceptsPkcs8MaterialFromTheTestPki() throws Exception {
        assertThat(Files.readString(node.privateKey())).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(node.trustedCertificates()).isEqualTo(pki.caCertificate());

        assertThat(TlsMaterial.load(node.certificateChain(), node.privateKey(), node.trustedCertificates()))
                .isEqualTo(node);
    }

    @Test
    void namesTheMissingFile() throws Exception {
        Path missing = dir.resolve("nowhere.key");
        TlsMaterial material = new TlsMaterial(node.certificateChain(), missing, node.trustedCertificates());

        assertThatThrownBy(material::check)
                .isInstanceOfSatisfying(TlsMaterialException.class, e -> {
                    assertThat(e.file()).isEqualTo(missing);
                    assertThat(e.reason()).contains("private key", "does not exist");
                })
                .hasMessageContaining(missing.toString());
    }

    @Test
    void namesAMissingTrustFile() {
        Path missing = dir.resolve("no-ca.crt");
        TlsMaterial material = new TlsMaterial(node.certificateChain(), node.privateKey(), missing);

        assertThatThrownBy(material::check)
                .isInstanceOfSatisfying(
                        TlsMaterialException.class, e -> assertThat(e.file()).isEqualTo(missing))
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("trusted CA certificates does not exist");
    }

    @Test
    void refusesSec1KeyWithTheConversionCommand() throws Exception {
        PrivateKey key = readPkcs8(node.privateKey());
        Path sec1 = dir.resolve("sec1.key");
        writePem(sec1, key); // JcaPEMWriter writes an EC key as SEC1
        assertThat(Files.readString(sec1)).startsWith("-----BEGIN EC PRIVATE KEY-----");
        TlsMaterial material = new TlsMaterial(node.certificateChain(), sec1, node.trustedCertificates());

        assertThatThrownBy(material::check)
                .isInstanceOfSatisfying(
                        TlsMaterialException.class, e -> assertThat(e.file()).isEqualTo(sec1))
                .hasMessageContaining("SEC1")
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt -in " + sec1 + " -out " + sec1 + ".p8");
    }

    @Test
    void refusesPkcs1RsaKeyWithTheConversionCommand() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024); // only the PEM format matters here
        Path pkcs1 = dir.resolve("rsa.key");
        writePem(pkcs1, rsa.generateKeyPair().getPrivate());
        assertThat(Files.readString(pkcs1)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        TlsMaterial material = new TlsMaterial(node.certificateChain(), pkcs1, node.trustedCertificates());

        assertThatThrownBy(material::check)
                .isInstanceOf(TlsMaterialException.class)
                .hasMessageContaining("PKCS#1")
                .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt -in " + pkcs1 + " -out " + pkcs1 + ".p8");
    }

    @Test
    void refusesGarbageInsideCertificatePemArmour() throws Exception {
        Path garbage = dir.resolve("garbage.crt");
        Files.writeString(
                garbage,
                "-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGUsIGp1c3QgdGV4dC4=\n-----END CERTIFICATE-----\n");
        TlsMaterial material = new TlsMaterial(garbage, node.privateKey(), node.trustedCertificates());

        assertThatThrownBy(material::check)
                .isInstanceOfSatisfying(
                        TlsMaterialException.class, e -> assertThat(e.file()).isEqualTo(garbage))
                .hasMessageContaining(garbage.toString())
                .hasMessageContaining("certificate chain does not parse as X.509");
    }

    @Test
    void refusesTrustFileThatIsNotPem() throws Exception {
        Path garbage = dir.resolve("ca.der");
        Files.write(garbage, new byte[] {0x30, 0x03, 0x02, 0x01, 0x00});
        TlsMaterial material = new TlsMaterial(node.certificateChain(), node.privateKey(), garbage);

        assertThatThrownBy(material::check)
                .isInstanceOfSatisfying(
                        TlsMaterialException.class, e -> assertThat(e.file()).isEqualTo(garbage))
                .hasMessageContaining("trusted CA certificates is not PEM");
    }

    @Test
    void refusesKeyOfAnotherCertificate() throws Exception {
        TlsMaterial other = pki.issue("keysync-2");
        TlsMaterial swapped = new TlsMaterial(node.certificateChain(), other.privateKey(), node.trustedCertificates());

        assertThatThrownBy(swapped::check)
                .isInstanceOfSatisfying(
                        TlsMaterialException.class, e -> assertThat(e.file()).isEqualTo(other.privateKey()))
                .hasMessageContaining("does not belong to certificate")
                .hasMessageContaining("CN=keysync-1");
    }

    private static PrivateKey readPkcs8(Path file) throws Exception {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(in)) {
            return new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) parser.readObject());
        }
    }

    private static void writePem(Path file, Object object) throws Exception {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.US_ASCII);
                JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(object);
        }
    }
}
