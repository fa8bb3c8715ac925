package org.tandem.signer.publish;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.SigningException;

/**
 * Refusal to publish a serial that was already published with different content: a serial is the
 * downstream fencing token and must never name two different zones (fault F16). Nothing was
 * changed: the existing file and the file the hidden primary loads stay as they were.
 */
public final class ZoneVersionConflictException extends SigningException {
    private static final long serialVersionUID = 1L;

    private final transient ZoneName zone;
    private final long serial;
    private final transient Path file;

    /** {@code file} may be null when the conflict is with a served version. */
    public ZoneVersionConflictException(ZoneName zone, long serial, Path file, String what) {
        super("zone " + Objects.requireNonNull(zone, "zone") + " serial " + serial + ": " + what
                + (file == null ? "" : " (" + file + ")")
                + "; a serial never names two different zones, so nothing was published");
        this.zone = zone;
        this.serial = serial;
        this.file = file;
    }

    public ZoneName zone() {
        return zone;
    }

    public long serial() {
        return serial;
    }

    /** The file that already holds this serial; empty when the conflict is with the version being served. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }
}
