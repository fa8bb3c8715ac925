package org.tandem.signer.publish;

import java.nio.file.Path;
import java.util.Objects;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.SigningException;

/**
 * A zone version written and fsynced to a temporary file by {@link ZoneDirectory#stage}, not yet
 * visible. Exactly one of {@link #promote} and {@link #discard} takes effect; {@link #close} discards
 * unless promoted, so try-with-resources never leaves a temporary file behind.
 *
 * <p>IMPORTANT: the daemon promotes only after its fenced commit succeeded and while its lease is
 * valid; a staged version of a node that lost leadership must be discarded.
 *
 * <p>Not thread-safe: one thread owns a staged zone.
 */
public final class StagedZone implements AutoCloseable {
    private enum State {
        STAGED,
        PROMOTED,
        DISCARDED
    }

    private final ZoneDirectory directory;
    private final ZoneName zone;
    private final long serial;
    private final Path temporary;
    private State state = State.STAGED;

    StagedZone(ZoneDirectory directory, ZoneName zone, long serial, Path temporary) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.zone = Objects.requireNonNull(zone, "zone");
        this.serial = serial;
        this.temporary = Objects.requireNonNull(temporary, "temporary");
    }

    public ZoneName zone() {
        return zone;
    }

    public long serial() {
        return serial;
    }

    /** The temporary file (a dot name in {@code DIR/<zone>/}); gone after promote or discard. */
    public Path temporaryFile() {
        return temporary;
    }

    /**
     * Makes the version visible: links it as {@code DIR/<zone>/<serial>.zone} (never overwriting a
     * different version), atomically replaces {@code DIR/<zone>.zone}, fsyncs both directories, then
     * applies the retention. On failure the previous version stays current and the temporary file is
     * removed; the staged zone cannot be promoted again.
     *
     * @throws ZoneVersionConflictException when another process published different records under
     *     this serial since {@link ZoneDirectory#stage}
     * @throws IllegalStateException when already promoted or discarded
     */
    public ZoneDirectory.Published promote() throws SigningException {
        if (state != State.STAGED) {
            throw new IllegalStateException("zone " + zone + " serial " + serial + " is already "
                    + state.name().toLowerCase());
        }
        state = State.PROMOTED;
        return directory.promote(zone, serial, temporary);
    }

    /** Removes the temporary file; a no-op after promote or a previous discard. */
    public void discard() {
        if (state == State.STAGED) {
            state = State.DISCARDED;
            DurableFiles.deleteQuietly(temporary);
        }
    }

    @Override
    public void close() {
        discard();
    }
}
