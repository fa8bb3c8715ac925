package org.tandem.signer.publish;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.tandem.signer.SigningException;
import org.tandem.signer.zone.ZoneLines;
import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;

/**
 * Reads a signed zone file as published (all records, DNSSEC ones included) for the gate and the serial.
 *
 * <p>Large files in the one-record-per-line form that {@link AtomicZoneFile} writes (and that most
 * signers can write) are read in runs of whole lines by several threads; the records come out in file
 * order, exactly as one dnsjava {@link Master} over the whole file would give them. Each thread reads a
 * run of at most about {@link #MAX_RUN_BYTES} into a buffer of its own with positional reads, so a
 * file of any size (a 17M-delegation zone signed is about 3.7 GB, past the 2 GiB of one memory
 * mapping) is read in parallel, and the file's pages are not counted in the process's memory. A run
 * starts on a line with its own owner name and an explicit TTL as its second field, and it is parsed
 * only when nothing in it carries state from one line to a later one that a split could lose: no
 * directive ({@code $ORIGIN}, {@code $TTL}, {@code $INCLUDE}, {@code $GENERATE}: a line starting with
 * {@code $}) and no parenthesis (no record spans lines). Every byte of the file is in some run, so one
 * such line anywhere, or a parse error in any run, makes the whole file be read in one piece, so that
 * messages name the right line.
 *
 * <p>Each run, and a file read in one piece, is first read by {@link ZoneLines}, which turns lines of the
 * plain form straight into the same records as {@code Master} without its tokenizer; a run with any other
 * line is read by {@code Master}.
 */
public final class SignedZoneFile {
    /** Below this, one thread reads faster than several start. */
    static final long PARALLEL_MIN_BYTES = 4L << 20;
    /** The planned length of a run at most: each reading thread holds one run's bytes. */
    static final int MAX_RUN_BYTES = 32 << 20;
    /** How far past a planned split point a line to split at is looked for before that split is dropped. */
    static final int SPLIT_SEARCH_BYTES = 64 << 10;

    private SignedZoneFile() {}

    /** Where a run's bytes come from: {@link FileChannel#read(ByteBuffer, long)}, or a buffer in tests. */
    @FunctionalInterface
    interface Source {
        /** Reads into {@code dst} from {@code position} on; the bytes read, or -1 at the end. */
        int read(ByteBuffer dst, long position) throws IOException;
    }

    public static List<Record> read(Path file, Name origin) throws SigningException {
        return read(file, origin, Runtime.getRuntime().availableProcessors(), MAX_RUN_BYTES);
    }

    /** As {@link #read(Path, Name)}, with at most {@code threads} parsing threads (1: in one piece). */
    static List<Record> read(Path file, Name origin, int threads) throws SigningException {
        return read(file, origin, threads, MAX_RUN_BYTES);
    }

