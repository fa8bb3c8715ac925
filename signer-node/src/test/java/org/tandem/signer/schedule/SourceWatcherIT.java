package org.tandem.signer.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.key.ZoneName;

/** The watcher on real files in a temporary directory (inotify on Linux). */
class SourceWatcherIT {
    private static final ZoneName COM = ZoneName.of("example.com");
    private static final ZoneName NET = ZoneName.of("example.net");
    private static final ZoneName ORG = ZoneName.of("example.org");
    private static final Duration DEBOUNCE = Duration.ofMillis(300);
    /** Scales with {@code -Dtandem.timing.multiple} for slow machines. */
    private static final Duration DEADLINE = Duration.ofMillis(
            Math.round(10_000 * Double.parseDouble(System.getProperty("tandem.timing.multiple", "1"))));

    @TempDir
    Path dir;

    private final List<ZoneName> changes = new CopyOnWriteArrayList<>();
    private final List<SourceWatcher> watchers = new ArrayList<>();
    private Path com;
    private Path net;
    private Path org;

    @BeforeEach
    void files() throws IOException {
        Files.createDirectories(dir.resolve("a"));
        Files.createDirectories(dir.resolve("b"));
        com = Files.writeString(dir.resolve("a/example.com.zone"), "; v1\n");
        net = Files.writeString(dir.resolve("a/example.net.zone"), "; v1\n");
        org = Files.writeString(dir.resolve("b/example.org.zone"), "; v1\n");
    }

    @AfterEach
    void stop() {
        watchers.forEach(SourceWatcher::close);
    }

    private SourceWatcher watch() throws IOException {
        SourceWatcher w = SourceWatcher.start(Map.of(COM, com, NET, net, ORG, org), DEBOUNCE, changes::add);
        watchers.add(w);
        return w;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + DEADLINE + ": " + what);
            }
            Thread.sleep(10); // polling step towards the deadline, not a wait for a result
        }
    }

    @Test
    void reportsTheZoneWhoseSourceWasModifiedOnce() throws Exception {
        watch();

        Files.writeString(org, "; v2\n");

        await("example.org. reported", () -> changes.contains(ORG));
        assertThat(changes).containsExactly(ORG);
    }

    @Test
    void debouncesABurstOfWritesIntoOneReport() throws Exception {
        watch();

        long start = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            Files.writeString(com, "; v" + i + "\n");
        }
        await("example.com. reported", () -> changes.contains(COM));
        long tookNanos = System.nanoTime() - start;
        // a control change on another file, reported after the burst's report, proves that no
        // second report of example.com. was still pending from the burst
        Files.writeString(org, "; v2\n");
        await("example.org. reported", () -> changes.contains(ORG));

        assertThat(changes).containsExactly(COM, ORG);
        assertThat(Duration.ofNanos(tookNanos)).isGreaterThanOrEqualTo(DEBOUNCE);
    }

    @Test
    void seesAnEditorsRenameOverTheFileAndADeletion() throws Exception {
        watch();

        Path temp = Files.writeString(dir.resolve("a/.example.net.zone.swp"), "; v2\n");
        Files.move(temp, net, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        await("example.net. reported after the rename", () -> changes.contains(NET));
        Files.delete(com);
        await("example.com. reported after the deletion", () -> changes.contains(COM));

        assertThat(changes).containsExactly(NET, COM);
    }

    @Test
    void ignoresOtherFilesInTheWatchedDirectory() throws Exception {
        watch();

        Files.writeString(dir.resolve("a/unrelated.txt"), "x\n");
        Files.writeString(dir.resolve("b/example.org.zone.bak"), "x\n");
        Files.writeString(org, "; v2\n"); // control: the watcher is running and reports
        await("example.org. reported", () -> changes.contains(ORG));

        assertThat(changes).containsExactly(ORG);
    }

    @Test
    void reportsNothingAfterClose() throws Exception {
        SourceWatcher w = watch();
        Files.writeString(com, "; v2\n");
        await("example.com. reported", () -> changes.contains(COM));

        w.close();
        w.close(); // idempotent
        Files.writeString(com, "; v3\n");
        // a second watcher sees the change, so the event happened; the closed one stayed silent
        List<ZoneName> second = new CopyOnWriteArrayList<>();
        watchers.add(SourceWatcher.start(Map.of(COM, com), Duration.ZERO, second::add));
        Files.writeString(com, "; v4\n");
        await("second watcher reports", () -> second.contains(COM));

        assertThat(changes).containsExactly(COM);
    }

    @Test
    void refusesADirectoryThatDoesNotExist() {
        assertThatThrownBy(() ->
                        SourceWatcher.start(Map.of(COM, dir.resolve("nope/example.com.zone")), DEBOUNCE, changes::add))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cannot watch zone source directory " + dir.resolve("nope"));
    }
}
