package org.tandem.signer.zone;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 * <p>IMPORTANT: whoever writes a zone source must not be able to read the node's secrets through it
 * nor exhaust the node ({@link ZoneLimits}). An {@code $INCLUDE}d file must lie, by its real path
 * (symlinks followed), inside the real directory of the zone source, and must be a regular file,
 * checked before it is opened (so a FIFO, {@code /dev/zero} or a socket is never opened); every file
 * is capped in size, all included files together too, and so are the records of the zone and of one
 * {@code $GENERATE}. An error inside an included file names the file and line but never quotes its
 * text: no record, no token, no dnsjava message (which may echo the line), no cause.
 *
 * <p>Not thread-safe; one instance per file being read, used once.
 */
final class MasterFileReader {
    /** Deeper than any sane zone layout; stops an {@code $INCLUDE} loop through symlinks. */
    private static final int MAX_INCLUDE_DEPTH = 16;

    private static final Pattern GENERATE_RANGE = Pattern.compile("(\\d{1,10})-(\\d{1,10})(?:/(\\d{1,10}))?");

    /** Where dnsjava puts the location in a {@link Tokenizer#exception} message. */
    private static final Pattern DNSJAVA_LOCATION = Pattern.compile("^<none>:(\\d+): ", Pattern.DOTALL);

    /** Appended to every error inside an included file, instead of anything from its text. */
    static final String HIDDEN = " (the text of an $INCLUDEd file is never shown in errors; check that file"
            + " where it is, e.g. with named-checkzone)";

    private final Path file;
    private final ZoneName zone;
    private final Budget budget;
    /** Whether this file was {@code $INCLUDE}d: then no error quotes anything of its text. */
    private final boolean included;

    private final List<SourcedRecord> out;
    private final List<Path> includeChain;
    private final LineCountingStream in;
    private final Tokenizer st;