    /** As {@link #read(Path, Name, int)}, with runs planned at most {@code maxRun} bytes long. */
    static List<Record> read(Path file, Name origin, int threads, int maxRun) throws SigningException {
        if (!Files.isRegularFile(file)) {
            throw new SigningException(file + ": signed zone file not found");
        }
        List<Record> records = null;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size >= PARALLEL_MIN_BYTES && (threads > 1 || size > Integer.MAX_VALUE)) {
                records = readInRuns(file, ch::read, size, origin, Math.max(1, threads), maxRun);
            }
            if (records == null && size > 0 && size <= Integer.MAX_VALUE) {
                records = ZoneLines.parse(ch.map(FileChannel.MapMode.READ_ONLY, 0, size), origin);
            }
        } catch (IOException e) {
            throw new SigningException(file + ": " + e.getMessage(), e);
        }
        if (records == null) {
            records = readWithMaster(file, origin);
        }
        if (records.isEmpty()) {
            throw new SigningException(file + ": empty zone file");
        }
        return records;
    }

    private static List<Record> readWithMaster(Path file, Name origin) throws SigningException {
        List<Record> records = new ArrayList<>();
        try (Master master = new Master(file.toString(), origin)) {
            for (Record r = master.nextRecord(); r != null; r = master.nextRecord()) {
                records.add(r);
            }
        } catch (IOException e) {
            throw new SigningException(file + ": " + e.getMessage(), e);
        }
        return records;
    }

    /**
     * The records read in runs by {@code threads} threads, or null when the file has no place to split, a
     * run holds a directive or a parenthesis, or a run fails to parse.
     */
    static List<Record> readInRuns(Path file, Source source, long size, Name origin, int threads, int maxRun)
            throws SigningException, IOException {
        int runs = (int) Math.min(Integer.MAX_VALUE / 2, Math.max(threads * 4L, (size + maxRun - 1) / maxRun));
        long[] cuts = cuts(source, size, runs);
        if (cuts.length < 3 && threads > 1) {
            return null; // one run: nothing to split
        }
        int buffer = (int) Math.min(Integer.MAX_VALUE - 8, (size + runs - 1) / runs + SPLIT_SEARCH_BYTES);
        ThreadLocal<ByteBuffer> buffers = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(buffer));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "zone-file-reader");
            t.setDaemon(true);
            return t;
        });
        List<Future<List<Record>>> parts = new ArrayList<>(cuts.length);
        try {
            for (int i = 0; i + 1 < cuts.length; i++) {
                long from = cuts[i];
                long to = cuts[i + 1];
                if (to - from > Integer.MAX_VALUE - 8) {
                    return null;
                }
                parts.add(pool.submit(() -> parseRun(source, from, (int) (to - from), origin, buffers)));
            }
            List<Record> records = new ArrayList<>();
            for (Future<List<Record>> f : parts) {
                List<Record> part = f.get();
                if (part == null) {
                    return null;
                }
                records.addAll(part);
            }
            return records;
        } catch (ExecutionException e) {
            return null; // read it again in one piece, for the message with the right line
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SigningException(file + ": interrupted while reading", e);
        } finally {
            // no interrupt: one would close the channel under a reading thread, and the file is read
            // again in one piece through it; runs not started are cancelled, started ones finish
            parts.forEach(f -> f.cancel(false));
            pool.shutdown();
        }
    }

    /** The run's records, or null when it must not be read on its own (see {@link #clean}). */
    private static List<Record> parseRun(
            Source source, long from, int length, Name origin, ThreadLocal<ByteBuffer> buffers) throws IOException {
        ByteBuffer buf = buffers.get();
        if (buf.capacity() < length) {
            buf = ByteBuffer.allocate(length); // a run that found its split late: once, for this run
        }
        buf.clear().limit(length);
        while (buf.hasRemaining()) {
            if (source.read(buf, from + buf.position()) < 0) {
                throw new IOException("the file ended at " + (from + buf.position()) + " while being read");
            }
        }
        buf.flip();
        return clean(buf) ? parse(buf, origin) : null;
    }

    /**
     * Whether a run of whole lines may be read on its own: no parenthesis anywhere in it and no line
     * starting with {@code $}.
     */
    static boolean clean(ByteBuffer run) {
        boolean lineStart = true;
        for (int i = run.position(), end = run.limit(); i < end; i++) {
            byte b = run.get(i);
            if (b == '(' || (lineStart && b == '$')) {
                return false;
            }
            lineStart = b == '\n';
        }
        return true;
    }

    private static List<Record> parse(ByteBuffer part, Name origin) throws IOException {
        List<Record> plain = ZoneLines.parse(part.duplicate(), origin);
        if (plain != null) {
            return plain;
        }
        List<Record> records = new ArrayList<>(part.remaining() / 90);
        try (Master master = new Master(new BufferStream(part), origin)) {
            for (Record r = master.nextRecord(); r != null; r = master.nextRecord()) {
                records.add(r);
            }
        }
        return records;
    }

    /**
     * Offsets {@code 0 = c[0] < c[1] < ... < c[k] = size} where the file may be split into about {@code
     * runs} runs: each inner one the first start of a line with its own owner name and an explicit TTL at
     * or after a planned point, looked for within {@link #SPLIT_SEARCH_BYTES} of it (none there: that split
     * is dropped). Only the bytes near the planned points are read.
     */
    static long[] cuts(Source source, long size, int runs) throws IOException {
        List<Long> cuts = new ArrayList<>();
        cuts.add(0L);
        ByteBuffer window = ByteBuffer.allocate(SPLIT_SEARCH_BYTES + 1);
        for (int k = 1; k < runs; k++) {
            long last = cuts.get(cuts.size() - 1);
            long planned = Math.max(size * k / runs, last + 1);
            if (planned >= size) {
                break;
            }
            long p = splitPoint(source, size, planned, window);
            if (p > last && p < size) {
                cuts.add(p);
            }
        }
        cuts.add(size);
        return cuts.stream().mapToLong(Long::longValue).toArray();
    }

    /** The first line start at or after {@code planned} where the file may be split, within the window; or -1. */
    private static long splitPoint(Source source, long size, long planned, ByteBuffer window) throws IOException {
        long start = planned - 1; // the byte before: a line start follows a newline
        window.clear().limit((int) Math.min(window.capacity(), size - start));
        while (window.hasRemaining()) {
            if (source.read(window, start + window.position()) < 0) {
                break;
            }
        }
        window.flip();
        int n = window.limit();
        for (int i = 1; i < n; i++) {
            if (window.get(i - 1) == '\n' && splittableAt(window, i)) {
                return start + i;
            }
        }
        return -1;
    }

    /** A line with its own owner name and an explicit TTL (a digit) as its second field, seen whole in {@code buf}. */
    private static boolean splittableAt(ByteBuffer buf, int p) {
        int size = buf.limit();
        byte first = buf.get(p);
        if (first == ' ' || first == '\t' || first == '\n' || first == '\r' || first == ';') {
            return false;
        }
        int i = p;
        while (i < size && buf.get(i) != ' ' && buf.get(i) != '\t' && buf.get(i) != '\n') {
            i++;
        }
        while (i < size && (buf.get(i) == ' ' || buf.get(i) == '\t')) {
            i++;
        }
        return i < size && buf.get(i) >= '0' && buf.get(i) <= '9';
    }

    /**
     * The apex SOA serial of a previously published file, when there is one. Reads only as far as
     * the apex SOA (the first records, in a file in canonical order).
     */
    public static Optional<Long> serial(Path file, Name origin) throws SigningException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        if (!Files.isRegularFile(file)) {
            throw new SigningException(file + ": signed zone file not found");
        }
        boolean any = false;
        try (Master master = new Master(file.toString(), origin)) {
            for (Record r = master.nextRecord(); r != null; r = master.nextRecord()) {
                any = true;
                if (r instanceof SOARecord soa && r.getName().equals(origin)) {
                    return Optional.of(soa.getSerial());
                }
            }
        } catch (IOException e) {
            throw new SigningException(file + ": " + e.getMessage(), e);
        }
        if (!any) {
            throw new SigningException(file + ": empty zone file");
        }
        return Optional.empty();
    }

    /** An input stream over a buffer's remaining bytes (a mapped run of a file). */
    private static final class BufferStream extends InputStream {
        private final ByteBuffer buf;

        BufferStream(ByteBuffer buf) {
            this.buf = buf;
        }

        @Override
        public int read() {
            return buf.hasRemaining() ? buf.get() & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            if (!buf.hasRemaining()) {
                return -1;
            }
            int n = Math.min(len, buf.remaining());
            buf.get(b, off, n);
            return n;
        }
    }
}
