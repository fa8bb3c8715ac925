package org.tandem.keysync.audit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.tandem.keysync.audit.TestLogs.CLOCK;
import static org.tandem.keysync.audit.TestLogs.appendEvents;
import static org.tandem.keysync.audit.TestLogs.event;
import static org.tandem.keysync.audit.TestLogs.lines;
import static org.tandem.keysync.audit.TestLogs.rewrite;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditChainTest {
    @TempDir
    Path dir;

    @Test
    void reportsAnIntactChainWithItsHead() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        AuditRecord last = appendEvents(file, 5);

        AuditVerification verification = AuditChain.verify(file);

        assertThat(verification).isEqualTo(new AuditVerification(true, 5, last.hash(), List.of()));
    }

    @Test
    void reportsAnEmptyLogAsIntactWithTheGenesisHead() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        AuditLog.open(file, CLOCK);

        assertThat(AuditChain.verify(file)).isEqualTo(new AuditVerification(true, 0, "0".repeat(64), List.of()));
    }

    @Test
    void detectsAnEditedDetailAtItsLine() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        appendEvents(file, 5);
        List<String> lines = lines(file);
        lines.set(2, lines.get(2).replace("\"detail\":\"event 3\"", "\"detail\":\"event 3 (nothing to see)\""));
        rewrite(file, lines);

        AuditVerification verification = AuditChain.verify(file);

        assertThat(verification.intact()).isFalse();
        assertThat(verification.defects()).singleElement().satisfies(defect -> {
            assertThat(defect.line()).isEqualTo(3);
            assertThat(defect.reason()).startsWith("hash mismatch");
        });
    }

    @Test
    void detectsARemovedMiddleLine() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        appendEvents(file, 5);
        List<String> lines = lines(file);
        lines.remove(2);
        rewrite(file, lines);

        AuditVerification verification = AuditChain.verify(file);

        assertThat(verification.intact()).isFalse();
        assertThat(verification.defects()).extracting(AuditDefect::line).containsOnly(3L);
        assertThat(verification.defects())
                .extracting(AuditDefect::reason)
                .anyMatch(r -> r.startsWith("seq gap: expected 3, found 4"))
                .anyMatch(r -> r.startsWith("prev mismatch"));
    }

    @Test
    void detectsTwoSwappedLines() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        appendEvents(file, 5);
        List<String> lines = lines(file);
        String second = lines.get(1);
        lines.set(1, lines.get(2));
        lines.set(2, second);
        rewrite(file, lines);

        AuditVerification verification = AuditChain.verify(file);

        assertThat(verification.intact()).isFalse();
        assertThat(verification.defects())
                .extracting(AuditDefect::line)
                .contains(2L, 3L)
                .doesNotContain(1L, 5L);
        assertThat(verification.defects())
                .extracting(AuditDefect::reason)
                .allMatch(r -> r.startsWith("seq gap") || r.startsWith("prev mismatch"));
    }

    @Test
    void detectsAnInsertedLine() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        appendEvents(file, 4);
        List<String> lines = lines(file);
        lines.add(2, lines.get(1));
        rewrite(file, lines);

        AuditVerification verification = AuditChain.verify(file);

        assertThat(verification.intact()).isFalse();
        assertThat(verification.lines()).isEqualTo(5);
        assertThat(verification.defects())
                .extracting(AuditDefect::line)
                .contains(3L)
                .doesNotContain(1L, 2L);
    }

    @Test
    void detectsAnUnparseableLineAndAddedWhitespace() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        appendEvents(file, 4);
        List<String> lines = lines(file);
        lines.set(1, "this is not json");
        lines.set(3, lines.get(3).replace("\"seq\":4", "\"seq\": 4"));
        rewrite(file, lines);

        AuditVerification verification = AuditChain.verify(file);

        assertThat(verification.defects()).extracting(AuditDefect::line).containsExactly(2L, 4L);
        assertThat(verification.defects().get(0).reason()).startsWith("unparseable");
        assertThat(verification.defects().get(1).reason()).startsWith("hash mismatch");
    }

    @Test
    void detectsATornLastLine() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        AuditLog log = AuditLog.open(file, CLOCK);
        log.append(event(1));
        AuditRecord second = log.append(event(2));
        log.append(event(3));
        byte[] content = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(content, content.length - 20)); // crash in the middle of line 3

        AuditVerification verification = AuditChain.verify(file);

        assertThat(verification.intact()).isFalse();
        assertThat(verification.lines()).isEqualTo(3);
        assertThat(verification.headHash()).isEqualTo(second.hash());
        assertThat(verification.defects()).singleElement().satisfies(defect -> {
            assertThat(defect.line()).isEqualTo(3);
            assertThat(defect.reason()).startsWith("torn");
        });
    }

    @Test
    void detectsTruncatedNewestLinesOnlyAgainstAnExternalHead() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        AuditRecord head = appendEvents(file, 5);
        rewrite(file, new ArrayList<>(lines(file).subList(0, 3)));

        // the documented limitation: a truncated chain is a valid shorter chain
        assertThat(AuditChain.verify(file).intact()).isTrue();

        AuditVerification verification = AuditChain.verify(file, head.seq(), head.hash());
        assertThat(verification.intact()).isFalse();
        assertThat(verification.defects()).singleElement().satisfies(defect -> {
            assertThat(defect.line()).isEqualTo(5);
            assertThat(defect.reason()).startsWith("missing");
        });
    }

    @Test
    void acceptsLinesAppendedAfterTheExternalHead() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        AuditRecord head = appendEvents(file, 3);
        AuditLog.open(file, CLOCK).append(event(4));

        AuditVerification verification = AuditChain.verify(file, head.seq(), head.hash());

        assertThat(verification.defects()).isEmpty();
        assertThat(verification.lines()).isEqualTo(4);
    }

    @Test
    void detectsARewrittenLogAgainstTheExternalHead() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        AuditRecord head = appendEvents(file, 3);
        Files.delete(file);
        AuditLog forged = AuditLog.open(file, CLOCK);
        for (int n = 1; n <= 3; n++) {
            forged.append(event(n, "intruder@h1 signerctl keygen"));
        }

        AuditVerification verification = AuditChain.verify(file, head.seq(), head.hash());

        assertThat(AuditChain.verify(file).intact()).isTrue();
        assertThat(verification.defects()).singleElement().satisfies(defect -> {
            assertThat(defect.line()).isEqualTo(3);
            assertThat(defect.reason()).startsWith("head mismatch");
        });
        assertThat(new String(Files.readAllBytes(file), UTF_8)).contains("intruder");
    }
}
