package org.tandem.signer.zone;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * One record as read from a master file, with where it came from, so that a rejection or warning
 * found later (CNAME beside other data, differing TTLs) can still name the file and line.
 *
 * @param record the parsed record, owner name as written
 * @param file the file it was read from (an included file for records read through
 *     {@code $INCLUDE})
 * @param line the 1-based line its entry starts on; for {@code $GENERATE} records, the directive's
 *     line
 * @param seq its position in the whole zone, in reading order
 */
record SourcedRecord(Record record, Path file, int line, int seq) {
    SourcedRecord {
        Objects.requireNonNull(record, "record");
        Objects.requireNonNull(file, "file");
        if (line < 1) {
            throw new IllegalArgumentException("line must be >= 1: " + line);
        }
    }

    /** {@code line 5} when in {@code reportedFile}, otherwise {@code other.zone:5}. */
    String where(Path reportedFile) {
        return file.equals(reportedFile) ? "line " + line : file + ":" + line;
    }

    /** {@code record} in presentation form on one line, fields separated by one space, for messages. */
    static String presentation(Record record) {
        return record.toString().replaceAll("\t+", " ");
    }

    /** This record with its TTL set to {@code ttl}; the file, line and position stay. */
    SourcedRecord withTtl(long ttl) {
        return new SourcedRecord(withTtl(record, ttl), file, line, seq);
    }

    /**
     * A copy of {@code record} with TTL {@code ttl}: dnsjava's records are immutable outside its
     * package, so the uncompressed wire form (owner, type, class, TTL, RDATA; names in RDATA keep
     * their case) is read back with the TTL field replaced.
     */
    static Record withTtl(Record record, long ttl) {
        byte[] wire = record.toWire(Section.ANSWER);
        int at = record.getName().length() + 4; // owner, then type (2) and class (2)
        wire[at] = (byte) (ttl >>> 24);
        wire[at + 1] = (byte) (ttl >>> 16);
        wire[at + 2] = (byte) (ttl >>> 8);
        wire[at + 3] = (byte) ttl;
        try {
            return Record.fromWire(wire, Section.ANSWER);
        } catch (IOException e) {
            throw new UncheckedIOException("dnsjava could not read back its own wire form of " + record, e);
        }
    }
}