    private Name origin;
    private long defaultTtl;
    private Name lastOwner;
    /**
     * The owner text of the last entry and the origin it was read against: the same text gives the same Name object.
     */
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
            Budget budget,
            boolean included,
            Name origin,
            long defaultTtl,
            List<SourcedRecord> out,
            List<Path> includeChain) {
        this.file = file;
        this.zone = zone;
        this.budget = budget;
        this.included = included;
        this.origin = origin;
        this.defaultTtl = defaultTtl;
        this.out = out;
        this.includeChain = includeChain;
        this.in = new LineCountingStream(stream);
        this.st = new Tokenizer(in);
    }

    /** Reads {@code file} and everything it includes, in reading order. */
    static List<SourcedRecord> read(Path file, ZoneName zone, ZoneLimits limits) throws ZoneLoadException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(limits, "limits");
        List<SourcedRecord> plain = readPlain(file, zone, limits);
        if (plain != null) {
            return plain;
        }
        List<SourcedRecord> out = new ArrayList<>();
        Budget budget = new Budget(zone, limits, realDirectory(file));
        try (InputStream stream = openSource(file, budget)) {
            new MasterFileReader(file, stream, zone, budget, false, zone.name(), -1, out, List.of(chainKey(file)))
                    .readEntries();
        } catch (IOException e) {
            throw new ZoneLoadException(file, 0, null, "cannot close zone file: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * The file's records when every line is of the plain one-record-per-line form {@link ZoneLines} reads
     * (each record on one line with its own owner; {@code $ORIGIN} and {@code $TTL} but no other directive;
     * no parenthesis, quote or escape: what signers and provisioning systems write), each kept by {@link
     * #accept} as the tokenizer path keeps it; null as soon as one line is not, or the file cannot be read
     * to its end. The caller then reads the file again through dnsjava's {@link Tokenizer}, which gives the
     * same records for the plain lines and the error with its line for any other. Several times faster
     * than the tokenizer on a large zone.
     *
     * <p>The file is read in blocks of whole lines of about {@link #PLAIN_BLOCK_BYTES}; blocks without a
     * directive are parsed by several threads while the next are read, each with the {@code $ORIGIN} and
     * {@code $TTL} in force where it starts, and their records are kept in file order on this thread. A
     * block with a directive is parsed here, after every block before it. A block that needs the previous
     * record's TTL (no {@code $TTL}, a line without a TTL) is parsed again here, in order.
     */
    private static List<SourcedRecord> readPlain(Path file, ZoneName zone, ZoneLimits limits) throws ZoneLoadException {
        return readPlain(
                file, zone, limits, PLAIN_BLOCK_BYTES, Runtime.getRuntime().availableProcessors());
    }

    /** As {@link #readPlain(Path, ZoneName, ZoneLimits)} in blocks of {@code blockBytes} on {@code threads}. */
    static List<SourcedRecord> readPlain(Path file, ZoneName zone, ZoneLimits limits, int blockBytes, int threads)
            throws ZoneLoadException {
        List<SourcedRecord> out = new ArrayList<>();
        Budget budget = new Budget(zone, limits, realDirectory(file));
        MasterFileReader reader = new MasterFileReader(
                file, InputStream.nullInputStream(), zone, budget, false, zone.name(), -1, out, List.of());
        ZoneLines lines = new ZoneLines(zone.name());
        ExecutorService pool = threads < 2
                ? null
                : Executors.newFixedThreadPool(threads, r -> {
                    Thread t = new Thread(r, "zone-loader");
                    t.setDaemon(true);
                    return t;
                });
        ArrayDeque<Future<PlainBlock>> pending = new ArrayDeque<>();
        Keeper keeper = new Keeper(lines, reader);
        try (InputStream stream = openSource(file, budget)) {
            BlockReader blocks = new BlockReader(stream, blockBytes);
            for (PlainBlock block = blocks.next(); block != null; block = blocks.next()) {
                if (pool == null || block.hasDirective()) {
                    if (!keeper.keepAll(pending) || !block.parse(lines, true) || !keeper.keep(block)) {
                        return null;
                    }
                    continue;
                }
                ZoneLines own = lines.forBlock();
                PlainBlock b = block;
                pending.add(pool.submit(() -> {
                    b.parse(own, false);
                    return b;
                }));
                if (pending.size() > 2 * threads && !keeper.keep(pending.poll().get())) {
                    return null;
                }
            }
            if (!keeper.keepAll(pending)) {
                return null;
            }
        } catch (IOException | ExecutionException e) {
            return null; // read again through the tokenizer, which names what went wrong (a bad $ORIGIN too)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ZoneLoadException(file, 0, null, "interrupted while reading the zone file", e);
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
        return out;
    }

    /** Keeps parsed blocks' records, in file order, with their lines in the whole file. */
    private static final class Keeper {
        private final ZoneLines lines;
        private final MasterFileReader reader;
        /** The lines of the blocks kept so far. */
        private int lineBase;

        Keeper(ZoneLines lines, MasterFileReader reader) {
            this.lines = lines;
            this.reader = reader;
        }

        /**
         * Keeps a block's records, parsing it again with {@code lines} first when its own parse could not
         * finish (it needed the TTL of the record before it); false when a line is not plain.
         */
        boolean keep(PlainBlock block) throws IOException, ZoneLoadException {
            if (!block.parsed() && !block.parse(lines, true)) {
                return false;
            }
            List<Record> records = block.records();
            for (int i = 0; i < records.size(); i++) {
                reader.accept(records.get(i), lineBase + block.line(i));
            }
            if (!records.isEmpty()) {
                lines.lastTtl(records.get(records.size() - 1).getTTL());
            }
            lineBase += block.newlines;
            block.release();
            return true;
        }

        /** Keeps every pending block in order, emptying {@code pending}; false as {@link #keep}. */
        boolean keepAll(ArrayDeque<Future<PlainBlock>> pending)
                throws IOException, ZoneLoadException, ExecutionException, InterruptedException {
            for (Future<PlainBlock> f = pending.poll(); f != null; f = pending.poll()) {
                if (!keep(f.get())) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Lines are parsed in blocks of about this many bytes, several blocks at once. */
    static final int PLAIN_BLOCK_BYTES = 4 << 20;

    /** Reads a stream in blocks that end at a line break (the last one at the end of the stream). */
    private static final class BlockReader {
        private final InputStream stream;
        private final int blockBytes;
        private byte[] carry = new byte[0];
        private int carryLength;
        private boolean end;

        BlockReader(InputStream stream, int blockBytes) {
            this.stream = stream;
            this.blockBytes = blockBytes;
        }

        /** The next block, or null at the end. */
        PlainBlock next() throws IOException {
            if (end && carryLength == 0) {
                return null;
            }
            byte[] buf = new byte[Math.max(blockBytes, 2 * carryLength)];
            System.arraycopy(carry, 0, buf, 0, carryLength);
            int length = carryLength;
            int searched = 0;
            while (true) {
                while (!end && length < buf.length) {
                    int n = stream.read(buf, length, buf.length - length);
                    if (n < 0) {
                        end = true;
                    } else {
                        length += n;
                    }
                }
                int cut = length;
                if (!end) {
                    cut = searched;
                    for (int i = length - 1; i >= searched; i--) {
                        if (buf[i] == '\n') {
                            cut = i + 1;
                            break;
                        }
                    }
                    if (cut == searched) { // no line break yet: a line longer than the block
                        searched = length;
                        buf = Arrays.copyOf(buf, 2 * buf.length);
                        continue;
                    }
                }
                carryLength = length - cut;
                carry = Arrays.copyOfRange(buf, cut, length);
                return length == 0 && end ? null : new PlainBlock(buf, cut);
            }
        }
    }

    /** A block of whole lines and, once parsed, its records with their lines in it (1-based). */
    private static final class PlainBlock {
        private byte[] bytes;
        private final int length;
        private List<Record> records;
        private int[] lineOf;
        /** The line breaks in the block, once parsed: how far the next block's lines are from this one's. */
        private int newlines;

        PlainBlock(byte[] bytes, int length) {
            this.bytes = bytes;
            this.length = length;
        }

        /** Whether a line of it starts with {@code $}. */
        boolean hasDirective() {
            boolean lineStart = true;
            for (int i = 0; i < length; i++) {
                byte b = bytes[i];
                if (lineStart && b == '$') {
                    return true;
                }
                lineStart = b == '\n';
            }
            return false;
        }

        /**
         * Parses the lines with {@code lines}: true when every line is plain ({@code directives}: {@code
         * $ORIGIN} and {@code $TTL} are taken too); false otherwise, the block then left unparsed.
         */
        boolean parse(ZoneLines lines, boolean directives) throws TextParseException {
            List<Record> out = new ArrayList<>(length / 40);
            int[] at = new int[16];
            int number = 0;
            for (int p = 0; p < length; ) {
                int e = p;
                while (e < length && bytes[e] != '\n') {
                    e++;
                }
                int from = p;
                int n = e - p;
                p = e + 1;
                number++;
                if (ZoneLines.skipped(bytes, from, n)) {
                    continue;
                }
                if (bytes[from] == '$') {
                    if (!directives || !lines.directive(bytes, from, n)) {
                        return false;
                    }
                    continue;
                }
                Record record = lines.record(bytes, from, n);
                if (record == null) {
                    return false;
                }
                if (out.size() == at.length) {
                    at = Arrays.copyOf(at, 2 * at.length);
                }
                at[out.size()] = number;
                out.add(record);
            }
            records = out;
            lineOf = at;
            newlines = length > 0 && bytes[length - 1] == '\n' ? number : number - 1;
            return true;
        }

        boolean parsed() {
            return records != null;
        }

        List<Record> records() {
            return records;
        }

        /** The line of the {@code i}th record, counted from the block's first line as 1. */
        int line(int i) {
            return lineOf[i];
        }

        /** Drops the bytes and records once kept. */
        void release() {
            bytes = null;
            records = null;
            lineOf = null;
        }
    }

    /** Reads {@code text} as if it were the file {@code pretendSource}; {@code $INCLUDE} is relative to it. */
    static List<SourcedRecord> read(String text, ZoneName zone, Path pretendSource, ZoneLimits limits)
            throws ZoneLoadException {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(pretendSource, "pretendSource");
        Objects.requireNonNull(limits, "limits");
        byte[] bytes = text.getBytes(UTF_8);
        Budget budget = new Budget(zone, limits, realDirectory(pretendSource));
        if (bytes.length > limits.maxFileBytes()) {
            throw new ZoneLoadException(pretendSource, 0, null, budget.fileCap(pretendSource, bytes.length));
        }
        List<SourcedRecord> out = new ArrayList<>();
        new MasterFileReader(
                        pretendSource,
                        new ByteArrayInputStream(bytes),
                        zone,
                        budget,
                        false,
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
                    if (lastOwner != null
                            && origin == lastOwnerOrigin
                            && token.value().equals(lastOwnerText)) {
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
        } catch (CapExceeded e) {
            throw new ZoneLoadException(file, in.line(), null, e.getMessage());
        } catch (IOException e) {
            throw fail(in.line(), entry(), "read failed: " + e.getMessage(), "read failed", e);
        }
    }

    private String entry() {
        return entryOwner != null ? entryOwner.toString() : entry;
    }

    /**
     * The rejection of what is at {@code line}: as given in the source, and in an included file
     * only {@code hidden} (which must hold nothing of the file's text), without the record or cause.
     */
    private ZoneLoadException fail(int line, String record, String reason, String hidden, Throwable cause) {
        if (included) {
            return new ZoneLoadException(file, line, null, hidden + HIDDEN);
        }
        return new ZoneLoadException(file, line, record, reason, cause);
    }

    /** {@code $INCLUDE file} cannot be read, with the reason (the hidden text names no path). */
    private ZoneLoadException unreadableInclude(int line, String entry, Path target, IOException e) {
        return fail(
                line,
                entry,
                "$INCLUDE file " + target + " cannot be read: " + e.getMessage(),
                "$INCLUDE file cannot be read",
                null);
    }

    /** The line the entry whose first token was just read starts on. */
    private int entryLine() {
        // A token that ends its line ("4711" alone) was ended by the line break, which the Tokenizer
        // read and put back: it counts that break only when it reads it again.
        int line = in.endsWithBreak() ? in.line() - 1 : in.line();
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

    /**
     * {@code $INCLUDE <file> [<origin>]}: RFC 1035 §5.1; the file is relative to the including file,
     * and must be a regular file whose real path lies in the zone source's real directory.
     */
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
            throw fail(line, entry, "$INCLUDE loop: " + target + " is already being read", "$INCLUDE loop", null);
        }
        if (includeChain.size() >= MAX_INCLUDE_DEPTH) {
            throw fail(
                    line,
                    entry,
                    "$INCLUDE nested deeper than " + MAX_INCLUDE_DEPTH + " files",
                    "$INCLUDE nested deeper than " + MAX_INCLUDE_DEPTH + " files",
                    null);
        }
        Path real;
        try {
            real = target.toRealPath();
        } catch (NoSuchFileException e) {
            // outside stays outside, whether or not the file exists there
            real = target.toAbsolutePath().normalize();
            if (budget.directory != null && real.startsWith(budget.directory)) {
                throw fail(line, entry, "$INCLUDE file " + target + " not found", "$INCLUDE file not found", null);
            }
        } catch (IOException e) {
            throw unreadableInclude(line, entry, target, e);
        }
        if (budget.directory == null || !real.startsWith(budget.directory)) {
            throw fail(
                    line,
                    entry,
                    "$INCLUDE file " + target + " (real path " + real + ") is outside the zone"
                            + " source's directory "
                            + (budget.directory == null ? "(which does not exist)" : budget.directory)
                            + "; an included file must lie in that directory or below it, symlinks resolved",
                    "$INCLUDE file outside the zone source's directory",
                    null);
        }
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(real, BasicFileAttributes.class);
        } catch (IOException e) {
            throw unreadableInclude(line, entry, target, e);
        }
        if (!attributes.isRegularFile()) {
            throw fail(
                    line,
                    entry,
                    "$INCLUDE file " + target + " is not a regular file (" + kind(attributes)
                            + "); only regular files are read",
                    "$INCLUDE file is not a regular file",
                    null);
        }
        if (attributes.size() > budget.limits.maxFileBytes()) {
            throw fail(
                    line,
                    entry,
                    budget.fileCap(target, attributes.size()),
                    budget.fileCap(Path.of("the included file"), attributes.size()),
                    null);
        }
        if (attributes.size() > budget.includedLeft()) {
            throw fail(line, entry, budget.includedCap(target), budget.includedCap(Path.of("the included file")), null);
        }
        List<Path> chain = new ArrayList<>(includeChain);
        chain.add(key);
        InputStream raw;
        try {
            raw = Files.newInputStream(real);
        } catch (AccessDeniedException e) {
            throw fail(
                    line,
                    entry,
                    "$INCLUDE file " + target + " is not readable (permission denied)",
                    "$INCLUDE file is not readable (permission denied)",
                    e);
        } catch (IOException e) {
            throw unreadableInclude(line, entry, target, e);
        }
        // RFC 1035 §5.1: the included file does not change the including file's origin; neither do
        // its $TTL or its owners.
        try (InputStream stream = new CappedStream(raw, budget, target, true)) {
            new MasterFileReader(target, stream, zone, budget, true, includeOrigin, defaultTtl, out, List.copyOf(chain))
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
        long count = (end - start) / step + 1;
        if (count > budget.limits.maxGenerateRecords()) {
            String cap = "zone " + zone + ": $GENERATE would make " + count + " records, more than"
                    + " zone-limits.max-generate-records (" + budget.limits.maxGenerateRecords()
                    + "); split it, or raise zone-limits.max-generate-records in node.yaml";
            throw new ZoneLoadException(file, line, included ? null : "$GENERATE " + range, cap);
        }
        if (out.size() + count > budget.limits.maxRecords()) {
            throw new ZoneLoadException(file, line, included ? null : "$GENERATE " + range, budget.recordCap());
        }
        String lhs = st.getIdentifier();
        Prefix prefix = prefix();
        if (!Generator.supportedType(prefix.type)) {
            throw st.exception("$GENERATE does not support " + Type.string(prefix.type) + " records");
        }
        String rhs = st.getIdentifier();
        st.getEOL();
        Generator generator = new Generator(start, end, step, lhs, prefix.type, prefix.dclass, prefix.ttl, rhs, origin);
        while (true) {
            Record record;
            try {
                record = generator.nextRecord();
            } catch (TextParseException | IllegalArgumentException e) {
                throw fail(
                        line, entry, "$GENERATE: " + withoutLocation(e.getMessage()), "$GENERATE: invalid record", e);
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
            throw fail(
                    line,
                    SourcedRecord.presentation(record),
                    "class " + DClass.string(record.getDClass()) + " is not supported; a zone to sign is class IN",
                    "a record's class is not IN",
                    null);
        }
        if (!record.getName().subdomain(zone.name())) {
            throw fail(
                    line,
                    SourcedRecord.presentation(record),
                    "owner " + record.getName() + " is outside the zone " + zone,
                    "a record's owner is outside the zone " + zone,
                    null);
        }
        if (out.size() >= budget.limits.maxRecords()) {
            throw new ZoneLoadException(file, line, null, budget.recordCap());
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
        return fail(Math.max(line, 1), entry(), withoutLocation(message), "not valid master-file syntax", e);
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

    /** The real directory of {@code source}, the one {@code $INCLUDE}d files must lie in; null if none. */
    private static Path realDirectory(Path source) {
        Path parent = source.toAbsolutePath().getParent();
        try {
            return parent == null ? null : parent.toRealPath();
        } catch (IOException e) {
            return null;
        }
    }

    /** Opens the zone source itself: a regular file within the size cap, checked before it is opened. */
    private static InputStream openSource(Path file, Budget budget) throws ZoneLoadException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new ZoneLoadException(file, 0, null, "zone file " + file + " not found", e);
        } catch (IOException e) {
            throw new ZoneLoadException(file, 0, null, "zone file " + file + " cannot be read: " + e.getMessage(), e);
        }
        if (attributes.isDirectory()) {
            throw new ZoneLoadException(file, 0, null, "zone file " + file + " is a directory");
        }
        if (!attributes.isRegularFile()) {
            throw new ZoneLoadException(
                    file,
                    0,
                    null,
                    "zone file " + file + " is not a regular file (" + kind(attributes)
                            + "); only regular files are read");
        }
        if (attributes.size() > budget.limits.maxFileBytes()) {
            throw new ZoneLoadException(file, 0, null, budget.fileCap(file, attributes.size()));
        }
        try {
            return new CappedStream(Files.newInputStream(file), budget, file, false);
        } catch (NoSuchFileException e) {
            throw new ZoneLoadException(file, 0, null, "zone file " + file + " not found", e);
        } catch (AccessDeniedException e) {
            throw new ZoneLoadException(file, 0, null, "zone file " + file + " is not readable (permission denied)", e);
        } catch (IOException e) {
            throw new ZoneLoadException(file, 0, null, "zone file " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static String kind(BasicFileAttributes a) {
        if (a.isDirectory()) {
            return "a directory";
        }
        return a.isOther() ? "a FIFO, device or socket" : "not a plain file";
    }

    /** What the readers of one source share: the zone, its limits, the include directory, the bytes included. */
    private static final class Budget {
        final ZoneName zone;
        final ZoneLimits limits;
        /** The real directory of the source; null when it does not exist (then nothing can be included). */
        final Path directory;

        long includedBytes;

        Budget(ZoneName zone, ZoneLimits limits, Path directory) {
            this.zone = zone;
            this.limits = limits;
            this.directory = directory;
        }

        long includedLeft() {
            return limits.maxIncludedBytes() - includedBytes;
        }

        String fileCap(Path file, long size) {
            return "zone " + zone + ": " + file + " has " + (size < 0 ? "more than " + limits.maxFileBytes() : size)
                    + " bytes, more than zone-limits.max-file-size (" + limits.maxFileBytes()
                    + " bytes); raise zone-limits.max-file-size in node.yaml (signerctl sign: --max-file-size) if the"
                    + " zone is meant to be this large";
        }

        String includedCap(Path file) {
            return "zone " + zone + ": reading " + file + " would take the $INCLUDEd files past"
                    + " zone-limits.max-include-size (" + limits.maxIncludedBytes() + " bytes together); raise"
                    + " zone-limits.max-include-size in node.yaml if the zone is meant to be this large";
        }

        String recordCap() {
            return "zone " + zone + ": more than zone-limits.max-records (" + limits.maxRecords() + ") records;"
                    + " raise zone-limits.max-records in node.yaml (signerctl sign: --max-records) if the zone is meant"
                    + " to be this large";
        }
    }

    /** A size cap was reached while reading (the file grew after it was checked). */
    private static final class CapExceeded extends IOException {
        private static final long serialVersionUID = 1L;

        CapExceeded(String message) {
            super(message);
        }
    }

    /**
     * Counts the bytes read from one file against the per-file cap and, for an included file, the
     * cap of all included files together; past either it throws {@link CapExceeded}.
     */
    private static final class CappedStream extends FilterInputStream {
        private final Budget budget;
        private final Path file;
        private final boolean included;
        private long read;

        CappedStream(InputStream in, Budget budget, Path file, boolean included) {
            super(in);
            this.budget = budget;
            this.file = file;
            this.included = included;
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            if (c >= 0) {
                count(1);
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws CapExceeded {
            read += n;
            if (read > budget.limits.maxFileBytes()) {
                throw new CapExceeded(budget.fileCap(included ? Path.of("the included file") : file, -1));
            }
            if (included) {
                budget.includedBytes += n;
                if (budget.includedBytes > budget.limits.maxIncludedBytes()) {
                    throw new CapExceeded(budget.includedCap(Path.of("the included file")));
                }
            }
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
        private int last = -1;

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
            last = c;
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

        /** Whether the last byte read was a line break. */
        synchronized boolean endsWithBreak() {
            return last == '\n' || last == '\r';
        }
    }
}
