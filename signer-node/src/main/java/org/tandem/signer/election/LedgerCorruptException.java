package org.tandem.signer.election;

import java.util.Objects;

/** A ledger znode holds data that is not a {@code tandem.signer.v1.PublishedZone} of its zone. */
public final class LedgerCorruptException extends LedgerException {
    private static final long serialVersionUID = 1L;

    private final String path;

    LedgerCorruptException(String path, String detail, Throwable cause) {
        super(
                "publish ledger znode " + Objects.requireNonNull(path, "path") + " is corrupt: "
                        + Objects.requireNonNull(detail, "detail") + "; repair or delete it by hand",
                cause);
        this.path = path;
    }

    /** The corrupt znode. */
    public String path() {
        return path;
    }
}
