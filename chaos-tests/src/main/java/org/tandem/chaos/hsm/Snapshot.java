package org.tandem.chaos.hsm;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A copy of one SoftHSM2 token's directory, taken by {@link TokenFaults#snapshot} so that a scenario
 * can put the token back with {@link TokenFaults#restore} after breaking it.
 *
 * <p>IMPORTANT: the copy holds the token's key material (encrypted under the user and SO PINs, as
 * SoftHSM2 stores it) and must stay on the test machine; {@link TokenFaults} keeps it below its
 * work directory.
 *
 * @param tokenLabel the token's label
 * @param serial the token's serial number as {@code softhsm2-util --show-slots} shows it
 * @param directoryName the token directory's name below {@code directories.tokendir} (a UUID)
 * @param copy where the copy is
 * @param digests every file of the token directory (path relative to it) with its SHA-256 in hex
 */
public record Snapshot(String tokenLabel, String serial, String directoryName, Path copy, Map<String, String> digests) {
    public Snapshot {
        Objects.requireNonNull(tokenLabel, "tokenLabel");
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(directoryName, "directoryName");
        Objects.requireNonNull(copy, "copy");
        digests = Map.copyOf(new TreeMap<>(Objects.requireNonNull(digests, "digests")));
        if (!digests.containsKey("token.object")) {
            throw new IllegalArgumentException("snapshot of token '" + tokenLabel + "' holds no token.object");
        }
        if (directoryName.contains("/") || directoryName.isBlank()) {
            throw new IllegalArgumentException("token directory name '" + directoryName + "' is not a plain name");
        }
    }
}
