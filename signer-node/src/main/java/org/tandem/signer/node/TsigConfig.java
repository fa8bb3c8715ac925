package org.tandem.signer.node;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;
import org.xbill.DNS.Name;

/**
 * A TSIG key (RFC 8945) for zone transfers ({@code publish.transfer.tsig:}). The secret stays in
 * its file; the configuration only checked that the file holds base64.
 *
 * @param name the key name, absolute ({@code transfer-key.})
 * @param algorithm one of {@link #ALGORITHMS}, lower case ({@code hmac-sha256})
 * @param secretFile the file holding the base64 secret, absolute; keep it {@code 0600}
 */
public record TsigConfig(Name name, String algorithm, Path secretFile) {
    /** The HMAC algorithms accepted, by their RFC 8945 names without the trailing dot. */
    public static final Set<String> ALGORITHMS =
            Set.of("hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512");

    public TsigConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(secretFile, "secretFile");
        if (!name.isAbsolute()) {
            throw new IllegalArgumentException("TSIG key name must be absolute: " + name);
        }
        if (!ALGORITHMS.contains(algorithm)) {
            throw new IllegalArgumentException("TSIG algorithm '" + algorithm + "' is not one of " + ALGORITHMS);
        }
    }
}
