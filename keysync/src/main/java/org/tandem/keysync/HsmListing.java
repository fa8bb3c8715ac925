package org.tandem.keysync;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmKey;

/** The keys of one zone found on one HSM, or why the HSM could not be read. */
public record HsmListing(HsmId hsm, List<HsmKey> keys, Optional<String> error) {
    public HsmListing {
        Objects.requireNonNull(hsm, "hsm");
        keys = List.copyOf(keys);
        Objects.requireNonNull(error, "error");
    }
}
