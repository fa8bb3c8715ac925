package org.tandem.signer.zone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.publish.RandomRecords;
import org.xbill.DNS.Name;
import org.xbill.DNS.NameTooLongException;
import org.xbill.DNS.Record;

/**
 * A zone file of plain lines is read without dnsjava's tokenizer: the same records, files and lines as the
 * tokenizer path gives for the same text, the same refusals, and any other line sends the whole file back
 * to the tokenizer.
 */
class MasterFileReaderPlainTest {
    private static final ZoneName ZONE = ZoneName.of("example.");

    @TempDir
    Path dir;

    @Test
    void plainLinesGiveTheRecordsAndLinesTheTokenizerGives() throws Exception {
        Random random = new Random(11);
        StringBuilder text = new StringBuilder("; a provisioning system's export\n\n");
        for (int i = 0; i < 3000; i++) {
            int kind = i % RandomRecords.KINDS;
            if (RandomRecords.slowKind(kind)) {
                continue;
            }
            Record r = RandomRecords.plain().record(random, kind);
            Name owner;
            try {
                owner = Name.concatenate(r.getName().relativize(Name.root), ZONE.name());
            } catch (NameTooLongException e) {
                continue;
            }
            text.append(r.withName(owner)).append(i % 7 == 0 ? "\n\n" : "\n");
        }
        Path file = write(text.toString());

        List<SourcedRecord> plain = MasterFileReader.read(file, ZONE, ZoneLimits.defaults());
        List<SourcedRecord> tokenized = MasterFileReader.read(text.toString(), ZONE, file, ZoneLimits.defaults());

        assertThat(plain).hasSize(tokenized.size()).hasSizeGreaterThan(2000);
        for (int i = 0; i < plain.size(); i++) {
            SourcedRecord a = plain.get(i);
            SourcedRecord b = tokenized.get(i);
            assertThat(a.record()).as("record %d", i).isEqualTo(b.record());
            assertThat(a.record().getTTL()).isEqualTo(b.record().getTTL());
            assertThat(a.line()).as("line of record %d", i).isEqualTo(b.line());
            assertThat(a.file()).isEqualTo(b.file());
        }
    }

    @Test
    void aZoneWithOriginTtlAndRelativeNamesGivesWhatTheTokenizerGives() throws Exception {
        StringBuilder text = new StringBuilder("$ORIGIN example.\n$TTL 86400\n");
        text.append("@ IN SOA ns1.nic hostmaster.nic 1 1800 900 604800 3600\n@ IN NS ns1.nic.example.net.\n");
        for (int i = 0; i < 500; i++) {
            text.append("d").append(i).append(" IN NS ns1.d").append(i).append(".example.net.\n");
            text.append("d").append(i).append(" 3600 NS ns2\n");
            text.append("d")
                    .append(i)
                    .append(" DS 4711 13 2 ")
                    .append("ab".repeat(32))
                    .append('\n');
        }
        text.append("$ORIGIN sub.example.\nwww A 192.0.2.1\n$TTL 60\nmail IN AAAA 2001:db8::1\n");
        Path file = write(text.toString());

        List<SourcedRecord> plain = MasterFileReader.read(file, ZONE, ZoneLimits.defaults());
        List<SourcedRecord> tokenized = MasterFileReader.read(text.toString(), ZONE, file, ZoneLimits.defaults());

        assertThat(plain).hasSize(1504);
        assertThat(plain)
                .extracting(SourcedRecord::record)
                .containsExactlyElementsOf(
                        tokenized.stream().map(SourcedRecord::record).toList());
        assertThat(plain)
                .extracting(r -> r.record().getTTL())
                .containsExactlyElementsOf(
                        tokenized.stream().map(r -> r.record().getTTL()).toList());
        assertThat(plain)
                .extracting(SourcedRecord::line)
                .containsExactlyElementsOf(
                        tokenized.stream().map(SourcedRecord::line).toList());
    }

    @Test
    void anOwnerOutsideTheZoneIsRefusedWithItsLineAsTheTokenizerRefusesIt() throws Exception {
        String text =
                "example. 3600 IN NS ns1.example.\nwww.example. 60 IN A 192.0.2.1\n" + "www.other. 60 IN A 192.0.2.2\n";
        Path file = write(text);

        assertThatThrownBy(() -> MasterFileReader.read(file, ZONE, ZoneLimits.defaults()))
                .isInstanceOf(ZoneLoadException.class)
                .hasMessageContaining("example.zone:3:")
                .hasMessageContaining("outside the zone");
        assertThatThrownBy(() -> MasterFileReader.read(text, ZONE, file, ZoneLimits.defaults()))
                .isInstanceOf(ZoneLoadException.class)
                .hasMessageContaining("example.zone:3:")
                .hasMessageContaining("outside the zone");
    }

