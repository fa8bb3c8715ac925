package org.tandem.keysync.audit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.tandem.keysync.audit.TestLogs.CLOCK;
import static org.tandem.keysync.audit.TestLogs.event;
import static org.tandem.keysync.audit.TestLogs.lines;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
    private static final String ZEROS = "0".repeat(64);

    @TempDir
    Path dir;

    @Test
    void writesOneCanonicalLineWhoseHashCoversTheLineWithoutTheHashField() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        AuditRecord record = AuditLog.open(file, CLOCK).append(event(1));

        String body = "{\"seq\":1,\"time\":\"2025-01-01T00:00:01Z\",\"op\":\"GENERATE\",\"zone\":\"example.\","
                + "\"hsm\":\"tok-a\",\"fp\":\"ab12cd34\",\"tag\":12345,\"role\":\"KSK\",\"outcome\":\"OK\","
                + "\"detail\":\"event 1\",\"actor\":\"ops@h1 signerctl keygen\",\"prev\":\"" + ZEROS + "\"}";
        String hash =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body.getBytes(UTF_8)));
        String expected = body.substring(0, body.length() - 1) + ",\"hash\":\"" + hash + "\"}\n";

        assertThat(Files.readString(file)).isEqualTo(expected);
        assertThat(record.seq()).isEqualTo(1);
        assertThat(record.prev()).isEqualTo(ZEROS);
        assertThat(record.hash()).isEqualTo(hash);
        assertThat(record.event()).isEqualTo(event(1));
    }

    @Test
    void writesNullTagAndEmptyFieldsAndKeepsEscapedTextOnOneLine() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        String detail = "line one\nline two \"quoted\" \\ é ✓ \uD83D\uDE00 \u0001";
        AuditLog.open(file, CLOCK)
                .append(new AuditEvent(
                        Instant.parse("2025-01-01T00:00:00.250Z"),
                        AuditOperation.KEK_INIT,
                        "",
                        "tok-a",
                        "",
                        null,
                        "",
                        AuditOutcome.REFUSED,
                        detail,
                        "ops@h1 signerctl kek init"));

        List<String> lines = lines(file);
        assertThat(lines).hasSize(1);
        var node = new ObjectMapper().readTree(lines.get(0));
        assertThat(node.get("detail").textValue()).isEqualTo(detail);
        assertThat(node.get("tag").isNull()).isTrue();
        assertThat(node.get("time").textValue()).isEqualTo("2025-01-01T00:00:00.250Z");
        assertThat(node.get("op").textValue()).isEqualTo("KEK_INIT");
        assertThat(lines.get(0)).contains("é ✓ \uD83D\uDE00 \\u0001"); // raw UTF-8, escaped control character
        assertThat(AuditChain.verify(file).intact()).isTrue();
    }

    @Test
    void continuesTheChainAfterReopeningTheFile() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        AuditLog first = AuditLog.open(file, CLOCK);
        List<AuditRecord> records = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            records.add(first.append(event(n)));
        }
        AuditLog reopened = AuditLog.open(file, CLOCK);
        for (int n = 4; n <= 5; n++) {
            records.add(reopened.append(event(n)));
        }

        assertThat(records).extracting(AuditRecord::seq).containsExactly(1L, 2L, 3L, 4L, 5L);
        for (int i = 1; i < records.size(); i++) {
            assertThat(records.get(i).prev()).isEqualTo(records.get(i - 1).hash());
        }
        AuditVerification verification = AuditChain.verify(file);
        assertThat(verification.defects()).isEmpty();
        assertThat(verification.intact()).isTrue();
        assertThat(verification.lines()).isEqualTo(5);
        assertThat(verification.headHash()).isEqualTo(records.get(4).hash());
    }

    @Test
    void createsParentDirectoriesAndAnOwnerOnlyFile() throws Exception {
        assumeThat(dir.getFileSystem().supportedFileAttributeViews()).contains("posix");
        Path file = dir.resolve("var/audit/audit.jsonl");

        AuditLog log = AuditLog.open(file, CLOCK);

        assertThat(log.file()).isEqualTo(file.toRealPath());
        assertThat(Files.size(file)).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                .isEqualTo("rwx------");
    }

    @Test
    void refusesToChainOntoATornLastLineAndWritesNothing() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        AuditLog log = AuditLog.open(file, CLOCK);
        log.append(event(1));
        log.append(event(2));
        Files.write(file, "{\"seq\":3,\"time\":\"2025-".getBytes(UTF_8), StandardOpenOption.APPEND);
        byte[] before = Files.readAllBytes(file);

        assertThatThrownBy(() -> log.append(event(3)))
                .isInstanceOfSatisfying(
                        AuditLogCorruptException.class,
                        e -> assertThat(e.line()).isEqualTo(3))
                .hasMessageContaining(file.toRealPath().toString())
                .hasMessageContaining("line 3")
                .hasMessageContaining("torn");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        assertThatThrownBy(() -> AuditLog.open(file, CLOCK)).isInstanceOf(AuditLogCorruptException.class);
    }

    @Test
    void refusesToChainOntoAnEditedLastLine() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        AuditLog log = AuditLog.open(file, CLOCK);
        log.append(event(1));
        log.append(event(2));
        List<String> lines = lines(file);
        lines.set(1, lines.get(1).replace("\"detail\":\"event 2\"", "\"detail\":\"event 2, all fine\""));
        TestLogs.rewrite(file, lines);

        assertThatThrownBy(() -> log.append(event(3)))
                .isInstanceOfSatisfying(
                        AuditLogCorruptException.class,
                        e -> assertThat(e.line()).isEqualTo(2))
                .hasMessageContaining("line 2")
                .hasMessageContaining("hash mismatch");
        assertThat(lines(file)).hasSize(2);
    }

    @Test
    void fourThreadsAppendTwoHundredLinesWithContiguousSeq() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        AuditLog log = AuditLog.open(file, CLOCK);

        List<AuditRecord> records = runConcurrently(4, 50, thread -> log);

        assertThat(records)
                .extracting(AuditRecord::seq)
                .containsExactlyInAnyOrderElementsOf(
                        LongStream.rangeClosed(1, 200).boxed().toList());
        assertChainOf(file, 200);
    }

    @Test
    void twoInstancesOnOneFileInterleaveWithoutBreakingTheChain() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        Path link = Files.createSymbolicLink(dir.resolve("link.jsonl"), file.getFileName());
        // two instances, as two processes would have; one reaches the file through a symbolic link,
        // which must not let both take the JVM-wide FileLock at once
        AuditLog[] logs = {AuditLog.open(file, CLOCK), AuditLog.open(link, CLOCK)};

        List<AuditRecord> records = runConcurrently(2, 100, thread -> logs[thread]);

        assertThat(records)
                .extracting(AuditRecord::seq)
                .containsExactlyInAnyOrderElementsOf(
                        LongStream.rangeClosed(1, 200).boxed().toList());
        assertThat(lines(file))
                .anyMatch(l -> l.contains("\"actor\":\"writer-0\""))
                .anyMatch(l -> l.contains("\"actor\":\"writer-1\""));
        assertChainOf(file, 200);
    }

    private interface LogForThread {
        AuditLog log(int thread);
    }

    /** {@code threads} threads, released together, each append {@code perThread} events. */
    private static List<AuditRecord> runConcurrently(int threads, int perThread, LogForThread logs) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<AuditRecord>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Callable<List<AuditRecord>> writer = () -> {
                    start.await();
                    List<AuditRecord> mine = new ArrayList<>();
                    for (int n = 1; n <= perThread; n++) {
                        mine.add(logs.log(thread).append(event(n, "writer-" + thread)));
                    }
                    return mine;
                };
                futures.add(pool.submit(writer));
            }
            start.countDown();
            List<AuditRecord> all = new ArrayList<>();
            for (Future<List<AuditRecord>> future : futures) {
                all.addAll(future.get(60, TimeUnit.SECONDS));
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void assertChainOf(Path file, int count) throws Exception {
        List<String> lines = lines(file);
        assertThat(lines).hasSize(count);
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < count; i++) {
            assertThat(json.readTree(lines.get(i)).get("seq").longValue()).isEqualTo(i + 1);
        }
        AuditVerification verification = AuditChain.verify(file);
        assertThat(verification.defects()).isEmpty();
        assertThat(verification.intact()).isTrue();
        assertThat(verification.lines()).isEqualTo(count);
    }
}
