package org.tandem.keysync.manifest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.grpc.TlsMaterialException;

/**
 * ZooKeeper's PEM key store is one file holding the certificate chain and the private key; Tandem's
 * TLS material keeps them apart. This writes the two, checked, into one private file.
 */
final class ZooKeeperTlsFiles {
    private ZooKeeperTlsFiles() {}

    /**
     * Checks {@code tls} and writes its chain and key into a new file of mode 0600 in a new private
     * temporary directory, deleted when the JVM exits.
     *
     * @throws TlsMaterialException naming the file that cannot be used and why
     */
    static Path keyStore(TlsMaterial tls) throws TlsMaterialException {
        Objects.requireNonNull(tls, "tls");
        tls.check();
        Path dir;
        try {
            dir = Files.createTempDirectory(
                    "tandem-zookeeper-tls",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException | UnsupportedOperationException e) {
            throw new TlsMaterialException(
                    tls.privateKey(),
                    "cannot create a private temporary directory for ZooKeeper's PEM key store: " + e,
                    e);
        }
        // deleteOnExit runs in reverse order: the file first, then its directory.
        dir.toFile().deleteOnExit();
        Path file = keyStore(tls, dir.resolve("keystore.pem"));
        file.toFile().deleteOnExit();
        return file;
    }

    /**
     * Writes chain and key of {@code tls} into {@code file} (mode 0600), e.g. for a ZooKeeper server's
     * {@code ssl.keyStore.location}.
     */
    static Path keyStore(TlsMaterial tls, Path file) throws TlsMaterialException {
        tls.check();
        try {
            String chain = Files.readString(tls.certificateChain(), StandardCharsets.US_ASCII);
            String key = Files.readString(tls.privateKey(), StandardCharsets.US_ASCII);
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, key.strip() + "\n" + chain.strip() + "\n", StandardCharsets.US_ASCII);
            return file;
        } catch (IOException | UnsupportedOperationException e) {
            throw new TlsMaterialException(file, "cannot write ZooKeeper's PEM key store (key and chain): " + e, e);
        }
    }
}
