package org.tandem.signer.zone;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.TestTiming;

/**
 * The hostile-input corpus for zone sources ({@code hostile/*.zone}): whoever writes a zone source
 * tries to read the node's files through {@code $INCLUDE} or to exhaust it. Every file is rejected
 * with an error naming the file and line (given in its {@code ; expect-*} header) and the cap or rule,
 * and no error quotes anything of an included file (the corpus's secrets all contain {@code SECRET}).
 * The cases that need the file system arranged (symlinks, sizes) are made here.
 */
class HostileZoneInputTest {
    private static final ZoneName ZONE = ZoneName.of("example.com");
    /** Small caps, so the corpus stays small: 64 KiB per file, 8 KiB included, 100 records, 50 per $GENERATE. */
    static final ZoneLimits SMALL = new ZoneLimits(64 << 10, 8 << 10, 100, 50);

    private static final Pattern EXPECT = Pattern.compile("^; expect(-file|-line)?: (.*)$", Pattern.MULTILINE);
    private static final String HEADER = """
            $ORIGIN example.com.
            $TTL 3600
            @ SOA ns1 hostmaster 2026120601 7200 3600 1209600 300
            @ NS ns1
            ns1 A 192.0.2.53
            """;

    record Hostile(String zone, String file, int line, String reason) {
        @Override
        public String toString() {
            return zone;
        }
    }

