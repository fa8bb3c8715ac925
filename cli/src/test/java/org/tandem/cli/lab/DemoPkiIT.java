package org.tandem.cli.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's certificates, made with openssl: each names its service and is used only as its role needs. */
class DemoPkiIT {
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    @TempDir
    Path dir;

    @Test
    void nodesAndTheCoordinatorServeAndCallTheOperatorOnlyCalls() throws Exception {
        DemoPki pki = DemoPki.create(dir.resolve("pki"), TokenLab.create(dir.resolve("lab"), List.of()));
        pki.issue("dc1-signer", "node");
        pki.issue("coordinator", "coordinator");
        pki.issue("operator", "operator");

        assertThat(read(pki.cert("dc1-signer")).getExtendedKeyUsage()).containsExactly(SERVER_AUTH, CLIENT_AUTH);
        assertThat(read(pki.cert("coordinator")).getExtendedKeyUsage()).containsExactly(SERVER_AUTH, CLIENT_AUTH);
        assertThat(read(pki.cert("operator")).getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(read(pki.cert("dc1-signer")).getSubjectAlternativeNames())
                .extracting(n -> String.valueOf(n.get(1)))
                .contains("dc1-signer", "localhost", "127.0.0.1");
    }

    private static X509Certificate read(Path file) throws Exception {
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }
}
