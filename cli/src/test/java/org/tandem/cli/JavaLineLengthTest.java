package org.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every line of Java source in the repository is at most {@value #MAX} characters, the width the formatter
 * (palantir-java-format) wraps code to; it does not wrap string literals, comments or text blocks, so this test does.
 * Walks the whole checkout from the repository root, skipping {@code .git} and every {@code target} directory.
 * Long strings are split with {@code +}, comments rewrapped, text blocks continued with a {@code \} at the line end.
 */
class JavaLineLengthTest {
    private static final int MAX = 120;
    private static final String HOW_TO_FIX = "Java lines longer than " + MAX + " characters, as file:line (length):"
            + " split the string with +, rewrap the comment, or end the text block line with a backslash";

    @TempDir
    Path scratch;

    @Test
    void everyJavaLineInTheRepositoryIsAtMost120Characters() throws IOException {
        Path root = RepositoryTree.root();

        List<String> tooLong = tooLongLines(root);

        assertThat(tooLong).as(HOW_TO_FIX).isEmpty();
    }

    @Test
    void checkListsFileLineAndLengthOfALongLineAndCountsCharactersNotBytes() throws IOException {
        Path dir = Files.createDirectories(scratch.resolve("module/src"));
        Files.writeString(
                dir.resolve("Long.java"),
                "class Long {\n" + "    // " + "x".repeat(MAX - 7) + "\n" + "    // " + "y".repeat(MAX - 6) + "\n}\n",
                StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("Umlaut.java"), "// " + "ä".repeat(MAX - 3) + "\n", StandardCharsets.UTF_8);
        Path build = Files.createDirectories(scratch.resolve("module/target"));
        Files.writeString(build.resolve("Generated.java"), "z".repeat(MAX + 1) + "\n", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("notes.txt"), "z".repeat(MAX + 1) + "\n", StandardCharsets.UTF_8);

        assertThat(tooLongLines(scratch)).containsExactly("module/src/Long.java:3 (121)");
    }

    private static List<String> tooLongLines(Path root) throws IOException {
        List<Path> files = RepositoryTree.files(root).stream()
                .filter(f -> f.getFileName().toString().endsWith(".java"))
                .toList();
        List<String> tooLong = new ArrayList<>();
        for (Path file : files) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                int length = line.codePointCount(0, line.length());
                if (length > MAX) {
                    tooLong.add(
                            root.relativize(file).toString().replace('\\', '/') + ":" + (i + 1) + " (" + length + ")");
                }
            }
        }
        return tooLong;
    }
}
