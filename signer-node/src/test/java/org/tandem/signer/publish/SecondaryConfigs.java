package org.tandem.signer.publish;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/** TSIG material shared by the secondary-server ITs (and the node's ITs that read a secondary back). */
public final class SecondaryConfigs {
    private SecondaryConfigs() {}

    /** A fresh 256-bit secret, base64. */
    public static String secret() {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        return Base64.getEncoder().encodeToString(raw);
    }

    /** The secret in a 0600 file, as an operator keeps it. */
    public static Path secretFile(Path dir, String secret) throws IOException {
        Path file = dir.resolve("tsig.secret");
        Files.writeString(file, secret + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
