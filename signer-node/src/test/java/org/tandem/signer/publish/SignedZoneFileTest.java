package org.tandem.signer.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.signer.SigningException;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;

/** The signed-zone reader: several threads give exactly what one {@code Master} gives, or it reads in one piece. */
class SignedZoneFileTest {
    private static final Name ORIGIN = Name.fromConstantString("tld.");

    @TempDir
    Path dir;

    /** A TLD-like zone big enough to be split (over {@link SignedZoneFile#PARALLEL_MIN_BYTES}). */
    private static List<Record> zone(int delegations) throws Exception {
        List<Record> out = new ArrayList<>();
        out.add(new SOARecord(
                ORIGIN,
                DClass.IN,
                86400,
                Name.fromString("ns1.nic.tld."),
                Name.fromString("hostmaster.nic.tld."),
                7,
                1800,
                900,
                604800,
                3600));
        for (int i = 0; i < delegations; i++) {
            Name d = Name.fromString("d" + i, ORIGIN);
            out.add(new NSRecord(d, DClass.IN, 86400, Name.fromString("ns1.d" + i + ".example.net.")));
            out.add(new NSRecord(d, DClass.IN, 86400 + i % 7, Name.fromString("ns2.d" + i + ".example.org.")));
            if (i % 5 == 0) {
                byte[] digest = new byte[32];
                digest[0] = (byte) i;
                out.add(new DSRecord(d, DClass.IN, 3600, i & 0xffff, 13, 2, digest));
            }
        }
        return out;
    }

