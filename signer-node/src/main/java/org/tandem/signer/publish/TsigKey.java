package org.tandem.signer.publish;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.signer.SigningException;
import org.xbill.DNS.Name;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.TextParseException;

/**
 * A TSIG key (RFC 8945) shared with the secondaries: its name, algorithm ({@code hmac-sha256},
 * {@code hmac-sha384} or {@code hmac-sha512}) and secret. The secret is read only from a file and
 * never printed ({@link #toString} leaves it out).
 *
 * @param name the key name as the secondaries know it, e.g. {@code tandem-xfr.}
 * @param algorithm the algorithm name, e.g. {@link TSIG#HMAC_SHA256}
 * @param secret the secret (at least 16 bytes)
 */
public record TsigKey(Name name, Name algorithm, byte[] secret) {
    private static final Logger LOG = LoggerFactory.getLogger(TsigKey.class);
    /** The TSIG algorithms accepted, and their JCA MAC names. */
    private static final Map<Name, String> ALGORITHMS =
            Map.of(TSIG.HMAC_SHA256, "HmacSHA256", TSIG.HMAC_SHA384, "HmacSHA384", TSIG.HMAC_SHA512, "HmacSHA512");

    public TsigKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(secret, "secret");
        if (!name.isAbsolute()) {
            throw new IllegalArgumentException("TSIG key name must be absolute: " + name);
        }
        if (!ALGORITHMS.containsKey(algorithm)) {
            throw new IllegalArgumentException(
                    "TSIG algorithm " + algorithm + " is not one of hmac-sha256, hmac-sha384, hmac-sha512");
        }
        if (secret.length < 16) {
            throw new IllegalArgumentException(
                    "TSIG key " + name + ": secret has " + secret.length + " bytes, at least 16 needed");
        }
        secret = secret.clone();
    }

    /**
     * Reads the secret from a file: its base64 text on one line (what {@code tsig-keygen} prints
     * inside {@code secret "…";}; blank lines and lines starting with {@code #} are ignored). A file
     * readable by group or others is warned about.
     *
     * @param name the key name ({@code tandem-xfr} or {@code tandem-xfr.})
     * @param algorithm {@code hmac-sha256} (default in the config), {@code hmac-sha384} or {@code hmac-sha512}
     */
    public static TsigKey fromFile(String name, String algorithm, Path secretFile) throws SigningException {
        Objects.requireNonNull(secretFile, "secretFile");
        String text;
        try {
            text = Files.readString(secretFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SigningException(
                    "TSIG key " + name + ": cannot read the secret file " + secretFile + ": " + e.getMessage(), e);
        }
        warnIfReadableByOthers(secretFile);
        String secret = text.lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .findFirst()
                .orElseThrow(() ->
                        new SigningException("TSIG key " + name + ": the secret file " + secretFile + " is empty"));
        try {
            Name keyName = Name.fromString(name.endsWith(".") ? name : name + ".");
            Name alg = TSIG.algorithmToName(algorithm);
            return new TsigKey(keyName, alg, Base64.getDecoder().decode(secret));
        } catch (TextParseException | IllegalArgumentException e) {
            throw new SigningException("TSIG key " + name + " (" + secretFile + "): " + e.getMessage(), e);
        }
    }

    /** The dnsjava signer/verifier for this key, on the given clock. */
    TSIG toTsig(Clock clock) {
        return new TSIG(algorithm, name, new SecretKeySpec(secret, ALGORITHMS.get(algorithm)), clock);
    }

    /** The full length of this key's MAC in bytes (32, 48 or 64). */
    int macLength() {
        try {
            return Mac.getInstance(ALGORITHMS.get(algorithm)).getMacLength();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no " + ALGORITHMS.get(algorithm), e);
        }
    }

    @Override
    public byte[] secret() {
        return secret.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TsigKey k
                && k.name.equals(name)
                && k.algorithm.equals(algorithm)
                && MessageDigest.isEqual(k.secret, secret);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, algorithm);
    }

    @Override
    public String toString() {
        return "TsigKey[" + name + " " + algorithm + "]";
    }

    private static void warnIfReadableByOthers(Path file) {
        try {
            Set<PosixFilePermission> p = Files.getPosixFilePermissions(file);
            if (p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ)) {
                LOG.warn("TSIG secret file {} is readable by group or others; chmod 600 it", file);
            }
        } catch (IOException | UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        }
    }
}
