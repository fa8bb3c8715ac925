package org.tandem.signer.schedule;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.key.ZoneName;

/**
 * Watches the zones' unsigned source files and tells a {@link SourceListener} which zone changed,
 * once per burst of changes: a zone is reported when its file has had no event for the debounce
 * time (an editor's save or an {@code rsync} is several events; a rename over the file counts).
 *
 * <p>How: one {@link WatchService} (inotify on Linux) on the <em>directory</em> of each source
 * file, as configured (a symbolic link is watched as the link, not its target), filtered by file
 * name. An event overflow reports every zone of that directory. Debounce times are measured on
 * {@link System#nanoTime()}, which does not jump with the wall clock.
 *
 * <p>Contracts: {@link #start} registers every directory before it returns, so a change made
 * after {@code start} returns is seen. One daemon thread, {@code tandem-source-watcher}, calls the
 * listener; {@link #close()} stops it and waits for it (idempotent), after which the listener is
 * not called again. A directory that disappears stops being watched (logged); the node's
 * scheduled re-signing still runs. Thread-safe.
 */
public final class SourceWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SourceWatcher.class);

    private final WatchService watchService;
    /** Watched directory → (file name → zones with that source). */
    private final Map<Path, Map<Path, List<ZoneName>>> byDirectory;

    private final Map<WatchKey, Path> keys = new HashMap<>();
    private final long debounceNanos;
    private final SourceListener listener;
    private final Thread thread;
    /** Zone → nanoTime of its last event; only touched by the watcher thread. */
    private final Map<ZoneName, Long> pending = new LinkedHashMap<>();

    private SourceWatcher(
            WatchService watchService,
            Map<Path, Map<Path, List<ZoneName>>> byDirectory,
            Duration debounce,
            SourceListener listener) {
        this.watchService = watchService;
        this.byDirectory = byDirectory;
        this.debounceNanos = debounce.toNanos();
        this.listener = listener;
        this.thread = new Thread(this::run, "tandem-source-watcher");
        this.thread.setDaemon(true);
    }

    /**
     * Starts watching.
     *
     * @param sources each zone's source file (absolute or relative to the working directory)
     * @param debounce how long a zone's file must stay quiet before it is reported, 0 to 1 minute
     * @param listener told of each change, on the watcher's thread
     * @throws IOException when a directory cannot be watched (it does not exist, inotify limit);
     *     the message names it
     */
    public static SourceWatcher start(Map<ZoneName, Path> sources, Duration debounce, SourceListener listener)
            throws IOException {
        Objects.requireNonNull(sources, "sources");
        Objects.requireNonNull(debounce, "debounce");
        Objects.requireNonNull(listener, "listener");
        if (debounce.isNegative() || debounce.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("debounce must be 0 to 1 minute, got " + debounce);
        }
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("no zone source to watch");
        }
        Map<Path, Map<Path, List<ZoneName>>> byDirectory = new LinkedHashMap<>();
        FileSystem fs = null;
        for (Map.Entry<ZoneName, Path> e : sources.entrySet()) {
            Path file = e.getValue().toAbsolutePath().normalize();
            if (fs == null) {
                fs = file.getFileSystem();
            } else if (fs != file.getFileSystem()) {
                throw new IllegalArgumentException("zone sources must be on one file system: " + file);
            }
            byDirectory
                    .computeIfAbsent(file.getParent(), d -> new HashMap<>())
                    .computeIfAbsent(file.getFileName(), f -> new ArrayList<>())
                    .add(e.getKey());
        }
        WatchService service = fs.newWatchService();
        SourceWatcher watcher = new SourceWatcher(service, byDirectory, debounce, listener);
        try {
            for (Path dir : byDirectory.keySet()) {
                try {
                    watcher.keys.put(dir.register(service, ENTRY_CREATE, ENTRY_MODIFY, ENTRY_DELETE), dir);
                } catch (IOException ex) {
                    throw new IOException("cannot watch zone source directory " + dir + ": " + ex, ex);
                }
            }
        } catch (IOException | RuntimeException ex) {
            service.close();
            throw ex;
        }
        watcher.thread.start();
        LOG.info(
                "watching zone sources directories={} zones={} debounce_ms={}",
                byDirectory.keySet(),
                sources.size(),
                debounce.toMillis());
        return watcher;
    }

    private void run() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                WatchKey key = pending.isEmpty()
                        ? watchService.take()
                        : watchService.poll(Math.max(1, nextDeadline() - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (key != null) {
                    collect(key);
                }
                report();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ClosedWatchServiceException e) {
            // close() was called: stop quietly
        }
    }

    private long nextDeadline() {
        long earliest = Long.MAX_VALUE;
        for (long last : pending.values()) {
            earliest = Math.min(earliest, last + debounceNanos);
        }
        return earliest;
    }

    private void collect(WatchKey key) {
        Path dir = keys.get(key);
        long now = System.nanoTime();
        for (WatchEvent<?> event : key.pollEvents()) {
            Map<Path, List<ZoneName>> files = byDirectory.getOrDefault(dir, Map.of());
            if (event.kind() == OVERFLOW) {
                LOG.warn("zone source events overflowed directory={}; treating every zone there as changed", dir);
                files.values().forEach(zones -> zones.forEach(z -> pending.put(z, now)));
                continue;
            }
            Object context = event.context();
            if (context instanceof Path name) {
                for (ZoneName zone : files.getOrDefault(name, List.of())) {
                    pending.put(zone, now);
                }
            }
        }
        if (!key.reset()) {
            LOG.warn(
                    "zone source directory no longer watched directory={} (deleted or unmounted); zones={}",
                    dir,
                    zonesIn(dir));
            keys.remove(key);
        }
    }

    private void report() {
        long now = System.nanoTime();
        for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<ZoneName, Long> e = it.next();
            if (now - e.getValue() >= debounceNanos) {
                it.remove();
                try {
                    listener.sourceChanged(e.getKey());
                } catch (RuntimeException ex) {
                    LOG.error("zone source listener failed zone={}", e.getKey(), ex);
                }
            }
        }
    }

    private Set<ZoneName> zonesIn(Path dir) {
        Set<ZoneName> zones = new TreeSet<>();
        byDirectory.getOrDefault(dir, Map.of()).values().forEach(zones::addAll);
        return zones;
    }

    /** Stops the watcher thread and waits for it; the listener is not called afterwards. */
    @Override
    public void close() {
        try {
            watchService.close();
        } catch (IOException e) {
            LOG.warn("closing the zone source watch service failed: {}", e.toString());
        }
        thread.interrupt();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
