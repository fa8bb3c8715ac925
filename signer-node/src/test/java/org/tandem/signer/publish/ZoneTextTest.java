package org.tandem.signer.publish;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.Master;
import org.xbill.DNS.NSEC3PARAMRecord;
import org.xbill.DNS.NSEC3Record;
import org.xbill.DNS.NSECRecord;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Options;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

class ZoneTextTest {
    private static final int ROUNDS = 3000;

    @TempDir
    Path dir;

    @Test
    void everyRecordTypeTheSignerWritesIsFormattedExactlyAsDnsjavaDoesAndParsesBackToTheSameRecord() throws Exception {
        Random random = new Random(20261207);
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
            records.add(RandomRecords.escaped().record(random, i % 13));
        }
        byte[] text = DurableFiles.format(records, 0, records.size());

        assertThat(new String(text, StandardCharsets.US_ASCII)).isEqualTo(dnsjavaLines(records));
        List<Record> back = parse(text);
        assertThat(back).hasSameSizeAs(records);
        for (int i = 0; i < records.size(); i++) {
            assertThat(back.get(i)).as("record %d: %s", i, records.get(i)).isEqualTo(records.get(i));
            assertThat(back.get(i).getTTL()).isEqualTo(records.get(i).getTTL());
        }
    }

    @Test
    void namesNeedingEscapesKeepTheirCaseAndEscapesAsOwnersAndInRdata() throws Exception {
        Name odd = Name.fromString("We\\.ird\\032Name\\;\\(\\)\\@\\$\\\"\\\\\\000\\255.Example.");
        Name root = Name.root;
        Name apex = Name.fromString("Example.");
        List<Record> records = List.of(
                new NSRecord(odd, DClass.IN, 1, odd),
                new NSRecord(odd, DClass.IN, 1, apex),
                new NSRecord(Name.fromString("a.example."), DClass.IN, 1, apex),
                new CNAMERecord(Name.fromString("LONG-owner-name-beyond-sixteen.example."), DClass.IN, 2, root),
                new NSECRecord(root, DClass.IN, 3, odd, new int[0]),
                new NSECRecord(Name.fromString("abcdefg."), DClass.IN, 4, apex, new int[] {Type.NS, 65280}));

        byte[] text = DurableFiles.format(records, 0, records.size());

        assertThat(new String(text, StandardCharsets.US_ASCII)).isEqualTo(dnsjavaLines(records));
        assertThat(parse(text)).containsExactlyElementsOf(records);
    }

    @Test
    void typesWithoutAFastPathAndOtherClassesGoThroughDnsjava() throws Exception {
        Name n = Name.fromString("x.example.");
        List<Record> records = List.of(
                new TXTRecord(n, DClass.IN, 60, List.of("tab\there", "quote\" back\\slash", "\u00e9t\u00e9 ;x")),
                Record.newRecord(n, 65280, DClass.IN, 60, new byte[] {1, 2, 3, 4}),
                Record.newRecord(n, 65280, DClass.IN, 60, new byte[0]),
                new AAAARecord(n, DClass.IN, 60, InetAddress.getByName("2001:db8::1")),
                new ARecord(n, DClass.CH, 60, InetAddress.getByName("192.0.2.1")),
                new SOARecord(n, DClass.IN, 60, n, n, 2026120701L, 1800, 900, 604800, 3600));

        byte[] text = DurableFiles.format(records, 0, records.size());

        assertThat(new String(text, StandardCharsets.US_ASCII)).isEqualTo(dnsjavaLines(records));
        assertThat(parse(text)).containsExactlyElementsOf(records);
    }

    @Test
    void emptySaltDigestKeyAndSignatureAreFormattedAsDnsjavaDoes() throws Exception {
        // dnsjava's own text for these does not parse back (an empty hex or base64 field); the signer never
        // makes them, but the formatter must still agree with toString()
        Name n = Name.fromString("e.example.");
        Instant t = Instant.parse("2026-12-07T08:00:00Z");
        List<Record> records = List.of(
                new NSEC3PARAMRecord(n, DClass.IN, 0, 1, 0, 0, new byte[0]),
                new NSEC3Record(n, DClass.IN, 0, 1, 1, 0, new byte[0], new byte[20], new int[0]),
                new DSRecord(n, DClass.IN, 0, 1, 13, 250, new byte[0]),
                new DNSKEYRecord(n, DClass.IN, 0, 256, 3, 13, new byte[0]),
                new RRSIGRecord(n, DClass.IN, 0, Type.A, 13, 0, t, t, 1, n, new byte[0]));

        byte[] text = DurableFiles.format(records, 0, records.size());

        assertThat(new String(text, StandardCharsets.US_ASCII)).isEqualTo(dnsjavaLines(records));
    }

    @Test
    void aDnsjavaOptionThatChangesThePresentationFormatIsHonoured() throws Exception {
        Random random = new Random(7);
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < 13; i++) {
            records.add(RandomRecords.escaped().record(random, i));
        }
        Options.set("multiline");
        try {
            byte[] text = DurableFiles.format(records, 0, records.size());
            assertThat(new String(text, StandardCharsets.US_ASCII)).isEqualTo(dnsjavaLines(records));
            assertThat(new String(text, StandardCharsets.US_ASCII)).contains("(\n");
        } finally {
            Options.unset("multiline");
        }
    }

    @Test
    void theZoneFileIsTheHeaderThenTheRecordsInOrderAcrossFormattingRuns() throws Exception {
        Random random = new Random(99);
        List<Record> records = new ArrayList<>();
        for (int i = 0; i < 2 * DurableFiles.RUN + 17; i++) {
            records.add(RandomRecords.escaped().record(random, i % 13));
        }
        Path out = dir.resolve("z.signed");

        AtomicZoneFile.write(out, "header", records);

        assertThat(Files.readString(out, StandardCharsets.US_ASCII)).isEqualTo("; header\n" + dnsjavaLines(records));
    }

    // ---------------------------------------------------------------- helpers

    private static String dnsjavaLines(List<Record> records) {
        StringBuilder b = new StringBuilder();
        for (Record r : records) {
            b.append(r).append('\n');
        }
        return b.toString();
    }

    private static List<Record> parse(byte[] text) throws Exception {
        List<Record> out = new ArrayList<>();
        try (Master m = new Master(new ByteArrayInputStream(text))) {
            Record r;
            while ((r = m.nextRecord()) != null) {
                out.add(r);
            }
        }
        return out;
    }
}