    @Test
    void aLargeOneRecordPerLineFileIsReadInParallelExactlyAsInOnePiece() throws Exception {
        List<Record> zone = zone(60_000);
        Path file = dir.resolve("tld.signed");
        AtomicZoneFile.write(file, "test zone", zone);
        assertThat(Files.size(file)).isGreaterThan(SignedZoneFile.PARALLEL_MIN_BYTES);
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file));
        assertThat(SignedZoneFile.cuts(source(bytes), bytes.limit(), 8))
                .as("split points")
                .hasSizeGreaterThan(2);

        List<Record> parallel = SignedZoneFile.read(file, ORIGIN, 4);
        List<Record> sequential = SignedZoneFile.read(file, ORIGIN, 1);
        assertThat(parallel).hasSize(zone.size()).isEqualTo(sequential).isEqualTo(zone);
        // TTLs are per record, not inherited across a split
        assertThat(parallel.stream().mapToLong(Record::getTTL).distinct().count())
                .isGreaterThan(2);
    }

    /** The bytes of {@code buf} as a {@link SignedZoneFile.Source}. */
    private static SignedZoneFile.Source source(ByteBuffer buf) {
        return (dst, position) -> {
            if (position >= buf.limit()) {
                return -1;
            }
            int n = (int) Math.min(dst.remaining(), buf.limit() - position);
            dst.put(buf.slice((int) position, n));
            return n;
        };
    }

    @Test
    void splitPointsAreLineStartsWithAnOwnerAndAnExplicitTtl() throws Exception {
        String text = "; header\na. 60 IN NS b.\n  70 IN NS c.\nd. IN 80 NS e.\nf. 90 IN NS g.\n";
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
        long[] cuts = SignedZoneFile.cuts(source(bytes), text.length(), 20);
        for (long c : cuts) {
            if (c != 0 && c != text.length()) {
                assertThat(text.substring((int) c)).matches("(?s)(a\\. 60|f\\. 90).*");
            }
        }
        assertThat(cuts[0]).isZero();
        assertThat(cuts[cuts.length - 1]).isEqualTo(text.length());
        assertThat(cuts).as("both splittable lines are split at").contains(9L, 53L);
    }

    @Test
    void aRunWithADirectiveOrAParenthesisAnywhereIsNotReadOnItsOwn() {
        assertThat(SignedZoneFile.clean(ByteBuffer.wrap("a. 60 IN NS b.\nc. 60 IN NS d.\n".getBytes())))
                .isTrue();
        assertThat(SignedZoneFile.clean(ByteBuffer.wrap("a. 60 IN NS b.\n$TTL 30\nc. IN NS d.\n".getBytes())))
                .isFalse();
        assertThat(SignedZoneFile.clean(ByteBuffer.wrap("a. 60 IN SOA b. c. ( 1 2 3 4 5 )\n".getBytes())))
                .isFalse();
        assertThat(SignedZoneFile.clean(ByteBuffer.wrap("a. 60 IN TXT \"$5\"\n".getBytes())))
                .as("a $ inside a line is no directive")
                .isTrue();
    }

    @Test
    void aFileReadInManySmallRunsGivesExactlyTheRecordsOfOnePieceOnOneThreadOrSeveral() throws Exception {
        List<Record> zone = zone(60_000);
        Path file = dir.resolve("runs.signed");
        AtomicZoneFile.write(file, "test zone", zone);
        int run = 64 << 10;
        assertThat(SignedZoneFile.cuts(source(ByteBuffer.wrap(Files.readAllBytes(file))), Files.size(file), 100))
                .as("split points")
                .hasSizeGreaterThan(90);

        assertThat(SignedZoneFile.read(file, ORIGIN, 3, run)).isEqualTo(zone);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            // one thread, as for a file past 2 GiB on a machine with one core
            assertThat(SignedZoneFile.readInRuns(file, ch::read, ch.size(), ORIGIN, 1, run))
                    .isEqualTo(zone);
        }
    }

    @Test
    void aParenthesisOrADirectiveDeepInALargeFileMakesItBeReadInOnePieceWithTheDirectiveHolding() throws Exception {
        List<Record> zone = zone(60_000);
        Path file = dir.resolve("deep.signed");
        AtomicZoneFile.write(file, "test zone", zone);
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        int middle = lines.size() / 2;
        lines.add(middle, "ttl.tld. IN NS ns.ttl.example.");
        lines.add(middle, "$TTL 4321");
        Files.write(file, lines);

        List<Record> records = SignedZoneFile.read(file, ORIGIN, 4, 64 << 10);
        assertThat(records).hasSize(zone.size() + 1);
        Record inserted = records.stream()
                .filter(r -> r.getName().equals(Name.fromConstantString("ttl.tld.")))
                .findFirst()
                .orElseThrow();
        assertThat(inserted.getTTL()).as("the $TTL line before it holds").isEqualTo(4321);

        lines = new ArrayList<>(Files.readAllLines(dir.resolve("deep.signed")));
        lines.removeIf(l -> l.startsWith("$TTL") || l.startsWith("ttl.tld."));
        lines.add(middle, "txt.tld. 60 IN TXT ( \"one\" \"two\" )");
        Files.write(file, lines);
        assertThat(SignedZoneFile.read(file, ORIGIN, 4, 64 << 10))
                .hasSize(zone.size() + 1)
                .isEqualTo(SignedZoneFile.read(file, ORIGIN, 1));
    }

    @Test
    void aFileWithDirectivesIsReadInOnePieceAndTheTtlDirectiveHolds() throws Exception {
        StringBuilder b = new StringBuilder("$TTL 1234\n");
        for (int i = 0; i < 120_000; i++) {
            b.append("d").append(i).append(".tld. IN NS ns1.d").append(i).append(".example.net.\n");
        }
        Path file = dir.resolve("directives.zone");
        Files.writeString(file, b);
        assertThat(Files.size(file)).isGreaterThan(SignedZoneFile.PARALLEL_MIN_BYTES);
        List<Record> records = SignedZoneFile.read(file, ORIGIN, 4);
        assertThat(records)
                .hasSize(120_000)
                .allSatisfy(r -> assertThat(r.getTTL()).isEqualTo(1234));
    }

    @Test
    void aSyntaxErrorLateInALargeFileNamesItsLineInTheWholeFile() throws Exception {
        List<Record> zone = zone(60_000);
        Path file = dir.resolve("broken.signed");
        AtomicZoneFile.write(file, "test zone", zone);
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        int bad = lines.size() - 10;
        lines.set(bad, "d1.tld. 60 IN NS not..a..name.");
        Files.write(file, lines);
        assertThatThrownBy(() -> SignedZoneFile.read(file, ORIGIN, 4))
                .isInstanceOf(SigningException.class)
                .hasMessageContaining(":" + (bad + 1) + ":");
    }

    @Test
    void theSerialIsTheApexSoasAndAMissingFileHasNone() throws Exception {
        Path file = dir.resolve("serial.signed");
        assertThat(SignedZoneFile.serial(file, ORIGIN)).isEmpty();
        AtomicZoneFile.write(file, "test zone", zone(10));
        assertThat(SignedZoneFile.serial(file, ORIGIN)).contains(7L);
    }
}
