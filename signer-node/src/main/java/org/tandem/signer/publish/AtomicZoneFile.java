package org.tandem.signer.publish;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.tandem.signer.SigningException;
import org.xbill.DNS.Record;

/**
 * Writes a zone file so that readers see either the previous complete file or the new complete
 * file, never a part (INV-D7): a temporary file in the same directory, fsync, rename over the
 * target, fsync of the directory. On any failure the temporary file is removed and the previous
 * file is untouched.
 *
 * <p>Records are formatted (dnsjava's {@code toString}, the expensive part) by a few threads in runs
 * of {@link #RUN} records and written in order, with at most two runs per thread waiting at a time.
 */
public final class AtomicZoneFile {
    /** Records formatted by one task. */
    static final int RUN = 8192;

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
                OutputStream w = Channels.newOutputStream(ch);
                StringBuilder head = new StringBuilder();
                for (String line : header.split("\n")) {
                    head.append("; ").append(line).append('\n');
                }
                w.write(head.toString().getBytes(StandardCharsets.UTF_8));
                writeRecords(w, records);
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
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SigningException("interrupted while writing " + abs + "; the previous file is unchanged", e);
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

    /** Formats runs of records on a small pool and writes them in order, one line per record. */
    private static void writeRecords(OutputStream w, List<Record> all) throws IOException, InterruptedException {
        List<Record> records = all instanceof java.util.RandomAccess ? all : new java.util.ArrayList<>(all);
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

    private static byte[] format(List<Record> records, int from, int to) {
        StringBuilder b = new StringBuilder((to - from) * 100);
        for (int i = from; i < to; i++) {
            b.append(records.get(i).toString()).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }
}
