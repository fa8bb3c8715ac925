package org.tandem.signer.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.tandem.keysync.hsm.pkcs11.Pkcs11JvmFlags;

/**
 * A signer-node daemon in its own JVM ({@code SignerNodeMain --config FILE}), with the test's class
 * path and the SoftHSM2 environment of the token pool, its output in a log file. Faults are real
 * signals: {@link #kill()} is SIGKILL, {@link #pause()} SIGSTOP, {@link #resume()} SIGCONT; {@link #stop} is
 * SIGTERM (a clean shutdown) and {@link #close()} SIGKILL. The one way tests start a node JVM: signer-node's
 * own ITs and, through signer-node's test-jar, the coordinator's.
 */
public final class NodeProcess implements AutoCloseable {
    private final String name;
    private final Path log;
    private final Process process;

    private NodeProcess(String name, Path log, Process process) {
        this.name = name;
        this.log = log;
        this.process = process;
    }

    public static NodeProcess start(String name, Path config, Map<String, String> env, Path logDir) throws IOException {
        return start(name, config, env, logDir, List.of());
    }

    /** As {@link #start(String, Path, Map, Path)}, with more JVM options (e.g. a test hook's system property). */
    public static NodeProcess start(
            String name, Path config, Map<String, String> env, Path logDir, List<String> jvmOptions)
            throws IOException {
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                Pkcs11JvmFlags.ADD_EXPORTS,
                "-Xmx256m",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-Dorg.slf4j.simpleLogger.showDateTime=true"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                SignerNodeMain.class.getName(),
                "--config",
                config.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        return new NodeProcess(name, log, pb.start());
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public void pause() throws IOException, InterruptedException {
        signal("STOP");
    }

    public void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    /** SIGTERM and wait: the daemon's shutdown hook closes it cleanly. */
    public int stop(Duration wait) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    private void signal(String sig) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid()))
                .inheritIO()
                .start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("kill -" + sig + " " + process.pid() + " failed");
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            signalQuietly();
            kill();
        }
    }

    private void signalQuietly() {
        try {
            resume(); // a stopped process must run to die of SIGKILL promptly on some kernels; harmless otherwise
        } catch (IOException | InterruptedException | IllegalStateException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
