package org.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository stands alone: code, tests and docs cite only invariant ids that {@code docs/invariants.md}
 * defines and fault ids that {@code docs/faults.md} defines, no path outside the repository and no issue
 * numbers (a reader of the repository has neither the team's notes nor its tracker). Walks the whole checkout
 * from the repository root, skipping {@code .git} and every {@code target} directory.
 */
class RepositoryCitationsTest {
    private static final Pattern INVARIANT_HEADING = Pattern.compile("^#{2,4}\\s+(INV-[A-Z]+[0-9]+)\\b");
    private static final Pattern FAULT_HEADING = Pattern.compile("^#{2,4}\\s+(F[0-9]+)\\b");

    private static final Pattern INVARIANT = Pattern.compile("\\bINV-[A-Za-z0-9]+");
    private static final Pattern FAULT = Pattern.compile("(?<![\\w.])F[0-9]{1,3}(?!\\w)");
    private static final Pattern ISSUE = Pattern.compile("(?i)\\bissues?\\s*(?:no\\.?\\s*)?#?\\s*[0-9]+");
    private static final Pattern OUTSIDE_PATH =
            Pattern.compile("\\.\\./shared|(?<![\\w-])shared/|/work/|\\bRELIABILITY\\.md|\\bDESIGN\\.md");
    private static final Pattern UPPER_CASE_DOC = Pattern.compile("\\b[A-Z][A-Z0-9_-]*\\.md\\b");

    /** Data, not prose: zone files and key material hold base64 that may look like a fault id. */
    private static final Set<String> DATA_EXTENSIONS = Set.of(
            "zone", "inc", "signed", "pem", "crt", "key", "der", "p12", "jks", "jar", "class", "jfr", "png", "gz",
            "zip", "db");

    private static final String SELF = "RepositoryCitationsTest.java";
    /** The planted citations are built from pieces, so that this file itself cites nothing. */
    private static final String ISSUE_WORD = "iss" + "ue";

    @TempDir
    Path scratch;

    @Test
    void repositoryCitesOnlyDefinedIdsAndNoOutsidePathsOrIssueNumbers() throws IOException {
        Path root = RepositoryTree.root();
        Set<String> invariants = headings(root.resolve("docs/invariants.md"), INVARIANT_HEADING);
        Set<String> faults = headings(root.resolve("docs/faults.md"), FAULT_HEADING);
        assertThat(invariants).as("invariants defined in docs/invariants.md").contains("INV-L1", "INV-K1", "INV-D1");
        assertThat(faults).as("faults defined in docs/faults.md").contains("F1", "F19");

        List<String> violations = violations(root, invariants, faults);

        assertThat(violations)
                .as("citations that a reader of this repository cannot follow (rephrase to say what is meant)")
                .isEmpty();
    }

    @Test
    void checkerFlagsUndefinedIdsOutsidePathsAndIssueNumbersButNotLookAlikes() throws IOException {
        Files.createDirectories(scratch.resolve("docs"));
        Files.createDirectories(scratch.resolve("target"));
        Files.writeString(scratch.resolve("docs/GUIDE.md"), "# guide\n");
        Files.writeString(
                scratch.resolve("Bad.java"),
                String.join(
                        "\n",
                        "// INV-L9 holds",
                        "// fault F27 shape",
                        "// see ../" + "shared/notes",
                        "// as DESIGN" + ".md says",
                        "// fixed in " + ISSUE_WORD + " 3 and (" + ISSUE_WORD + " #7)",
                        "// the guide: NOTES.md",
                        ""));
        Files.writeString(
                scratch.resolve("Good.java"),
                String.join(
                        "\n",
                        "// INV-L1 and F19; RSAKeyGenParameterSpec.F4; 0xF1F2; see GUIDE.md and docs/guide",
                        "// CAA 0 issue \"ca.example\"; certificates issued to 3 nodes",
                        ""));
        Files.writeString(scratch.resolve("target/Generated.java"), "// INV-X1 " + ISSUE_WORD + " 4\n");
        Files.writeString(scratch.resolve("example.zone"), "x TXT \"F99\"\n");

        List<String> violations = violations(scratch, Set.of("INV-L1"), Set.of("F19"));

        assertThat(violations).hasSize(7).allMatch(v -> v.startsWith("Bad.java:"));
        assertThat(String.join("\n", violations))
                .contains(
                        "undefined invariant INV-L9",
                        "undefined fault F27",
                        "outside the repository ../" + "shared",
                        "outside the repository DESIGN.md",
                        "issue number " + ISSUE_WORD + " 3",
                        "issue number " + ISSUE_WORD + " #7",
                        "no such file in the repository NOTES.md");
    }

    private static Set<String> headings(Path file, Pattern heading) throws IOException {
        assertThat(file).as("the file that defines the ids").isRegularFile();
        Set<String> ids = new TreeSet<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            Matcher m = heading.matcher(line);
            if (m.find()) {
                ids.add(m.group(1));
            }
        }
        return ids;
    }

    private static List<String> violations(Path root, Set<String> invariants, Set<String> faults) throws IOException {
        List<Path> files = new ArrayList<>();
        Set<String> documentNames = new TreeSet<>();
        for (Path file : RepositoryTree.files(root)) {
            String name = file.getFileName().toString();
            if (name.endsWith(".md")) {
                documentNames.add(name);
            }
            int dot = name.lastIndexOf('.');
            boolean data = dot > 0 && DATA_EXTENSIONS.contains(name.substring(dot + 1));
            boolean skipped = RepositoryTree.SKIPPED.contains(name) || name.equals(SELF); // a worktree's .git is a file
            if (!data && !skipped && Files.size(file) < 4_000_000) {
                files.add(file);
            }
        }
        List<String> violations = new ArrayList<>();
        for (Path file : files) {
            byte[] bytes = Files.readAllBytes(file);
            if (isBinary(bytes)) {
                continue;
            }
            String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
            String where = root.relativize(file).toString().replace('\\', '/');
            for (int i = 0; i < lines.length; i++) {
                String at = where + ":" + (i + 1) + ": ";
                check(lines[i], INVARIANT, id -> !invariants.contains(id), at + "undefined invariant ", violations);
                check(lines[i], FAULT, id -> !faults.contains(id), at + "undefined fault ", violations);
                check(lines[i], OUTSIDE_PATH, id -> true, at + "outside the repository ", violations);
                check(
                        lines[i],
                        UPPER_CASE_DOC,
                        id -> !documentNames.contains(id),
                        at + "no such file in the repository ",
                        violations);
                check(lines[i], ISSUE, id -> true, at + "issue number ", violations);
            }
        }
        return violations;
    }

    private static void check(String line, Pattern pattern, Predicate<String> bad, String prefix, List<String> out) {
        Matcher m = pattern.matcher(line);
        while (m.find()) {
            String hit = m.group();
            if (bad.test(hit)
                    && !(pattern == UPPER_CASE_DOC && OUTSIDE_PATH.matcher(hit).find())) {
                out.add(prefix + hit + "  | " + line.strip());
            }
        }
    }

    private static boolean isBinary(byte[] bytes) {
        for (int i = 0; i < Math.min(bytes.length, 8000); i++) {
            if (bytes[i] == 0) {
                return true;
            }
        }
        return false;
    }
}
