package org.tandem.signer.zone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.TestTiming;

/**
 * Zone sources that would hang or exhaust the worker if opened: a FIFO nobody writes to (opening it
 * blocks for ever) and {@code /dev/zero} (endless). Both are refused before they are opened, promptly:
 * every case runs under a deadline and is cut off if the loader blocks.
 */
class ZoneSpecialFilesIT {
    private static final ZoneName ZONE = ZoneName.of("example.com");
    private static final Duration PROMPTLY = Duration.ofSeconds(5);
    private static final String HEADER = """
            $ORIGIN example.com.
            $TTL 3600
            @ SOA ns1 hostmaster 2026120601 7200 3600 1209600 300
            @ NS ns1
            ns1 A 192.0.2.53
            """;

    private static Path mkfifo(Path fifo) throws Exception {
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("mkfifo ran").isTrue();
        assertThat(p.exitValue()).as("mkfifo %s", fifo).isZero();
        assertThat(Files.isRegularFile(fifo)).isFalse();
        return fifo;
    }

    private static ZoneLoadException refusedPromptly(Path source) {
        return assertTimeoutPreemptively(
                TestTiming.scaled(PROMPTLY),
                () -> catchThrowableOfType(
                        ZoneLoadException.class, () -> ZoneLoader.load(source, ZONE, HostileZoneInputTest.SMALL)));
    }

    @Test
    void anIncludedFifoInTheDirectoryIsRefusedWithoutBeingOpened(@TempDir Path dir) throws Exception {
        mkfifo(dir.resolve("records.inc"));
        Path source = Files.writeString(dir.resolve("example.com.zone"), HEADER + "$INCLUDE records.inc\n");

        ZoneLoadException e = refusedPromptly(source);

        assertThat(e).isNotNull();
        assertThat(e.file()).isEqualTo(source);
        assertThat(e.line()).isEqualTo(6);
        assertThat(e.reason()).contains("is not a regular file (a FIFO, device or socket)");
    }

    @Test
    void aZoneSourceThatIsAFifoIsRefusedWithoutBeingOpened(@TempDir Path dir) throws Exception {
        Path source = mkfifo(dir.resolve("example.com.zone"));

        ZoneLoadException e = refusedPromptly(source);

        assertThat(e).isNotNull();
        assertThat(e.line()).isZero();
        assertThat(e.reason()).contains("is not a regular file");
    }

    @Test
    void devZeroIsRefusedAsAnIncludeThroughASymlinkAndAsTheSource(@TempDir Path dir) throws Exception {
        Files.createSymbolicLink(dir.resolve("zero.inc"), Path.of("/dev/zero"));
        Path source = Files.writeString(dir.resolve("example.com.zone"), HEADER + "$INCLUDE zero.inc\n");

        ZoneLoadException included = refusedPromptly(source);
        ZoneLoadException direct = refusedPromptly(Path.of("/dev/zero"));

        assertThat(included).isNotNull();
        assertThat(included.line()).isEqualTo(6);
        assertThat(included.reason()).contains("outside the zone source's directory", "/dev/zero");
        assertThat(direct).isNotNull();
        assertThat(direct.reason()).contains("is not a regular file");
    }
}
