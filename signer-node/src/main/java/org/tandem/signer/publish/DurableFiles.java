package org.tandem.signer.publish;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.RandomAccess;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.xbill.DNS.Record;

/**
 * The one place that makes zone files durable (INV-D7): a temporary file in the target's directory
 * written and fsynced, then an atomic rename (or a hard link, which refuses to overwrite), then an
 * fsync of the directory. Temporary files have dot names ending in {@code .tmp} and are never read
 * as zones.
 */
final class DurableFiles {
    private DurableFiles() {}

    /**
     * Writes the records, one per line in dnsjava's presentation format, under a header comment, into
     * a new temporary file in {@code dir} named after {@code targetName}, and fsyncs it. The caller
     * owns the returned file (rename it or delete it).
     */
    static Path writeTemp(Path dir, String targetName, String header, List<Record> records) throws IOException {
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + targetName + ".", ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            BufferedWriter w = new BufferedWriter(
                    new OutputStreamWriter(Channels.newOutputStream(ch), StandardCharsets.UTF_8), 1 << 16);
            for (String line : header.split("\n")) {
                w.write("; ");
                w.write(line);
                w.write('\n');
            }
            w.flush();
            try {
                writeRecords(Channels.newOutputStream(ch), records);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while writing " + tmp);
            }
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
        return tmp;
    }

    /** Renames {@code tmp} over {@code target} atomically (replacing it), then fsyncs the directory. */
    static void renameOver(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + target.getParent() + " cannot rename atomically", e);
        }
        fsyncDirectory(target.getParent());
    }

    /**
     * Makes {@code target} a second name of the (already fsynced) file {@code existing}; fails with
     * {@link java.nio.file.FileAlreadyExistsException} when {@code target} exists, which link(2) checks
     * atomically. Then fsyncs the target's directory.
     */
    static void linkNew(Path target, Path existing) throws IOException {
        Files.createLink(target, existing);
        fsyncDirectory(target.getParent());
    }

    static void fsyncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems cannot fsync a directory; the rename itself is atomic
        }
    }

    static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // best effort: the temporary file has a dot name and is never read as a zone
        }
    }

    /** Records formatted by one task. */
    static final int RUN = 8192;

    /**
     * Writes the records one per line in order; the formatting runs
     * on a few threads in runs of {@link #RUN} records, at most two runs per thread waiting at a time.
     */
    private static void writeRecords(OutputStream w, List<Record> all) throws IOException, InterruptedException {
        List<Record> records = all instanceof RandomAccess ? all : new ArrayList<>(all);
        int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        if (threads == 1 || records.size() <= RUN) {
            w.write(format(records, 0, records.size()));
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "zone-file-writer");
            t.setDaemon(true);
            return t;
        });
        try {
            Deque<Future<byte[]>> pending = new ArrayDeque<>();
            int next = 0;
            while (next < records.size() || !pending.isEmpty()) {
                while (next < records.size() && pending.size() < 2 * threads) {
                    int from = next;
                    int to = Math.min(records.size(), from + RUN);
                    pending.add(pool.submit(() -> format(records, from, to)));
                    next = to;
                }
                w.write(pending.removeFirst().get());
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IOException("formatting records failed: " + cause, cause);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The records' lines, byte for byte what {@code toString()} gives ({@link ZoneText}). */
    static byte[] format(List<Record> records, int from, int to) {
        boolean fast = ZoneText.plainOptions();
        ZoneText text = new ZoneText((to - from) * 100);
        for (int i = from; i < to; i++) {
            text.line(records.get(i), fast);
        }
        return text.toByteArray();
    }
}
