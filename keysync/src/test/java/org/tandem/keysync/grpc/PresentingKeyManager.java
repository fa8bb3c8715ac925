package org.tandem.keysync.grpc;

import java.io.InputStream;
import java.io.Reader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * A client key manager that presents its certificate whatever CAs the server asks for. A standard
 * key manager offers nothing when its certificate is not from a CA the server names, so only this
 * one makes the server's own chain check refuse a certificate from another CA.
 */
final class PresentingKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "client";

    private final X509Certificate certificate;
    private final PrivateKey key;

    private PresentingKeyManager(X509Certificate certificate, PrivateKey key) {
        this.certificate = certificate;
        this.key = key;
    }

    static PresentingKeyManager of(TlsMaterial material) throws Exception {
        X509Certificate certificate;
        try (InputStream in = Files.newInputStream(material.certificateChain())) {
            certificate =
                    (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        try (Reader in = Files.newBufferedReader(material.privateKey(), StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(in)) {
            return new PresentingKeyManager(
                    certificate, new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) parser.readObject()));
        }
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return new String[] {ALIAS};
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return ALIAS;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return ALIAS;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return new X509Certificate[] {certificate};
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return key;
    }
}