    @Test
    void oneLineOfAnotherFormSendsTheFileToTheTokenizerWithItsDirectives() throws Exception {
        String text = "example. 3600 IN NS ns1.example.\n$TTL 300\nwww A 192.0.2.1\n"
                + "txt.example. 60 IN TXT \"hello world\"\n";
        Path file = write(text);

        List<SourcedRecord> records = MasterFileReader.read(file, ZONE, ZoneLimits.defaults());

        assertThat(records).extracting(SourcedRecord::line).containsExactly(1, 3, 4);
        assertThat(records.get(1).record().getTTL()).isEqualTo(300);
        assertThat(records.get(1).record().getName()).isEqualTo(Name.fromString("www.example."));
    }

    @Test
    void aMalformedPlainLookingLineGetsTheTokenizersMessageWithItsLine() throws Exception {
        Path file = write("example. 3600 IN NS ns1.example.\nwww.example. 60 IN A 192.0.2.300\n");

        assertThatThrownBy(() -> MasterFileReader.read(file, ZONE, ZoneLimits.defaults()))
                .isInstanceOf(ZoneLoadException.class)
                .hasMessageContaining("example.zone:2:");
    }

    @Test
    void readInSmallBlocksOnSeveralThreadsTheRecordsTtlsAndLinesAreTheTokenizers() throws Exception {
        // directives in the middle (parsed in order), a stretch without $TTL where lines without a TTL
        // take the record before's (a block must then be parsed again in order), comments and blank lines
        StringBuilder text = new StringBuilder("; export\nexample. 3600 IN NS ns1.example.\n");
        for (int i = 0; i < 400; i++) {
            text.append("a").append(i).append(".example. ").append(100 + i).append(" IN A 192.0.2.1\n");
            text.append("a")
                    .append(i)
                    .append(".example. IN AAAA 2001:db8::")
                    .append(i % 9)
                    .append("\n");
            if (i % 50 == 0) {
                text.append("; a comment\n\n");
            }
        }
        text.append("$ORIGIN sub.example.\n$TTL 77\n");
        for (int i = 0; i < 400; i++) {
            text.append("d").append(i).append(" IN NS ns1.d").append(i).append(".example.net.\n");
            text.append("d").append(i).append(" 3600 NS ns2\n");
        }
        text.append("$TTL 5\nlast A 192.0.2.9\n");
        Path file = write(text.toString());
        List<SourcedRecord> tokenized = MasterFileReader.read(text.toString(), ZONE, file, ZoneLimits.defaults());

        for (int threads : new int[] {1, 3}) {
            List<SourcedRecord> blocks = MasterFileReader.readPlain(file, ZONE, ZoneLimits.defaults(), 300, threads);
            assertThat(blocks)
                    .as("%d threads", threads)
                    .hasSize(tokenized.size())
                    .hasSize(1602);
            for (int i = 0; i < blocks.size(); i++) {
                SourcedRecord a = blocks.get(i);
                SourcedRecord b = tokenized.get(i);
                assertThat(a.record()).as("record %d", i).isEqualTo(b.record());
                assertThat(a.record().getTTL())
                        .as("TTL of %s", a.record())
                        .isEqualTo(b.record().getTTL());
                assertThat(a.line()).as("line of %s", a.record()).isEqualTo(b.line());
                assertThat(a.seq()).isEqualTo(i);
            }
        }
        assertThat(tokenized.get(4).record().getTTL())
                .as("no $TTL: the record before's")
                .isEqualTo(101);
    }

    @Test
    void readInSmallBlocksARefusalDeepInTheFileNamesItsLineAndAnotherFormSendsItToTheTokenizer() throws Exception {
        StringBuilder text = new StringBuilder("example. 3600 IN NS ns1.example.\n");
        for (int i = 0; i < 300; i++) {
            text.append("w").append(i).append(".example. 60 IN A 192.0.2.1\n");
        }
        String good = text.toString();
        Path file = write(good + "www.other. 60 IN A 192.0.2.2\n" + good);
        assertThatThrownBy(() -> MasterFileReader.readPlain(file, ZONE, ZoneLimits.defaults(), 256, 3))
                .isInstanceOf(ZoneLoadException.class)
                .hasMessageContaining("example.zone:302:")
                .hasMessageContaining("outside the zone");

        write(good + "txt.example. 60 IN TXT ( \"a\" )\n" + good);
        assertThat(MasterFileReader.readPlain(file, ZONE, ZoneLimits.defaults(), 256, 3))
                .isNull();
        assertThat(MasterFileReader.read(file, ZONE, ZoneLimits.defaults()))
                .as("read by the tokenizer")
                .hasSize(603)
                .extracting(SourcedRecord::line)
                .endsWith(603);
    }

    private Path write(String text) throws Exception {
        Path file = dir.resolve("example.zone");
        Files.writeString(file, text, StandardCharsets.US_ASCII);
        return file;
    }
}
