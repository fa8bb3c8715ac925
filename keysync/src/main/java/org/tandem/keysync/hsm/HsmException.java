package org.tandem.keysync.hsm;

import java.util.Objects;
import org.tandem.keysync.KeySyncException;

/** An HSM refused or failed an operation. The message names the HSM and the operation. */
public class HsmException extends KeySyncException {
    private static final long serialVersionUID = 1L;

    private final HsmId hsm;

    public HsmException(HsmId hsm, String message) {
        super("HSM " + hsm + ": " + message);
        this.hsm = Objects.requireNonNull(hsm, "hsm");
    }

    public HsmException(HsmId hsm, String message, Throwable cause) {
        super("HSM " + hsm + ": " + message, cause);
        this.hsm = Objects.requireNonNull(hsm, "hsm");
    }

    public HsmId hsm() {
        return hsm;
    }
}
