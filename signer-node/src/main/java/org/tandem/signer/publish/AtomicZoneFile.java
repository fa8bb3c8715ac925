package org.tandem.signer.publish;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;
import org.tandem.signer.SigningException;
import org.xbill.DNS.Record;

/**
 * Writes a zone file so that readers see either the previous complete file or the new complete
 * file, never a part (INV-D7): a temporary file in the same directory, fsync, rename over the
 * target, fsync of the directory. On any failure the temporary file is removed and the previous
 * file is untouched.
 */
public final class AtomicZoneFile {
    private AtomicZoneFile() {}

    /** Writes the records, one per line in dnsjava's presentation format, under a header comment. */
    public static void write(Path target, String header, List<Record> records) throws SigningException {
        Objects.requireNonNull(target, "target");
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                BufferedWriter w = new BufferedWriter(new OutputStreamWriter(Channels.newOutputStream(ch), StandardCharsets.UTF_8),
                        1 << 16);
                for (String line : header.split("\n")) {
                    w.write("; ");
                    w.write(line);
                    w.write('\n');
                }
                for (Record r : records) {
                    w.write(r.toString());
                    w.write('\n');
                }
                w.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + dir + " cannot rename atomically", e);
            }
            tmp = null;
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException e) {
                // some file systems cannot fsync a directory; the rename itself is atomic
            }
        } catch (IOException e) {
            throw new SigningException("cannot write " + abs + ": " + e.getMessage() + "; the previous file is unchanged", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the temporary file has a dot name and is never read as a zone
                }
            }
        }
    }
}
