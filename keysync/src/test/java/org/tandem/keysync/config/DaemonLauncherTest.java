package org.tandem.keysync.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.config.DaemonLauncher.Exit;
import org.tandem.keysync.config.DaemonLauncher.Failure;
import org.tandem.keysync.config.DaemonLauncher.Started;

class DaemonLauncherTest {
    private static final String USAGE = "usage: thing --config FILE [--check]\n";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final AtomicBoolean started = new AtomicBoolean();

    private DaemonLauncher.Daemon<String> daemon(Failure onLoad, Failure onStart) {
        return new DaemonLauncher.Daemon<>() {
            @Override
            public String load(Path file) throws Failure {
                if (onLoad != null) {
                    throw onLoad;
                }
                return file.toString();
            }

            @Override
            public String summary(String config) {
                return "config " + config + "\n";
            }

            @Override
            public Started start(String config) throws Failure {
                if (onStart != null) {
                    throw onStart;
                }
                started.set(true);
                throw new AssertionError("a test must not start a daemon that waits for SIGTERM");
            }
        };
    }

    private Exit run(DaemonLauncher.Daemon<String> d, String... args) {
        return DaemonLauncher.run(
                "thing",
                USAGE,
                d,
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void checkPrintsTheSummaryAndStartsNothing() {
        assertThat(run(daemon(null, null), "--config", "a.yaml", "--check")).isEqualTo(Exit.OK);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("config a.yaml\nconfiguration OK\n");
        assertThat(started).isFalse();
    }

    @Test
    void usageErrorsExitTwoWithTheUsage() {
        assertThat(run(daemon(null, null))).isEqualTo(Exit.CONFIG);
        assertThat(err()).startsWith("thing: --config FILE is required\n").endsWith(USAGE);
        assertThat(run(daemon(null, null), "--config")).isEqualTo(Exit.CONFIG);
        assertThat(run(daemon(null, null), "--conifg", "x")).isEqualTo(Exit.CONFIG);
        assertThat(err()).contains("thing: unknown argument '--conifg'");
        assertThat(run(daemon(null, null), "--help")).isEqualTo(Exit.OK);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(USAGE);
    }

    @Test
    void aFailureEndsTheCommandWithItsExitCodeAndMessage() {
        Failure invalid = new Failure(Exit.CONFIG, "invalid configuration: a.yaml: zones: missing", null);
        assertThat(run(daemon(invalid, null), "--config", "a.yaml")).isEqualTo(Exit.CONFIG);
        assertThat(err()).isEqualTo("thing: invalid configuration: a.yaml: zones: missing\n");
        assertThat(out.toString(StandardCharsets.UTF_8))
                .as("no summary of an invalid file")
                .isEmpty();

        Failure cannot = new Failure(Exit.FAILED, "hsm dc1-hsm1 unreachable", null);
        assertThat(run(daemon(null, cannot), "--config", "a.yaml")).isEqualTo(Exit.FAILED);
        assertThat(err()).endsWith("thing: hsm dc1-hsm1 unreachable\n");
        assertThat(started).isFalse();
    }
}
