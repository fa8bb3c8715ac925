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
 * signers can write) are parsed by several threads, each with its own dnsjava {@link Master} over a
 * run of whole lines; the records come out in file order, exactly as one {@code Master} over the
 * whole file would give them. A file is split only when nothing in it carries state from one line to
 * a later one that a split could lose: no directive ({@code $ORIGIN}, {@code $TTL}, {@code
 * $INCLUDE}, {@code $GENERATE}: a line starting with {@code $}), no parenthesis anywhere (no record
 * spans lines), and every run starts on a line with its own owner name and an explicit TTL as its
 * second field. Anything else, and any parse error in a run, is read by one {@code Master} over the
 * whole file, so messages name the right line.
 *
 * <p>Each run, and a file read in one piece, is first read by {@link ZoneLines}, which turns lines of the
 * plain form straight into the same records as {@code Master} without its tokenizer; a run with any other
 * line is read by {@code Master}.
 */
public final class SignedZoneFile {
    /** Below this, one thread reads faster than several start. */
    static final long PARALLEL_MIN_BYTES = 4L << 20;

    private SignedZoneFile() {}

    public static List<Record> read(Path file, Name origin) throws SigningException {
        return read(file, origin, Runtime.getRuntime().availableProcessors());
    }

    /** As {@link #read(Path, Name)}, with at most {@code threads} parsing threads (1: sequential). */
    static List<Record> read(Path file, Name origin, int threads) throws SigningException {
        if (!Files.isRegularFile(file)) {
            throw new SigningException(file + ": signed zone file not found");
        }
        List<Record> records = null;
        if (threads > 1) {
            records = readInParallel(file, origin, threads);
        }
        if (records == null) {
            records = readSequentially(file, origin);
        }
        if (records.isEmpty()) {
            throw new SigningException(file + ": empty zone file");
        }
        return records;
    }

    private static List<Record> readSequentially(Path file, Name origin) throws SigningException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > 0 && size <= Integer.MAX_VALUE) {
                List<Record> plain = ZoneLines.parse(ch.map(FileChannel.MapMode.READ_ONLY, 0, size), origin);
                if (plain != null) {
                    return plain;
                }
            }
        } catch (IOException e) {
            throw new SigningException(file + ": " + e.getMessage(), e);
        }
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

    /** The records, or null when the file is small, not splittable, or a run fails to parse. */
    private static List<Record> readInParallel(Path file, Name origin, int threads) throws SigningException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < PARALLEL_MIN_BYTES || size > Integer.MAX_VALUE) {
                return null;
            }
            ByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            int[] cuts = cuts(buf, threads * 4);
            if (cuts == null) {
                return null;
            }
            ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "zone-file-reader");
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<List<Record>>> parts = new ArrayList<>();
                for (int i = 0; i + 1 < cuts.length; i++) {
                    ByteBuffer part = buf.slice(cuts[i], cuts[i + 1] - cuts[i]);
                    parts.add(pool.submit(() -> parse(part, origin)));
                }
                List<Record> records = new ArrayList<>();
                for (Future<List<Record>> f : parts) {
                    records.addAll(f.get());
                }
                return records;
            } catch (ExecutionException e) {
                return null; // read it again in one piece, for the message with the right line
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SigningException(file + ": interrupted while reading", e);
            } finally {
                pool.shutdownNow();
            }
        } catch (IOException e) {
            throw new SigningException(file + ": " + e.getMessage(), e);
        }
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
     * Offsets {@code 0 = c[0] < c[1] < ... < c[k] = size} of line starts where the file may be split
     * into about {@code pieces} runs, or null if it must be read in one piece (see the class comment).
     */
    static int[] cuts(ByteBuffer buf, int pieces) {
        int size = buf.limit();
        boolean lineStart = true;
        for (int i = 0; i < size; i++) {
            byte b = buf.get(i);
            if (b == '(' || (lineStart && b == '$')) {
                return null;
            }
            lineStart = b == '\n';
        }
        List<Integer> cuts = new ArrayList<>();
        cuts.add(0);
        for (int k = 1; k < pieces; k++) {
            int p = Math.max((int) ((long) size * k / pieces), cuts.get(cuts.size() - 1) + 1);
            p = nextLineStart(buf, p);
            while (p < size && !splittableAt(buf, p)) {
                p = nextLineStart(buf, p + 1);
            }
            if (p >= size) {
                break;
            }
            cuts.add(p);
        }
        cuts.add(size);
        return cuts.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The first line start at or after {@code p} (a line start is just after a newline). */
    private static int nextLineStart(ByteBuffer buf, int p) {
        int size = buf.limit();
        if (p > 0 && p < size && buf.get(p - 1) == '\n') {
            return p;
        }
        while (p < size && buf.get(p) != '\n') {
            p++;
        }
        return Math.min(size, p + 1);
    }

    /** A line with its own owner name and an explicit TTL (a digit) as its second field. */
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
