package org.tandem.signer.publish;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.tandem.signer.SigningException;
import org.xbill.DNS.Record;

/**
 * Writes a zone file so that readers see either the previous complete file or the new complete
 * file, never a part (INV-D7): a temporary file in the same directory, fsync, rename over the
 * target, fsync of the directory. On any failure the temporary file is removed and the previous
 * file is untouched. {@link ZoneDirectory} publishes the same way.
 */
public final class AtomicZoneFile {
    private AtomicZoneFile() {}

    /** Writes the records, one per line in dnsjava's presentation format, under a header comment. */
    public static void write(Path target, String header, List<Record> records) throws SigningException {
        Objects.requireNonNull(target, "target");
        Path abs = target.toAbsolutePath();
        Path tmp = null;
        try {
            tmp = DurableFiles.writeTemp(abs.getParent(), abs.getFileName().toString(), header, records);
            DurableFiles.renameOver(tmp, abs);
            tmp = null;
        } catch (IOException e) {
            throw new SigningException(
                    "cannot write " + abs + ": " + e.getMessage() + "; the previous file is unchanged", e);
        } finally {
            DurableFiles.deleteQuietly(tmp);
        }
    }
}
