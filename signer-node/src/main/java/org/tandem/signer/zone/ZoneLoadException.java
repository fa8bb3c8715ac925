package org.tandem.signer.zone;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.tandem.signer.SigningException;

/**
 * A zone master file was rejected: it could not be read, is not valid RFC 1035 syntax, or its
 * content is not a zone the signer may sign (data outside the zone, SOA or apex NS missing, CNAME
 * beside other data, ...). Nothing was loaded; nothing may be signed or written from it.
 *
 * <p>The message is {@code FILE:LINE: reason (record: …)}, the form editors and compilers use, so
 * an operator can jump to the line. {@code FILE} is the file that holds the defect (the included
 * file for a defect inside an {@code $INCLUDE}, the including file for an {@code $INCLUDE} that
 * cannot be opened); {@code LINE} is 1-based, 0 when no line applies (missing or empty file).
 */
public final class ZoneLoadException extends SigningException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final int line;
    private final String record;
    private final String reason;

    ZoneLoadException(Path file, int line, String record, String reason) {
        this(file, line, record, reason, null);
    }

    ZoneLoadException(Path file, int line, String record, String reason, Throwable cause) {
        super(message(file, line, record, reason), cause);
        this.file = file;
        this.line = line;
        this.record = record;
        this.reason = reason;
    }

    private static String message(Path file, int line, String record, String reason) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(reason, "reason");
        if (line < 0) {
            throw new IllegalArgumentException("line must be >= 0: " + line);
        }
        String where = file + ":" + line + ": " + reason;
        return record == null ? where : where + " (record: " + record + ")";
    }

    /** The file holding the defect, as given to the loader or resolved from an {@code $INCLUDE}. */
    public Path file() {
        return file;
    }

    /** The 1-based line of the defect in {@link #file()}, 0 when no line applies. */
    public int line() {
        return line;
    }

    /** The offending record in presentation form, or its owner name when it did not parse. */
    public Optional<String> record() {
        return Optional.ofNullable(record);
    }

    /** What is wrong, without the file and line. */
    public String reason() {
        return reason;
    }
}
