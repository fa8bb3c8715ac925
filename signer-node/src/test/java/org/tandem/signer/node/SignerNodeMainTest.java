package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.config.DaemonLauncher;

class SignerNodeMainTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private DaemonLauncher.Exit run(String... args) {
        return SignerNodeMain.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void checkPrintsTheSummaryAndExitsZero() throws Exception {
        NodeConfigTest.layOut(dir);
        Files.writeString(dir.resolve("node.yaml"), NodeConfigTest.VALID);

        assertThat(run("--config", dir.resolve("node.yaml").toString(), "--check"))
                .isEqualTo(DaemonLauncher.Exit.OK);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("node dc1-signer (site dc1)", "example.com.", "configuration OK");
    }

    @Test
    void anHsmThatCannotBeOpenedStopsTheStartNamingIt() throws Exception {
        NodeConfigTest.layOut(dir);
        Files.writeString(dir.resolve("node.yaml"), NodeConfigTest.VALID);

        assertThat(run("--config", dir.resolve("node.yaml").toString())).isEqualTo(DaemonLauncher.Exit.FAILED);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("node dc1-signer: cannot start HSM");
    }

    @Test
    void anInvalidConfigurationExitsTwoWithFileKeyAndReason() throws Exception {
        NodeConfigTest.layOut(dir);
        Path config = Files.writeString(
                dir.resolve("node.yaml"), NodeConfigTest.VALID.replace("zones/example.net.zone", "zones/gone.zone"));

        assertThat(run("--config", config.toString())).isEqualTo(DaemonLauncher.Exit.CONFIG);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains(config + ": zones[1].source: file not found: " + dir.resolve("zones/gone.zone"));
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(run()).isEqualTo(DaemonLauncher.Exit.CONFIG);
        assertThat(run("--config")).isEqualTo(DaemonLauncher.Exit.CONFIG);
        assertThat(run("--conifg", "x")).isEqualTo(DaemonLauncher.Exit.CONFIG);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("--config FILE is required", "unknown argument '--conifg'");
        assertThat(run("--help")).isEqualTo(DaemonLauncher.Exit.OK);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("usage: signer-node --config FILE");
    }
}
