package org.tandem.coordinator.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The coordinator's TLS files: the cluster CA, its certificate (subject with {@code OU=coordinator})
 * and its unencrypted PKCS#8 private key; absolute (resolved against the file's directory).
 */
public record TlsFiles(Path ca, Path certificate, Path key) {
    public TlsFiles {
        Objects.requireNonNull(ca, "ca");
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
    }
}
