package org.tandem.cli.demo;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.tandem.cli.ExitCode;
import org.tandem.cli.SignerctlException;

/**
 * The pid file of {@code demo --keep-running} ({@code DIR/pids}: one {@code <name> <pid>} line per
 * process, in start order) and {@code demo --stop}: SIGTERM to each process in reverse start order,
 * SIGKILL after {@link #GRACE}. A pid whose process does not carry {@link #MARK} with the work
 * directory on its command line (the pid was reused) is left alone.
 */
final class DemoProcesses {
    static final String FILE = "pids";
    static final Duration GRACE = Duration.ofSeconds(20);
    /** The JVM option every demo process carries first, naming its work directory. */
    static final String MARK = "-Dtandem.demo.workdir=";

    /** One process of the demo cluster. */
    record Entry(String name, long pid) {
        Entry {
            if (!name.matches("[a-z0-9-]+") || pid <= 0) {
                throw new IllegalArgumentException("bad pid file entry: " + name + " " + pid);
            }
        }
    }

    private DemoProcesses() {}

    static void append(Path dir, String name, long pid) throws IOException {
        Files.writeString(
                dir.resolve(FILE),
                name + " " + pid + "\n",
                StandardCharsets.US_ASCII,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    static List<Entry> read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new SignerctlException(
                    ExitCode.USAGE,
                    file + ": no pid file: nothing was started with " + "`signerctl demo --keep-running --workdir "
                            + dir + "`");
        }
        List<Entry> entries = new ArrayList<>();
        int line = 0;
        for (String l : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
            line++;
            if (l.isBlank()) {
                continue;
            }
            String[] f = l.trim().split("\\s+");
            try {
                entries.add(new Entry(f[0], Long.parseLong(f[1])));
            } catch (RuntimeException e) {
                throw new SignerctlException(
                        ExitCode.CONFIG, file + ":" + line + ": expected '<name> <pid>', got '" + l + "'");
            }
        }
        return entries;
    }

    /** A live process of this demo (its command line mentions {@code dir}), if {@code pid} is one. */
    static Optional<ProcessHandle> ours(Path dir, long pid) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        String mark = MARK + dir.toAbsolutePath().normalize();
        return h.filter(p -> p.info()
                .commandLine()
                .map(c -> c.contains(mark))
                .or(() -> p.info().arguments().map(a -> String.join(" ", a).contains(mark)))
                .orElse(false));
    }

    /**
     * Stops every process of the pid file, newest first, and removes the file.
     *
     * @return how many processes were stopped
     */
    static int stop(Path dir, PrintWriter out) throws IOException, InterruptedException {
        List<Entry> entries = new ArrayList<>(read(dir));
        Collections.reverse(entries);
        int stopped = 0;
        for (Entry e : entries) {
            Optional<ProcessHandle> h = ours(dir, e.pid());
            if (h.isEmpty()) {
                boolean alive =
                        ProcessHandle.of(e.pid()).map(ProcessHandle::isAlive).orElse(false);
                out.printf(
                        "%s (pid %d): %s%n",
                        e.name(),
                        e.pid(),
                        alive
                                ? "the pid now belongs to another process (its command line does not mention " + dir
                                        + "); left alone"
                                : "was not running");
                continue;
            }
            ProcessHandle p = h.get();
            long t0 = System.nanoTime();
            p.destroy();
            String how;
            try {
                p.onExit().get(GRACE.toMillis(), TimeUnit.MILLISECONDS);
                how = String.format("SIGTERM, exited after %.1f s", (System.nanoTime() - t0) / 1e9);
            } catch (TimeoutException | ExecutionException x) {
                p.destroyForcibly();
                try {
                    p.onExit().get(GRACE.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException | ExecutionException y) {
                    throw new IllegalStateException(
                            e.name() + " (pid " + e.pid() + ") survived SIGKILL for " + GRACE.toSeconds() + " s", y);
                }
                how = "did not exit " + GRACE.toSeconds() + " s after SIGTERM: SIGKILL";
            }
            out.printf("stopped %s (pid %d): %s%n", e.name(), e.pid(), how);
            stopped++;
        }
        Files.delete(dir.resolve(FILE));
        out.flush();
        return stopped;
    }
}
