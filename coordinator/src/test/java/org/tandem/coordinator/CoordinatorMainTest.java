package org.tandem.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.config.DaemonLauncher;

class CoordinatorMainTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private DaemonLauncher.Exit run(String... args) {
        return CoordinatorMain.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void checkOfAValidFileExitsZeroWithTheSummary() throws Exception {
        for (String f : new String[] {"ca.crt", "c.crt", "c.key"}) {
            Files.writeString(dir.resolve(f), "x");
        }
        Path yaml = dir.resolve("coordinator.yaml");
        Files.writeString(yaml, """
                nodes:
                  - {name: node-a, site: dc1, endpoint: "127.0.0.1:7443"}
                  - {name: node-b, site: dc2, endpoint: "127.0.0.1:7444"}
                zookeeper: {connect: "127.0.0.1:2181", insecure-plaintext: true}
                tls: {ca: ca.crt, cert: c.crt, key: c.key}
                """);
        assertThat(run("--config", yaml.toString(), "--check")).isEqualTo(DaemonLauncher.Exit.OK);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("node node-b site dc2 at 127.0.0.1:7444", "configuration OK");
    }

    @Test
    void invalidFileExitsTwoNamingFileKeyAndReason() throws Exception {
        Path yaml = dir.resolve("coordinator.yaml");
        Files.writeString(yaml, "nodes: []\n");
        assertThat(run("--config", yaml.toString(), "--check")).isEqualTo(DaemonLauncher.Exit.CONFIG);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("coordinator.yaml: nodes: needs at least two nodes");
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(run()).isEqualTo(DaemonLauncher.Exit.CONFIG);
        assertThat(run("--config")).isEqualTo(DaemonLauncher.Exit.CONFIG);
        assertThat(run("--bogus")).isEqualTo(DaemonLauncher.Exit.CONFIG);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: coordinator --config FILE");
        assertThat(run("--help")).isEqualTo(DaemonLauncher.Exit.OK);
    }
}
