package org.tandem.signer.node;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where signed zones go ({@code publish:} in {@code node.yaml}).
 *
 * @param directory the default output directory for signed zone files, absolute; it existed and was
 *     writable when the configuration was loaded
 * @param transfer the zone transfer endpoint (AXFR/IXFR out, NOTIFY), if configured
 */
public record PublishConfig(Path directory, Optional<TransferConfig> transfer) {
    public PublishConfig {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(transfer, "transfer");
        if (!directory.isAbsolute()) {
            throw new IllegalArgumentException("publish directory must be absolute: " + directory);
        }
    }
}
