package org.tandem.signer.zone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tandem.signer.publish.RandomRecords;
import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

/** {@link ZoneLines} against dnsjava's {@code Master}: the same records, or none and {@code Master} decides. */
class ZoneLinesTest {
    private static final Name ORIGIN = Name.fromConstantString("example.");

    @Test
    void everyPlainLineOfEveryTypeWithAFastPathGivesTheRecordMasterGives() throws Exception {
        Random random = new Random(20261207);
        ZoneLines lines = new ZoneLines(ORIGIN);
        int read = 0;
        for (int i = 0; i < 4000; i++) {
            int kind = i % RandomRecords.KINDS;
            Record record = RandomRecords.plain().record(random, kind);
            byte[] text = line(record);
            Record fast = lines.record(text);
            if (!RandomRecords.slowKind(kind) && !emptyField(record)) {
                assertThat(fast).as("line %d: %s", i, record).isNotNull();
            }
            if (fast != null) {
                assertSame(fast, master(text), record);
                assertThat(fast).isEqualTo(record);
                read++;
            }
        }
        assertThat(read).isGreaterThan(3000);
    }

    @Test
    void linesWithEscapesQuotesCommentsOrParenthesesAreLeftToMaster() throws Exception {
        Random random = new Random(7);
        ZoneLines lines = new ZoneLines(ORIGIN);
        int left = 0;
        for (int i = 0; i < 2000; i++) {
            Record record = RandomRecords.escaped().record(random, i % RandomRecords.KINDS);
            byte[] text = line(record);
            Record fast = lines.record(text);
            if (fast == null) {
                left++;
            } else {
                assertSame(fast, master(text), record);
            }
        }
        assertThat(left).isGreaterThan(1500);
        for (String text : List.of(
                "a.example. 60 IN TXT \"x\"",
                "a.example. 60 IN NS b.example. ; comment",
                "a.example. 60 IN SOA a. b. ( 1 2 3 4 5 )",
                "a\\.b.example. 60 IN NS b.example.",
                " 60 IN NS b.example.",
                "a.example. 1h IN NS b.example.",
                "a.example. 60 CH NS b.example.",
                "a.example. 60 IN MX 10 b.example.",
                "a.example. 60 IN RRSIG A ECDSAP256SHA256 2 60 20270101000000 20261201000000 1 example. AAAA",
                "$ORIGIN example.")) {
            assertThat(lines.record(text.getBytes(StandardCharsets.US_ASCII)))
                    .as(text)
                    .isNull();
        }
    }

    @Test
    void relativeNamesTheApexAndMissingTtlsAreReadAsMasterReadsThem() throws Exception {
        List<String> text = List.of(
                "www 60 IN A 192.0.2.1",
                "@ 3600 NS ns1",
                "sub 60 in ds 1 13 2 ABCDEF0123456789 abcdef0123456789 ABCDEF0123456789 abcdef0123456789",
                "x 60 IN RRSIG A 13 2 60 20270101000000 20261201000000 4711 @ AAAA BBBB",
                "x 60 IN NSEC @ A RRSIG NSEC TYPE65534 type1 nsec3param",
                "@ 0 IN SOA ns1 hostmaster 2026120701 1800 900 604800 3600",
                "a.example. IN 60 NS b.example.",
                "b IN NS c",
                "c NS d",
                "d 7200 A 192.0.2.7",
                "e AAAA 2001:db8::7");
        ZoneLines lines = new ZoneLines(ORIGIN);
        List<Record> fast = new ArrayList<>();
        for (String t : text) {
            Record r = lines.record(bytes(t));
            assertThat(r).as(t).isNotNull();
            fast.add(r);
        }
        List<Record> slow = masterAll(String.join("\n", text) + "\n");
        assertThat(fast).hasSameSizeAs(slow);
        for (int i = 0; i < fast.size(); i++) {
            assertSame(fast.get(i), slow.get(i), text.get(i));
        }
    }

