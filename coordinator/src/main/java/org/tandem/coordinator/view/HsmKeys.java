package org.tandem.coordinator.view;

import java.util.List;
import java.util.Objects;

/** What one HSM of a node holds for a zone; {@code error} non-empty when it could not be read. */
public record HsmKeys(String hsm, String error, List<FoundKey> keys) {
    public HsmKeys {
        Objects.requireNonNull(hsm, "hsm");
        Objects.requireNonNull(error, "error");
        keys = List.copyOf(keys);
    }
}
