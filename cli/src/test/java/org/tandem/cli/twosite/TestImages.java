package org.tandem.cli.twosite;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.tandem.keysync.testing.Prerequisites;
import org.testcontainers.DockerClientFactory;

/**
 * The Docker engine and the runtime image of the two-site tests, made ready once per JVM through the
 * repository's own scripts: {@code bin/docker-up} (starts {@code dockerd} when {@code docker info}
 * fails) and {@code bin/build-test-images} (builds {@code tandem/base:bookworm} with debootstrap and
 * {@code tandem/runtime:<hash of its Dockerfile>}, or re-uses them; the recipe lives only there).
 * Their progress goes to this JVM's stderr.
 *
 * <p>A machine without Docker (or without root to start it) skips the container tests, naming what
 * is missing; with {@code -Dtandem.requirePrereqs=true} (CI, {@code bin/test}) it fails them.
 */
final class TestImages {
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(10);
    private static String runtime;
    private static Duration took;

    private TestImages() {}

    /** The checkout the containers mount read-only at {@code /tandem} (system property {@code tandem.repository}). */
    static Path repository() {
        String p = System.getProperty("tandem.repository");
        Path root = p != null ? Path.of(p) : Path.of("..");
        root = root.toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("bin/build-test-images"))) {
            throw new IllegalStateException(
                    root + " is not the Tandem checkout (no bin/build-test-images); set " + "-Dtandem.repository");
        }
        return root;
    }

    /** The runtime image's tag, building what is missing (the first call of the JVM only). */
    static synchronized String runtime() throws IOException, InterruptedException {
        if (runtime == null) {
            long t0 = System.nanoTime();
            Path root = repository();
            Prerequisites.require(
                    Prerequisites.onPath("docker"), "Docker (apt-get install docker.io; bin/install-deps --tests)");
            Run up = run(root, List.of(root.resolve("bin/docker-up").toString()));
            Prerequisites.require(
                    up.exit() == 0 && DockerClientFactory.instance().isDockerAvailable(),
                    "a Docker engine (bin/docker-up, as root): " + up.output().strip());
            Run build = run(root, List.of(root.resolve("bin/build-test-images").toString()));
            if (build.exit() != 0) {
                throw new IllegalStateException("bin/build-test-images failed (exit " + build.exit() + "): "
                        + build.output().strip());
            }
            String tag = build.output().strip();
            if (!tag.matches("tandem/runtime:[0-9a-f]{12}")) {
                throw new IllegalStateException(
                        "bin/build-test-images printed '" + tag + "', not a tandem/runtime tag");
            }
            runtime = tag;
            took = Duration.ofNanos(System.nanoTime() - t0);
        }
        return runtime;
    }

    /** How long {@link #runtime()} took in this JVM (engine check and image build or re-use). */
    static synchronized Duration took() {
        return took == null ? Duration.ZERO : took;
    }

    private record Run(int exit, String output) {}

    /** Runs a script; its stderr (progress) goes to ours, its stdout is the result. */
    private static Run run(Path root, List<String> cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("tandem-twosite-", ".out");
        try {
            Process p = new ProcessBuilder(cmd)
                    .directory(root.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            if (!p.waitFor(BUILD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(
                        cmd.get(0) + " did not finish within " + BUILD_TIMEOUT.toMinutes() + " min");
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