    @Test
    void directivesSetTheOriginAndTheDefaultTtlAsTheZoneLoaderDoes() throws Exception {
        ZoneLines lines = new ZoneLines(ORIGIN);
        assertThat(lines.record(bytes("www A 192.0.2.1")))
                .as("no TTL before any")
                .isNull();
        assertThat(lines.directive(bytes("$TTL 300"), 8)).isTrue();
        assertThat(lines.directive(bytes("$ORIGIN sub"), 11)).isTrue();
        Record www = lines.record(bytes("www A 192.0.2.1"));
        assertThat(www.getName()).isEqualTo(Name.fromString("www.sub.example."));
        assertThat(www.getTTL()).isEqualTo(300);
        assertThat(lines.directive(bytes("$ORIGIN other."), 14)).isTrue();
        assertThat(lines.record(bytes("@ 60 NS ns")).rdataToString()).isEqualTo("ns.other.");
        for (String other : List.of("$INCLUDE x", "$GENERATE 1-2 a A 192.0.2.$", "$TTL 1h", "$TTL 300 ; five")) {
            assertThat(lines.directive(bytes(other), other.length())).as(other).isFalse();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Every line broken at random (a byte deleted, replaced or inserted, a field dropped or repeated): where
     * {@code Master} refuses the line, {@code ZoneLines} refuses it too, and where both read it they agree.
     */
    @Test
    void aCorruptedLineIsNeverReadDifferentlyFromMaster() throws Exception {
        Random random = new Random(42);
        ZoneLines lines = new ZoneLines(ORIGIN);
        byte[] noise = " \t09AFaz.-=+/@*_Z\\;(\"".getBytes(StandardCharsets.US_ASCII);
        int refusedByBoth = 0;
        int readByBoth = 0;
        for (int i = 0; i < 20000; i++) {
            Record record = RandomRecords.plain().record(random, i % RandomRecords.KINDS);
            String[] fields = new String(line(record), StandardCharsets.US_ASCII).split("\t");
            List<String> f = new ArrayList<>(List.of(fields));
            int at = random.nextInt(f.size());
            switch (random.nextInt(5)) {
                case 0 -> f.remove(at);
                case 1 -> f.add(at, f.get(at));
                default -> {
                    StringBuilder s = new StringBuilder(f.get(at));
                    int p = s.isEmpty() ? 0 : random.nextInt(s.length());
                    byte c = noise[random.nextInt(noise.length)];
                    switch (random.nextInt(3)) {
                        case 0 -> s.insert(p, (char) c);
                        case 1 -> {
                            if (!s.isEmpty()) {
                                s.setCharAt(p, (char) c);
                            }
                        }
                        default -> {
                            if (!s.isEmpty()) {
                                s.deleteCharAt(p);
                            }
                        }
                    }
                    f.set(at, s.toString());
                }
            }
            byte[] text = String.join("\t", f).getBytes(StandardCharsets.US_ASCII);
            Record fast = new ZoneLines(ORIGIN).record(text); // no TTL carried over: Master reads the line alone
            Record slow = master(text);
            if (fast != null) {
                assertThat(slow)
                        .as("Master refuses what ZoneLines read: %s", new String(text))
                        .isNotNull();
                assertSame(fast, slow, new String(text));
                readByBoth++;
            } else if (slow == null) {
                refusedByBoth++;
            }
        }
        assertThat(refusedByBoth).isGreaterThan(1000);
        assertThat(readByBoth).isGreaterThan(1000);
    }

    @Test
    void aRunIsReadWholeOrNotAtAllAndConsecutiveOwnersShareOneName() throws Exception {
        String plain = "; header\na.example. 60 IN NS ns1.example.\n\n  \n  ; note\na.example. 60 IN NS ns2.example.\n"
                + "b.example. 60 IN A 192.0.2.1\n";
        List<Record> records = ZoneLines.parse(ByteBuffer.wrap(plain.getBytes(StandardCharsets.US_ASCII)), ORIGIN);
        assertThat(records).hasSize(3).containsExactlyElementsOf(masterAll(plain));
        assertThat(records.get(1).getName()).isSameAs(records.get(0).getName());
        String mixed = plain + "c.example. 60 IN TXT \"hello\"\n";
        assertThat(ZoneLines.parse(ByteBuffer.wrap(mixed.getBytes(StandardCharsets.US_ASCII)), ORIGIN))
                .isNull();
    }

    private static void assertSame(Record fast, Record slow, Object what) {
        assertThat(slow).as("Master reads %s", what).isNotNull();
        assertThat(fast).as("%s", what).isEqualTo(slow);
        assertThat(fast.getTTL()).as("TTL of %s", what).isEqualTo(slow.getTTL());
        assertThat(fast.toString()).as("%s", what).isEqualTo(slow.toString());
    }

    /** A record whose dnsjava text has an empty field (salt-less NSEC3PARAM is "-", so not that). */
    private static boolean emptyField(Record r) {
        return r.rdataToString().isEmpty() || r.rdataToString().endsWith(" ");
    }

    private static byte[] line(Record r) {
        return r.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** What Master reads from the one line, or null when it refuses it. */
    private static Record master(byte[] text) {
        try (Master m = new Master(new ByteArrayInputStream(text), ORIGIN)) {
            Record r = m.nextRecord();
            return r != null && m.nextRecord() == null ? r : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static List<Record> masterAll(String text) throws IOException {
        List<Record> out = new ArrayList<>();
        try (Master m = new Master(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)), ORIGIN)) {
            for (Record r = m.nextRecord(); r != null; r = m.nextRecord()) {
                out.add(r);
            }
        }
        return out;
    }
}
