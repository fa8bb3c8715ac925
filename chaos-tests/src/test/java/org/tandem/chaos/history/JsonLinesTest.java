package org.tandem.chaos.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesTest {
    @TempDir
    Path dir;

    private static LedgerEntry entry(long serial) {
        return new LedgerEntry(serial, 1, "node-a", "aa", Instant.EPOCH, Instant.EPOCH);
    }

    @Test
    void theTailReadsWhatWasAppendedAndWaitsForATornLineToEnd() throws Exception {
        Path file = dir.resolve("ledger.jsonl");
        JsonLines.Tail<LedgerEntry> tail = new JsonLines.Tail<>(file, LedgerEntry.class);
        assertThat(tail.all()).as("no file yet").isEmpty();
        try (JsonLines w = JsonLines.append(file)) {
            w.write(entry(1));
            w.write(entry(2));
        }
        assertThat(tail.all()).extracting(LedgerEntry::serial).containsExactly(1L, 2L);
        String third = JsonLines.MAPPER.writeValueAsString(entry(3));
        Files.writeString(file, third.substring(0, 10), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        assertThat(tail.last()).map(LedgerEntry::serial).contains(2L);
        Files.writeString(file, third.substring(10) + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        assertThat(tail.all()).extracting(LedgerEntry::serial).containsExactly(1L, 2L, 3L);
        assertThat(tail.all()).as("read again: nothing new, nothing twice").hasSize(3);
        assertThat(JsonLines.read(file, LedgerEntry.class)).isEqualTo(tail.all());
    }
}