    static Stream<Hostile> corpus() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(resource("hostile"))) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".zone"))
                    .sorted()
                    .toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(9);
        return files.stream().map(HostileZoneInputTest::hostile);
    }

    private static Hostile hostile(Path zone) {
        String text;
        try {
            text = Files.readString(zone, UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String file = null;
        String reason = null;
        int line = -1;
        Matcher m = EXPECT.matcher(text);
        while (m.find()) {
            if ("-file".equals(m.group(1))) {
                file = m.group(2);
            } else if ("-line".equals(m.group(1))) {
                line = Integer.parseInt(m.group(2));
            } else {
                reason = m.group(2);
            }
        }
        assertThat(file).as("%s has '; expect-file:'", zone).isNotNull();
        assertThat(reason).as("%s has '; expect:'", zone).isNotNull();
        assertThat(line).as("%s has '; expect-line:'", zone).isPositive();
        return new Hostile(zone.getFileName().toString(), file, line, reason);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void everyHostileSourceIsRejectedNamingFileLineAndCapWithoutQuotingAnIncludedFile(Hostile h) throws Exception {
        // a deadline: without the checks, $INCLUDE /dev/zero reads for ever
        ZoneLoadException e = assertTimeoutPreemptively(
                TestTiming.scaled(Duration.ofSeconds(10)),
                () -> catchThrowableOfType(
                        ZoneLoadException.class, () -> ZoneLoader.load(resource("hostile/" + h.zone()), ZONE, SMALL)));

        assertThat(e).as("%s must be rejected", h.zone()).isNotNull();
        assertThat(e.file().getFileName()).hasToString(h.file());
        assertThat(e.line()).as(e.getMessage()).isEqualTo(h.line());
        assertThat(e.reason()).contains(h.reason());
        assertThat(e.getMessage()).startsWith(e.file() + ":" + h.line() + ": ");
        assertNothingQuoted(e);
    }

    /** Nothing of the corpus's included secrets, nor of /etc/passwd, anywhere in the exception or its causes. */
    private static void assertNothingQuoted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage()))
                    .doesNotContainIgnoringCase("secret-")
                    .doesNotContain("4711")
                    .doesNotContain("root:");
        }
    }

    @Test
    void anIncludeThroughASymlinkOutOfTheDirectoryIsRefusedWithoutQuotingTheTarget(@TempDir Path dir) throws Exception {
        Path etc = Files.createDirectories(dir.resolve("etc/tandem"));
        Path pin = Files.writeString(etc.resolve("dc1-hsm1.pin"), "SECRET-PIN-4711\n");
        Path zones = Files.createDirectories(dir.resolve("zones"));
        Files.createSymbolicLink(zones.resolve("innocent.inc"), pin);
        Path source = Files.writeString(zones.resolve("example.com.zone"), HEADER + "$INCLUDE innocent.inc\n");

        ZoneLoadException e = catchThrowableOfType(ZoneLoadException.class, () -> ZoneLoader.load(source, ZONE, SMALL));

        assertThat(e).isNotNull();
        assertThat(e.file()).isEqualTo(source);
        assertThat(e.line()).isEqualTo(6);
        assertThat(e.reason())
                .contains(
                        "outside the zone source's directory", pin.toRealPath().toString());
        assertNothingQuoted(e);
    }

    @Test
    void anIncludeByAbsolutePathOrDotDotOfANodeSecretIsRefused(@TempDir Path dir) throws Exception {
        Path pin = Files.writeString(
                Files.createDirectories(dir.resolve("etc/tandem")).resolve("dc1-hsm1.pin"), "SECRET-PIN-4711\n");
        Path zones = Files.createDirectories(dir.resolve("zones"));
        for (String include : List.of(pin.toString(), "../etc/tandem/dc1-hsm1.pin", "./../etc/tandem/dc1-hsm1.pin")) {
            Path source = Files.writeString(zones.resolve("example.com.zone"), HEADER + "$INCLUDE " + include + "\n");
            ZoneLoadException e =
                    catchThrowableOfType(ZoneLoadException.class, () -> ZoneLoader.load(source, ZONE, SMALL));
            assertThat(e).as(include).isNotNull();
            assertThat(e.line()).isEqualTo(6);
            assertThat(e.reason()).contains("outside the zone source's directory");
            assertNothingQuoted(e);
        }
    }

    @Test
    void whatAnIncludedFileSaysIsNeverShownEvenInsideTheDirectory(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("pin-like.inc"), "SECRET-PIN-4711\n");
        Files.writeString(dir.resolve("bad-type.inc"), "www 300 IN SECRETTYPE-4711 x\n");
        Files.writeString(dir.resolve("bad-address.inc"), "www 300 IN A 192.0.2.4711\n");
        Files.writeString(dir.resolve("cname.inc"), "www 300 IN A 192.0.2.1\nwww 300 IN CNAME secret-4711\n");
        for (String inc : List.of("pin-like.inc", "bad-type.inc", "bad-address.inc", "cname.inc")) {
            Path source = Files.writeString(dir.resolve("example.com.zone"), HEADER + "$INCLUDE " + inc + "\n");
            ZoneLoadException e =
                    catchThrowableOfType(ZoneLoadException.class, () -> ZoneLoader.load(source, ZONE, SMALL));
            assertThat(e).as(inc).isNotNull();
            assertThat(e.file()).isEqualTo(dir.resolve(inc));
            assertThat(e.line()).isPositive();
            assertThat(e.record()).isEmpty();
            assertThat(e.getCause()).isNull();
            assertThat(e.reason()).contains("the text of an $INCLUDEd file is never shown");
            assertNothingQuoted(e);
        }
    }

    @Test
    void aSourceOverTheFileSizeCapIsRefusedBeforeItIsRead(@TempDir Path dir) throws Exception {
        Path source = dir.resolve("example.com.zone");
        StringBuilder big = new StringBuilder(HEADER);
        while (big.length() <= SMALL.maxFileBytes()) {
            big.append("; padding, a comment that makes the file larger than the cap\n");
        }
        Files.writeString(source, big);

        ZoneLoadException e = catchThrowableOfType(ZoneLoadException.class, () -> ZoneLoader.load(source, ZONE, SMALL));

        assertThat(e).isNotNull();
        assertThat(e.file()).isEqualTo(source);
        assertThat(e.reason())
                .contains(
                        "zone example.com.",
                        "zone-limits.max-file-size (65536 bytes)",
                        "raise zone-limits.max-file-size in node.yaml");
    }

    @Test
    void anIncludedFileOverTheFileSizeCapIsRefused(@TempDir Path dir) throws Exception {
        ZoneLimits tight = new ZoneLimits(1024, 1 << 20, 100, 50);
        Files.writeString(dir.resolve("big.inc"), "; padding\n".repeat(200));
        Path source = Files.writeString(dir.resolve("example.com.zone"), HEADER + "$INCLUDE big.inc\n");

        ZoneLoadException e = catchThrowableOfType(ZoneLoadException.class, () -> ZoneLoader.load(source, ZONE, tight));

        assertThat(e).isNotNull();
        assertThat(e.file()).isEqualTo(source);
        assertThat(e.line()).isEqualTo(6);
        assertThat(e.reason()).contains("zone-limits.max-file-size (1024 bytes)");
    }

    @Test
    void withinTheCapsIncludesInTheDirectoryStillLoad(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("parts"));
        Files.writeString(dir.resolve("parts/hosts.inc"), "www 300 IN A 192.0.2.80\n");
        Path source = Files.writeString(
                dir.resolve("example.com.zone"), HEADER + "$INCLUDE parts/hosts.inc\n$GENERATE 1-50 h-$ A 192.0.2.$\n");

        UnsignedZone zone = ZoneLoader.load(source, ZONE, SMALL);

        assertThat(zone.records()).hasSize(3 + 1 + 50);
    }

    static Path resource(String name) {
        URL url = Objects.requireNonNull(HostileZoneInputTest.class.getResource("/" + name), name);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
