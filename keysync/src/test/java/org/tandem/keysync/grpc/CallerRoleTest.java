package org.tandem.keysync.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.testing.TestPki;

class CallerRoleTest {
    @TempDir
    Path dir;

    private X509Certificate certificate(TlsMaterial tls) throws Exception {
        try (InputStream in = Files.newInputStream(tls.certificateChain())) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    @Test
    void readsTheRoleFromTheSubjectOrganizationalUnit() throws Exception {
        TestPki pki = TestPki.create(dir, "ca");

        assertThat(CallerRole.of(certificate(pki.issue("alice", "operator")))).containsExactly(CallerRole.OPERATOR);
        assertThat(CallerRole.of(certificate(pki.issue("coord", "Coordinator"))))
                .containsExactly(CallerRole.COORDINATOR);
        assertThat(CallerRole.of(certificate(pki.issue("dc2-signer", "node")))).containsExactly(CallerRole.NODE);
    }

    @Test
    void grantsNoRoleWithoutAKnownOrganizationalUnit() throws Exception {
        TestPki pki = TestPki.create(dir, "ca");

        assertThat(CallerRole.of(certificate(pki.issue("monitor")))).isEmpty();
        assertThat(CallerRole.of(certificate(pki.issue("eve", "admin")))).isEmpty();
        // a CN that looks like a role is not a role
        assertThat(CallerRole.of(certificate(pki.issue("operator")))).isEmpty();
    }
}
