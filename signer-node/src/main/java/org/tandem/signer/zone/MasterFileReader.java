package org.tandem.signer.zone;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tandem.keysync.key.ZoneName;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Generator;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.TTL;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Tokenizer;
import org.xbill.DNS.Type;

/**
 * Reads an RFC 1035 master file into records, each with the file and line it came from. Drives
 * dnsjava's {@link Tokenizer} itself rather than {@link org.xbill.DNS.Master}, which hands out
 * records but not where they were: the directives ({@code $ORIGIN}, {@code $TTL}, {@code
 * $INCLUDE}, {@code $GENERATE}) and the owner/TTL/class/type prefix are handled here, following
 * {@code Master}'s rules, and the RDATA of every type (RFC 3597 {@code \#} form included) is
 * parsed by {@link Record#fromString(Name, int, int, long, Tokenizer, Name)}.
 *
 * <p>Rejects, with file and line: syntax errors (dnsjava's message), unknown type mnemonics,
 * classes other than IN, owners outside the zone, and {@code $INCLUDE} files that cannot be read.
 * Everything about the zone as a whole is {@link ZoneChecker}'s.
 *
 * <p>Not thread-safe; one instance per file being read, used once.
 */
final class MasterFileReader {
    /** Deeper than any sane zone layout; stops an {@code $INCLUDE} loop through symlinks. */
    private static final int MAX_INCLUDE_DEPTH = 16;

    private static final Pattern GENERATE_RANGE = Pattern.compile("(\\d{1,10})-(\\d{1,10})(?:/(\\d{1,10}))?");

    /** Where dnsjava puts the location in a {@link Tokenizer#exception} message. */
    private static final Pattern DNSJAVA_LOCATION = Pattern.compile("^<none>:(\\d+): ", Pattern.DOTALL);

    private final Path file;
    private final ZoneName zone;
    private final List<SourcedRecord> out;
    private final List<Path> includeChain;
    private final LineCountingStream in;
    private final Tokenizer st;

    private Name origin;
    private long defaultTtl;
    private Name lastOwner;
    /** The owner text of the last entry and the origin it was read against: the same text gives the same Name object. */
    private String lastOwnerText;
    private Name lastOwnerOrigin;
    private long lastTtl = -1;
    /** The entry being read, for messages: the directive, or the owner as written. */
    private String entry;
    /** The owner of the record being read once parsed; its text is made only for a message. */
    private Name entryOwner;

    private MasterFileReader(
            Path file,
            InputStream stream,
            ZoneName zone,
            Name origin,
            long defaultTtl,
            List<SourcedRecord> out,
            List<Path> includeChain) {
        this.file = file;
        this.zone = zone;
        this.origin = origin;
        this.defaultTtl = defaultTtl;
        this.out = out;
        this.includeChain = includeChain;
        this.in = new LineCountingStream(stream);
        this.st = new Tokenizer(in);
    }

