package org.tandem.keysync.audit;

import static java.nio.file.StandardOpenOption.READ;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Verifies an audit log written by {@link AuditLog}: every line ends in a newline and parses (one
 * JSON object, the fields in order and of their types, the hash member last); its hash matches its
 * canonical form (defined on {@link AuditLog}); {@code seq} counts 1, 2, 3, ...; and {@code prev}
 * equals the hash of the line before (64 zeros on the first line). Together these detect an edited,
 * removed, inserted or reordered line, and a torn last line; each defect names its line.
 *
 * <p>IMPORTANT: the chain alone cannot detect that its newest lines were cut off: a truncated log
 * is a valid shorter log, and whoever can write the file can also rewrite it with a recomputed
 * chain. Keep the newest head, {@link AuditRecord#seq()} and {@link AuditRecord#hash()}, outside
 * the log host and use {@link #verify(Path, long, String)}.
 *
 * <p>Thread-safe; reads under a shared {@link FileLock}, so it never sees a half-appended line,
 * and holds nothing afterwards.
 */
public final class AuditChain {
    private AuditChain() {}

    /**
     * Verifies the whole chain in {@code file}.
     *
     * @throws AuditLogException if the file cannot be read; a defect in it is not an exception
     */
    public static AuditVerification verify(Path file) throws AuditLogException {
        return scan(file, 0, null);
    }

    /**
     * Verifies the whole chain and that line {@code expectedSeq} still exists with hash {@code
     * expectedHeadHash}, as recorded outside the log host. Lines appended since are fine.
     *
     * @param expectedSeq the {@link AuditRecord#seq()} of the externally kept head, at least 1
     * @param expectedHeadHash its {@link AuditRecord#hash()}
     * @throws AuditLogException if the file cannot be read
     */
    public static AuditVerification verify(Path file, long expectedSeq, String expectedHeadHash)
            throws AuditLogException {
        AuditLine.requireHash(expectedHeadHash, "expectedHeadHash");
        if (expectedSeq < 1) {
            throw new IllegalArgumentException("expectedSeq must be >= 1, got " + expectedSeq);
        }
        return scan(file, expectedSeq, expectedHeadHash);
    }

    private static AuditVerification scan(Path file, long anchorSeq, String anchorHash) throws AuditLogException {
        Objects.requireNonNull(file, "file");
        Path path = file.toAbsolutePath().normalize();
        Scan scan = new Scan(anchorSeq);
        try {
            path = path.toRealPath();
            synchronized (AuditLog.monitor(path)) {
                try (FileChannel channel = FileChannel.open(path, READ)) {
                    channel.lock(0, Long.MAX_VALUE, true); // shared; released when the channel closes
                    InputStream in = new BufferedInputStream(Channels.newInputStream(channel));
                    ByteArrayOutputStream line = new ByteArrayOutputStream(512);
                    for (int b = in.read(); b >= 0; b = in.read()) {
                        if (b == '\n') {
                            scan.line(line.toByteArray());
                            line.reset();
                        } else {
                            line.write(b);
                        }
                    }
                    if (line.size() > 0) {
                        scan.lines++;
                        scan.defect("torn: no newline at the end (incomplete write?)");
                    }
                }
            }
        } catch (IOException e) {
            throw new AuditLogException(path, "cannot read: " + e, e);
        }
        if (anchorHash != null) {
            if (scan.complete < anchorSeq) {
                scan.defects.add(new AuditDefect(
                        anchorSeq,
                        "missing: the external head is seq " + anchorSeq + " but the log has " + scan.complete
                                + " complete lines (newest lines truncated)"));
            } else if (!anchorHash.equals(scan.anchorHash)) {
                scan.defects.add(new AuditDefect(
                        anchorSeq,
                        "head mismatch: the external head hash is " + anchorHash + ", the log has "
                                + (scan.anchorHash == null ? "an unparseable line" : scan.anchorHash)
                                + " (log rewritten?)"));
            }
        }
        scan.defects.sort(Comparator.comparingLong(AuditDefect::line)); // stable: a line's defects keep their order
        return new AuditVerification(scan.defects.isEmpty(), scan.lines, scan.headHash, scan.defects);
    }

    /** The running state of one pass over the file. */
    private static final class Scan {
        final List<AuditDefect> defects = new ArrayList<>();
        /** The line whose hash is compared with an external head; 0 for none. */
        final long anchorSeq;
        /** Lines seen, a torn last line included, and lines ended by a newline. */
        long lines;
        long complete;
        String headHash = AuditLine.GENESIS;
        /** The seq and prev the next line must have; unknown (0, null) after an unparseable line. */
        long nextSeq = 1;
        String nextPrev = AuditLine.GENESIS;
        /** The hash of line {@code anchorSeq}, once read. */
        String anchorHash;

        Scan(long anchorSeq) {
            this.anchorSeq = anchorSeq;
        }

        void line(byte[] raw) {
            lines++;
            complete++;
            AuditLine line;
            try {
                line = AuditLine.parse(raw);
            } catch (AuditLine.Unparseable e) {
                defect("unparseable: " + e.getMessage());
                nextSeq = 0;
                nextPrev = null;
                return;
            }
            line.hashMismatch(raw).ifPresent(this::defect);
            if (nextSeq != 0 && line.seq() != nextSeq) {
                defect("seq gap: expected " + nextSeq + ", found " + line.seq());
            }
            if (nextPrev != null && !line.prev().equals(nextPrev)) {
                defect("prev mismatch: expected " + nextPrev + ", found " + line.prev()
                        + " (a line before it was removed, inserted or reordered)");
            }
            // continue from what this line says, so that one removed line is one defect, not many
            nextSeq = line.seq() + 1;
            nextPrev = line.hash();
            headHash = line.hash();
            if (lines == anchorSeq) {
                anchorHash = line.hash();
            }
        }

        void defect(String reason) {
            defects.add(new AuditDefect(lines, reason));
        }
    }
}
