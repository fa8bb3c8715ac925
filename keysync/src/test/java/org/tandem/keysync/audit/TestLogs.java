package org.tandem.keysync.audit;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/** Fixed events and line surgery for the audit tests. */
final class TestLogs {
    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    static final Clock CLOCK = Clock.fixed(T0, ZoneOffset.UTC);

    private TestLogs() {}

    /** A GENERATE event whose detail is {@code "event <n>"}. */
    static AuditEvent event(int n) {
        return event(n, "ops@h1 signerctl keygen");
    }

    static AuditEvent event(int n, String actor) {
        return new AuditEvent(
                T0.plusSeconds(n),
                AuditOperation.GENERATE,
                "example.",
                "tok-a",
                "ab12cd34",
                12345,
                "KSK",
                AuditOutcome.OK,
                "event " + n,
                actor);
    }

    /** Appends events 1..count to a fresh log at {@code file}; returns the last record. */
    static AuditRecord appendEvents(Path file, int count) throws AuditLogException {
        AuditLog log = AuditLog.open(file, CLOCK);
        AuditRecord last = null;
        for (int n = 1; n <= count; n++) {
            last = log.append(event(n));
        }
        return last;
    }

    static List<String> lines(Path file) throws IOException {
        return Files.readAllLines(file, UTF_8);
    }

    /** Replaces the file's content with {@code lines}, each ended by a newline. */
    static void rewrite(Path file, List<String> lines) throws IOException {
        StringBuilder content = new StringBuilder();
        lines.forEach(line -> content.append(line).append('\n'));
        Files.write(file, content.toString().getBytes(UTF_8));
    }
}