    /** Reads {@code file} and everything it includes, in reading order. */
    static List<SourcedRecord> read(Path file, ZoneName zone) throws ZoneLoadException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(zone, "zone");
        List<SourcedRecord> out = new ArrayList<>();
        try (InputStream stream = open(file, null)) {
            new MasterFileReader(file, stream, zone, zone.name(), -1, out, List.of(chainKey(file)))
                    .readEntries();
        } catch (IOException e) {
            throw new ZoneLoadException(file, 0, null, "cannot close zone file: " + e.getMessage(), e);
        }
        return out;
    }

    /** Reads {@code text} as if it were the file {@code pretendSource}; {@code $INCLUDE} is relative to it. */
    static List<SourcedRecord> read(String text, ZoneName zone, Path pretendSource) throws ZoneLoadException {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(pretendSource, "pretendSource");
        List<SourcedRecord> out = new ArrayList<>();
        new MasterFileReader(
                        pretendSource,
                        new ByteArrayInputStream(text.getBytes(UTF_8)),
                        zone,
                        zone.name(),
                        -1,
                        out,
                        List.of(chainKey(pretendSource)))
                .readEntries();
        return out;
    }

    private void readEntries() throws ZoneLoadException {
        int line = 0;
        try {
            while (true) {
                entry = null;
                entryOwner = null;
                Tokenizer.Token token = st.get(true, false);
                Name owner;
                if (token.type() == Tokenizer.WHITESPACE) {
                    Tokenizer.Token next = st.get();
                    if (next.type() == Tokenizer.EOL) {
                        continue;
                    }
                    if (next.type() == Tokenizer.EOF) {
                        return;
                    }
                    st.unget();
                    line = entryLine();
                    // RFC 1035 §5.1: a blank owner is the previous record's owner.
                    if (lastOwner == null) {
                        throw st.exception("no owner name, and no record before this one to take it from");
                    }
                    owner = lastOwner;
                } else if (token.type() == Tokenizer.EOL) {
                    continue;
                } else if (token.type() == Tokenizer.EOF) {
                    return;
                } else if (token.type() == Tokenizer.IDENTIFIER && token.value().startsWith("$")) {
                    line = entryLine();
                    entry = token.value();
                    directive(token.value(), line);
                    continue;
                } else {
                    line = entryLine();
                    entry = token.value();
                    // Consecutive records of one owner (NS, NS, DS of a delegation) share one Name:
                    // names are immutable, and at 1M delegations this saves a million Name objects
                    // and their parsing.
                    if (lastOwner != null && origin == lastOwnerOrigin && token.value().equals(lastOwnerText)) {
                        owner = lastOwner;
                    } else {
                        owner = name(token.value(), origin);
                        lastOwnerText = token.value();
                        lastOwnerOrigin = origin;
                    }
                }
                entryOwner = owner;
                record(owner, line);
            }
        } catch (TextParseException e) {
            throw syntaxError(e, line);
        } catch (IllegalArgumentException e) {
            // dnsjava reports some bad input as RelativeNameException, InvalidTypeException,
            // InvalidTTLException and the like, all IllegalArgumentExceptions.
            throw syntaxError(e, line);
        } catch (IOException e) {
            throw new ZoneLoadException(file, in.line(), entry(), "read failed: " + e.getMessage(), e);
        }
    }

    private String entry() {
        return entryOwner != null ? entryOwner.toString() : entry;
    }

    /** The line the entry whose first token was just read starts on. */
    private int entryLine() {
        int line = in.line();
        assert line == dnsjavaLine() : "line count " + line + " differs from dnsjava's " + dnsjavaLine();
        return line;
    }

    private void record(Name owner, int line) throws IOException, ZoneLoadException {
        Prefix prefix = prefix();
        Record record = Record.fromString(owner, prefix.type, prefix.dclass, Math.max(prefix.ttl, 0), st, origin);
        if (prefix.ttl < 0) {
            // As BIND and dnsjava's Master: an SOA without TTL and without $TTL before it takes its
            // MINIMUM, which then is the default for the records after it.
            long minimum = ((SOARecord) record).getMinimum();
            record = SourcedRecord.withTtl(record, minimum);
            defaultTtl = minimum;
        }
        lastOwner = owner;
        lastTtl = record.getTTL();
        accept(record, line);
    }

    /** TTL, class and type of a record: {@code [ttl] [class] type} or {@code [class] [ttl] type}. */
    private Prefix prefix() throws IOException {
        String s = st.getString();
        int dclass = DClass.value(s);
        boolean seenClass = dclass >= 0;
        if (seenClass) {
            s = st.getString();
        }
        long ttl = -1;
        if (!s.isEmpty() && Character.isDigit(s.charAt(0))) {
            try {
                ttl = TTL.parseTTL(s);
            } catch (NumberFormatException e) {
                throw st.exception("invalid TTL '" + s + "'");
            }
            s = st.getString();
        } else if (defaultTtl >= 0) {
            ttl = defaultTtl;
        } else if (lastTtl >= 0) {
            ttl = lastTtl;
        }
        if (!seenClass) {
            dclass = DClass.value(s);
            if (dclass >= 0) {
                s = st.getString();
            } else {
                dclass = DClass.IN;
            }
        }
        int type = Type.value(s);
        if (type < 0) {
            throw st.exception("unknown record type '" + s
                    + "' (write a type dnsjava does not know as TYPEnnn \\# <length> <hex>, RFC 3597)");
        }
        if (!Type.isRR(type)) {
            throw st.exception(Type.string(type) + " is a query or meta type, not a record type");
        }
        if (ttl < 0 && type != Type.SOA) {
            throw st.exception("no TTL, and no $TTL or record with a TTL before this one");
        }
        return new Prefix(ttl, dclass, type);
    }

    private record Prefix(long ttl, int dclass, int type) {}

    private void directive(String directive, int line) throws IOException, ZoneLoadException {
        if (directive.equalsIgnoreCase("$ORIGIN")) {
            // RFC 1035 §5.1; a relative origin is relative to the current one, as in BIND.
            origin = name(st.getString(), origin);
            st.getEOL();
        } else if (directive.equalsIgnoreCase("$TTL")) {
            // RFC 2308 §4
            defaultTtl = st.getTTL();
            st.getEOL();
        } else if (directive.equalsIgnoreCase("$INCLUDE")) {
            include(line);
        } else if (directive.equalsIgnoreCase("$GENERATE")) {
            generate(line);
        } else {
            throw st.exception("unknown directive " + directive);
        }
    }

    /** {@code $INCLUDE <file> [<origin>]}: RFC 1035 §5.1; the file is relative to the including file. */
    private void include(int line) throws IOException, ZoneLoadException {
        String name = st.getString();
        entry = "$INCLUDE " + name;
        Name includeOrigin = origin;
        Tokenizer.Token next = st.get();
        if (next.isString()) {
            includeOrigin = name(next.value(), origin);
            st.getEOL();
        }
        Path target = file.resolveSibling(name);
        Path key = chainKey(target);
        if (includeChain.contains(key)) {
            throw new ZoneLoadException(file, line, entry, "$INCLUDE loop: " + target + " is already being read");
        }
        if (includeChain.size() >= MAX_INCLUDE_DEPTH) {
            throw new ZoneLoadException(
                    file, line, entry, "$INCLUDE nested deeper than " + MAX_INCLUDE_DEPTH + " files");
        }
        List<Path> chain = new ArrayList<>(includeChain);
        chain.add(key);
        // RFC 1035 §5.1: the included file does not change the including file's origin; neither do
        // its $TTL or its owners.
        try (InputStream stream = open(target, new Including(file, line, entry))) {
            new MasterFileReader(target, stream, zone, includeOrigin, defaultTtl, out, List.copyOf(chain))
                    .readEntries();
        }
    }

    /**
     * {@code $GENERATE start-end[/step] lhs [ttl] [class] type rhs}, the BIND extension, expanded by
     * dnsjava's {@link Generator}. Every record it makes is given the directive's line.
     */
    private void generate(int line) throws IOException, ZoneLoadException {
        String range = st.getIdentifier();
        Matcher m = GENERATE_RANGE.matcher(range);
        if (!m.matches()) {
            throw st.exception("invalid $GENERATE range '" + range + "' (start-end[/step])");
        }
        long start = Long.parseLong(m.group(1));
        long end = Long.parseLong(m.group(2));
        long step = m.group(3) == null ? 1 : Long.parseLong(m.group(3));
        if (start > end || end > 0xFFFFFFFFL || step < 1) {
            throw st.exception("invalid $GENERATE range '" + range + "' (start-end[/step])");
        }
        String lhs = st.getIdentifier();
        Prefix prefix = prefix();
        if (!Generator.supportedType(prefix.type)) {
            throw st.exception("$GENERATE does not support " + Type.string(prefix.type) + " records");
        }
        String rhs = st.getIdentifier();
        st.getEOL();
        Generator generator =
                new Generator(start, end, step, lhs, prefix.type, prefix.dclass, prefix.ttl, rhs, origin);
        while (true) {
            Record record;
            try {
                record = generator.nextRecord();
            } catch (TextParseException | IllegalArgumentException e) {
                throw new ZoneLoadException(file, line, entry, "$GENERATE: " + withoutLocation(e.getMessage()), e);
            }
            if (record == null) {
                return;
            }
            accept(record, line);
        }
    }

    /** Checks what can be checked record by record, and keeps the record. */
    private void accept(Record record, int line) throws ZoneLoadException {
        if (record.getDClass() != DClass.IN) {
            throw new ZoneLoadException(
                    file,
                    line,
                    SourcedRecord.presentation(record),
                    "class " + DClass.string(record.getDClass()) + " is not supported; a zone to sign is class IN");
        }
        if (!record.getName().subdomain(zone.name())) {
            throw new ZoneLoadException(
                    file,
                    line,
                    SourcedRecord.presentation(record),
                    "owner " + record.getName() + " is outside the zone " + zone);
        }
        out.add(new SourcedRecord(record, file, line, out.size()));
    }

    private Name name(String text, Name relativeTo) throws TextParseException {
        try {
            return Name.fromString(text, relativeTo);
        } catch (TextParseException e) {
            throw st.exception(e.getMessage());
        }
    }

    private ZoneLoadException syntaxError(Exception e, int entryLine) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int line = dnsjavaLine();
        // The Tokenizer has counted the line break when a record ends too early ("expected an
        // address" for "www A"): the defect is on the line before. Putting the end-of-line token
        // back undoes that count; unget() refuses when a token is already put back, and then the
        // Tokenizer stands inside the record and its line is right as it is.
        try {
            st.unget();
            line = Math.max(entryLine, dnsjavaLine());
        } catch (IllegalStateException alreadyPutBack) {
            line = Math.max(entryLine, line);
        }
        return new ZoneLoadException(file, Math.max(line, 1), entry(), withoutLocation(message), e);
    }

    /** The Tokenizer's current line, which dnsjava offers only inside an exception message. */
    private int dnsjavaLine() {
        String message = st.exception("").getMessage();
        Matcher m = DNSJAVA_LOCATION.matcher(message);
        if (!m.find()) {
            throw new IllegalStateException("dnsjava's Tokenizer message format changed: '" + message + "'");
        }
        return Integer.parseInt(m.group(1));
    }

    private static String withoutLocation(String message) {
        return DNSJAVA_LOCATION.matcher(message).replaceFirst("");
    }

    private static Path chainKey(Path file) {
        return file.toAbsolutePath().normalize();
    }

    /** The {@code $INCLUDE} that asks for a file, for the message when the file cannot be read. */
    private record Including(Path file, int line, String entry) {}

    private static InputStream open(Path file, Including including) throws ZoneLoadException {
        String what = including == null ? "zone file" : "$INCLUDE file";
        Path reportFile = including == null ? file : including.file();
        int reportLine = including == null ? 0 : including.line();
        String record = including == null ? null : including.entry();
        if (Files.isDirectory(file)) {
            throw new ZoneLoadException(reportFile, reportLine, record, what + " " + file + " is a directory");
        }
        try {
            return Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new ZoneLoadException(reportFile, reportLine, record, what + " " + file + " not found", e);
        } catch (AccessDeniedException e) {
            throw new ZoneLoadException(
                    reportFile, reportLine, record, what + " " + file + " is not readable (permission denied)", e);
        } catch (IOException e) {
            throw new ZoneLoadException(
                    reportFile, reportLine, record, what + " " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * Counts the line breaks the {@link Tokenizer} reads, the way it counts them (CR, LF or CRLF is
     * one). The Tokenizer does not wrap a {@link BufferedInputStream} again and reads it one byte
     * at a time, so after it has read the first token of an entry this count plus one is the line
     * the entry starts on (what it puts back is at most the delimiter after that token). Asking the
     * Tokenizer itself costs an exception per record.
     */
    private static final class LineCountingStream extends BufferedInputStream {
        private int breaks;
        private boolean afterCr;

        LineCountingStream(InputStream in) {
            super(in, 1 << 16);
        }

        @Override
        public synchronized int read() throws IOException {
            int c = super.read();
            count(c);
            return c;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            for (int i = off; i < off + n; i++) {
                count(b[i] & 0xff);
            }
            return n;
        }

        private void count(int c) {
            if (c == '\r') {
                breaks++;
                afterCr = true;
                return;
            }
            if (c == '\n' && !afterCr) {
                breaks++;
            }
            afterCr = false;
        }

        synchronized int line() {
            return breaks + 1;
        }
    }
}
