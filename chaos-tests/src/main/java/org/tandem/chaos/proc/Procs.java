package org.tandem.chaos.proc;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.tandem.chaos.HostLauncher;
import org.tandem.chaos.net.Host;
import org.tandem.keysync.hsm.pkcs11.Pkcs11JvmFlags;

/**
 * Every process the harness starts, each in its host's network namespace ({@code ip netns exec NS},
 * which execs: the process's pid is the program's), its output appended to {@code logs/<name>.log}.
 * {@link #close()} stops all of them (SIGCONT first, for a paused one; SIGTERM; SIGKILL after 10 s).
 */
public final class Procs implements AutoCloseable {
    private final Path logs;
    private final List<Proc> all = new CopyOnWriteArrayList<>();

    public Procs(Path logs) throws IOException {
        this.logs = Files.createDirectories(logs);
    }

    public Path logs() {
        return logs;
    }

    /** Starts {@code command} on {@code host}. */
    public Proc start(Host host, String name, List<String> command, Map<String, String> env) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", host.namespace()));
        cmd.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(name).toFile()));
        pb.environment().putAll(env);
        Proc p = new Proc(name, host, pb.start(), log(name));
        all.add(p);
        return p;
    }

    /** A Java program on {@code host}: this JVM's java and class path, the PKCS#11 export, a small heap. */
    public Proc startJava(
            Host host,
            String name,
            String heap,
            List<String> jvmArgs,
            String mainClass,
            List<String> args,
            Map<String, String> env)
            throws IOException {
        List<String> cmd = new ArrayList<>(javaCommand(heap, jvmArgs));
        cmd.add(mainClass);
        cmd.addAll(args);
        return start(host, name, cmd, env);
    }

    /**
     * {@code java} with {@link Pkcs11JvmFlags#ADD_EXPORTS}, {@code -XmxHEAP JVMARGS -cp CLASSPATH}; the main class
     * and arguments follow.
     */
    public static List<String> javaCommand(String heap, List<String> jvmArgs) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                Pkcs11JvmFlags.ADD_EXPORTS,
                "-Xmx" + heap,
                "-XX:+UseSerialGC",
                "-Djava.net.preferIPv4Stack=true",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSX"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
        return cmd;
    }

    /** A launcher for parts that start their own processes (Knot, Unbound, the observer). */
    public HostLauncher launcher(Host host) {
        return (name, command, env) -> start(host, name, command, env).process();
    }

    public Path log(String name) {
        return logs.resolve(name + ".log");
    }

    /** Stops every process still running. */
    @Override
    public void close() {
        for (Proc p : all) {
            p.resume();
            p.process().destroy();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Proc p : all) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!p.process().waitFor(left, TimeUnit.NANOSECONDS)) {
                    p.process().destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.process().destroyForcibly();
            }
        }
    }
}
