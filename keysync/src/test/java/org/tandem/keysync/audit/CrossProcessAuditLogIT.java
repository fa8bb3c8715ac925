package org.tandem.keysync.audit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two JVMs append to one log at the same time: only the FileLock keeps them apart, since the
 * in-process monitor does not reach across processes.
 */
class CrossProcessAuditLogIT {
    private static final int PER_PROCESS = 200;

    @TempDir
    Path dir;

    @Test
    void twoProcessesAppendToOneFileWithoutBreakingTheChain() throws Exception {
        Path file = dir.resolve("audit.jsonl");
        List<Process> writers = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            writers.add(new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            Writer.class.getName(),
                            file.toString(),
                            "process-" + p)
                    .redirectError(dir.resolve("process-" + p + ".err").toFile())
                    .start());
        }
        // a start barrier without sleeping: each writer says "ready", then waits for a line on stdin
        for (Process writer : writers) {
            assertThat(new BufferedReader(new InputStreamReader(writer.getInputStream(), UTF_8)).readLine())
                    .isEqualTo("ready");
        }
        for (Process writer : writers) {
            OutputStream go = writer.getOutputStream();
            go.write("go\n".getBytes(UTF_8));
            go.flush();
        }
        for (Process writer : writers) {
            assertThat(writer.waitFor(120, TimeUnit.SECONDS))
                    .as("writer finished")
                    .isTrue();
            assertThat(writer.exitValue())
                    .as("writer exit code, see process-N.err")
                    .isZero();
        }

        AuditVerification verification = AuditChain.verify(file);
        assertThat(verification.defects()).isEmpty();
        assertThat(verification.lines()).isEqualTo(2L * PER_PROCESS);
        assertThat(TestLogs.lines(file))
                .anyMatch(line -> line.contains("\"actor\":\"process-0\""))
                .anyMatch(line -> line.contains("\"actor\":\"process-1\""));
    }

    /** The child process: appends {@link #PER_PROCESS} events as actor {@code args[1]}. */
    static final class Writer {
        public static void main(String[] args) throws Exception {
            AuditLog log = AuditLog.open(Path.of(args[0]), Clock.systemUTC());
            System.out.println("ready");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, UTF_8)).readLine();
            for (int n = 1; n <= PER_PROCESS; n++) {
                log.append(TestLogs.event(n, args[1]));
            }
        }
    }
}
