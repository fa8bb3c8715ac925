package org.tandem.chaos.inet;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.tandem.chaos.HostLauncher;
import org.tandem.keysync.testing.TestTiming;

/**
 * The tests' {@link HostLauncher}: starts commands directly (no namespace), output to {@code
 * logs/<name>.log}, and stops them all on {@link #close} (SIGTERM, then SIGKILL after 10 s).
 */
final class InetProcesses implements HostLauncher, AutoCloseable {
    private final Path logs;
    private final List<Process> started = new ArrayList<>();

    InetProcesses(Path dir) throws IOException {
        this.logs = Files.createDirectories(dir.resolve("logs"));
    }

    @Override
    public synchronized Process start(String name, List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder b = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(name).toFile()));
        b.environment().putAll(env);
        Process p = b.start();
        started.add(p);
        return p;
    }

    Path log(String name) {
        return logs.resolve(name + ".log");
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "(no " + file + ")";
        } catch (IOException e) {
            return "(" + file + ": " + e.getMessage() + ")";
        }
    }

    /** Runs a short command to its end; its exit code and output. */
    static Result run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not end within 60 s");
        }
        return new Result(p.exitValue(), out);
    }

    record Result(int exit, String output) {}

    /** Stops a process with SIGTERM and returns its exit code (SIGKILL after 10 s: -1). */
    static int stop(Process p) throws InterruptedException {
        p.destroy();
        if (p.waitFor(10, TimeUnit.SECONDS)) {
            return p.exitValue();
        }
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        return -1;
    }

    @Override
    public synchronized void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            Process p = started.get(i);
            if (p.isAlive()) {
                try {
                    stop(p);
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** A port free for both TCP and UDP on {@code address}. */
    static int freePort(InetAddress address) throws IOException {
        for (int i = 0; i < 50; i++) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(address, 0));
                int port = s.getLocalPort();
                try (DatagramSocket d = new DatagramSocket(new InetSocketAddress(address, port))) {
                    return d.getLocalPort();
                } catch (IOException e) {
                    // taken for UDP: try another
                }
            }
        }
        throw new IOException("no port free for TCP and UDP on " + address);
    }

    /** Polls {@code condition} every 100 ms until it holds; fails after {@code timeout} (scaled) with {@code what}. */
    static Duration until(Duration timeout, Supplier<String> what, BooleanSupplier condition)
            throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + TestTiming.scaled(timeout).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + TestTiming.scaled(timeout) + ": " + what.get());
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
