package org.tandem.signer.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.tandem.keysync.testing.Prerequisites;

/** The shipped {@code monitoring/} directory and Debian's Prometheus tools, for the monitoring tests. */
final class MonitoringTools {
    private MonitoringTools() {}

    /** {@code monitoring/} at the repository root (the tests run in the module's directory). */
    static Path monitoringDir() {
        Path dir = Path.of(System.getProperty("user.dir"))
                .toAbsolutePath()
                .getParent()
                .resolve("monitoring");
        assertThat(dir.resolve("prometheus/tandem-rules.yml"))
                .as("the shipped rules file")
                .isRegularFile();
        return dir;
    }

    /** The Alertmanager binary: {@code alertmanager}, or Debian's {@code prometheus-alertmanager}. */
    static String alertmanager() {
        String name = Prerequisites.onPath("alertmanager") ? "alertmanager" : "prometheus-alertmanager";
        Prerequisites.requireTool(name, "prometheus-alertmanager");
        return name;
    }

    /** What a finished tool run printed and its exit code. */
    record Run(int exitCode, String output) {}

    /** Runs {@code command} to its end (at most 60 s), stdout and stderr together. */
    static Run run(List<String> command, Path dir) throws IOException, InterruptedException {
        Path out = Files.createTempFile("tandem-tool", ".out");
        try {
            Process p = new ProcessBuilder(new ArrayList<>(command))
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within 60 s");
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
