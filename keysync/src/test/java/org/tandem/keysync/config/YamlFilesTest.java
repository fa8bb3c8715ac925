package org.tandem.keysync.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hostile configuration corpus ({@code hostile/yaml/}): every file is refused, naming file and line. */
class YamlFilesTest {
    @TempDir
    Path dir;

    private static List<Path> corpus() throws IOException, URISyntaxException {
        Path root = Path.of(Objects.requireNonNull(YamlFilesTest.class.getResource("/hostile/yaml/README.md"))
                        .toURI())
                .getParent();
        try (Stream<Path> files = Files.list(root)) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @Test
    void everyFileOfTheHostileCorpusIsRefusedNamingTheFileAndTheLine() throws Exception {
        List<Path> corpus = corpus();
        assertThat(corpus).hasSizeGreaterThanOrEqualTo(6);
        for (Path file : corpus) {
            assertThatThrownBy(() -> YamlFiles.read(file))
                    .as(file.getFileName().toString())
                    .isInstanceOfSatisfying(YamlFileException.class, e -> {
                        assertThat(e.getMessage()).startsWith(file.toString() + ": line ");
                        assertThat(e.line()).isPositive();
                        assertThat(e.getMessage()).doesNotContain("\n");
                    });
        }
    }

    @Test
    void aKeyGivenTwiceIsRefusedInsteadOfTheLastSilentlyWinning() throws Exception {
        Path file = corpus().stream()
                .filter(p -> p.endsWith("duplicate-key.yaml"))
                .findFirst()
                .orElseThrow();
        assertThatThrownBy(() -> YamlFiles.read(file))
                .isInstanceOfSatisfying(
                        YamlFileException.class,
                        e -> assertThat(e.getMessage())
                                .contains("allow-transfer")
                                .contains("line 4"));
    }

    @Test
    void anAliasIsRefusedWhereItStandsInsteadOfBecomingTheAnchorsName() throws Exception {
        Path file = dir.resolve("node.yaml");
        Files.writeString(file, "defaults: &d\n  x: 1\nnode: dc1\nmore: *d\n");
        assertThatThrownBy(() -> YamlFiles.read(file))
                .isInstanceOfSatisfying(
                        YamlFileException.class,
                        e -> assertThat(e.getMessage()).contains("line 4").contains("alias (*d)"));
    }

    @Test
    void aFifoIsRefusedAtOnceWithoutOpeningIt() throws Exception {
        Path fifo = dir.resolve("node.yaml");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(mkfifo.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(mkfifo.exitValue()).isZero();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> YamlFiles.read(fifo))
                .isInstanceOfSatisfying(
                        YamlFileException.class,
                        e -> assertThat(e.getMessage())
                                .contains("not a regular file")
                                .contains("FIFO"));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aDirectoryAndAMissingFileAreRefusedByName() {
        assertThatThrownBy(() -> YamlFiles.read(dir))
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("a directory");
        Path missing = dir.resolve("missing.yaml");
        assertThatThrownBy(() -> YamlFiles.read(missing))
                .hasMessageStartingWith(missing.toString())
                .hasMessageContaining("not found");
    }

    @Test
    void aFileOverTheSizeCapIsRefusedUnread() throws Exception {
        Path big = dir.resolve("big.yaml");
        Files.writeString(big, "# " + "x".repeat(YamlFiles.MAX_BYTES) + "\nnode: a\n");
        assertThatThrownBy(() -> YamlFiles.read(big))
                .isInstanceOfSatisfying(
                        YamlFileException.class,
                        e -> assertThat(e.getMessage())
                                .contains("more than the " + YamlFiles.MAX_BYTES)
                                .contains("refused unread"));
    }

    @Test
    void binaryGarbageIsAParseErrorNotACrash() throws Exception {
        Path garbage = dir.resolve("garbage.yaml");
        byte[] bytes = new byte[4096];
        new Random(7).nextBytes(bytes);
        Files.write(garbage, bytes);
        assertThatThrownBy(() -> YamlFiles.read(garbage))
                .isInstanceOf(YamlFileException.class)
                .hasMessageStartingWith(garbage.toString());
    }

    @Test
    void anOrdinaryConfigurationReadsAsBefore() throws Exception {
        Path file = dir.resolve("hsm.yaml");
        Files.writeString(file, "hsms:\n  - name: dc1-hsm1\n    token-label: a\n    pin-file: a.pin\nmore:\n  x: 1\n");
        JsonNode root = YamlFiles.read(file);
        assertThat(root.path("hsms").get(0).path("name").asText()).isEqualTo("dc1-hsm1");
        assertThat(root.path("more").path("x").asInt()).isEqualTo(1);
    }
}
