package org.tandem.keysync.config;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;

/**
 * The shape every Tandem daemon command shares ({@code signer-node}, {@code coordinator}): {@code --config FILE
 * [--check] [--help]}; load and check the configuration before anything starts and print its summary; with
 * {@code --check} stop there; otherwise start the daemon, print one "running" line, and run until SIGTERM (or
 * SIGINT), when a shutdown hook stops the daemon cleanly and the JVM exits with the signal status (e.g. 143).
 *
 * <p>Exit codes ({@link Exit}): 0 the configuration is valid ({@code --check}, {@code --help}); 1 the daemon
 * cannot start; 2 usage error or invalid configuration, with the reason on stderr prefixed by the command.
 *
 * <p>{@link #run} never calls {@code System.exit} (the command's {@code main} does), so tests can call it.
 */
public final class DaemonLauncher {
    /** The process exit codes, documented in the README. */
    public enum Exit {
        /** The configuration is valid (and with {@code --check} nothing else was asked), or the daemon stopped. */
        OK(0),
        /** The daemon cannot run. */
        FAILED(1),
        /** Usage error or invalid configuration. */
        CONFIG(2);

        private final int code;

        Exit(int code) {
            this.code = code;
        }

        /** The process exit status. */
        public int code() {
            return code;
        }
    }

    /** What a command plugs into the launcher. */
    public interface Daemon<C> {
        /**
         * Loads and checks the configuration file.
         *
         * @throws Failure with {@link Exit#CONFIG} when it is invalid
         */
        C load(Path file) throws Failure;

        /** The configuration's summary, printed before anything starts. */
        String summary(C config);

        /**
         * Starts the daemon.
         *
         * @throws Failure with {@link Exit#FAILED} when it cannot start; nothing is left running
         */
        Started start(C config) throws Failure;
    }

    /**
     * A started daemon: the line printed once it runs, and how the shutdown hook stops it.
     *
     * @param running e.g. {@code coordinator c1 running: gRPC port 7443; SIGTERM stops it}
     * @param stop closes the daemon; called once, from the shutdown hook or on interrupt
     */
    public record Started(String running, Runnable stop) {
        public Started {
            Objects.requireNonNull(running, "running");
            Objects.requireNonNull(stop, "stop");
        }
    }

    /** Ends the command with an exit code and a message on stderr (after {@code <command>: }). */
    public static final class Failure extends Exception {
        private final Exit exit;

        public Failure(Exit exit, String message, Throwable cause) {
            super(message, cause);
            this.exit = Objects.requireNonNull(exit, "exit");
        }

        public Exit exit() {
            return exit;
        }
    }

    private DaemonLauncher() {}

    /**
     * Runs the command to its end: returns at once for {@code --help}, {@code --check} and every error, and
     * after the daemon stopped otherwise.
     *
     * @param command the command's name, the prefix of every message and of the shutdown hook's thread
     * @param usage the usage text, printed for {@code --help} and after usage errors
     */
    public static <C> Exit run(
            String command, String usage, Daemon<C> daemon, String[] args, PrintStream out, PrintStream err) {
        Objects.requireNonNull(args, "args");
        Path file = null;
        boolean check = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> {
                    if (i + 1 >= args.length) {
                        err.print(command + ": --config needs a file\n" + usage);
                        return Exit.CONFIG;
                    }
                    file = Path.of(args[++i]);
                }
                case "--check" -> check = true;
                case "--help", "-h" -> {
                    out.print(usage);
                    return Exit.OK;
                }
                default -> {
                    err.print(command + ": unknown argument '" + args[i] + "'\n" + usage);
                    return Exit.CONFIG;
                }
            }
        }
        if (file == null) {
            err.print(command + ": --config FILE is required\n" + usage);
            return Exit.CONFIG;
        }
        Started started;
        try {
            C config = daemon.load(file);
            out.print(daemon.summary(config));
            if (check) {
                out.println("configuration OK");
                return Exit.OK;
            }
            started = daemon.start(config);
        } catch (Failure e) {
            err.println(command + ": " + e.getMessage());
            return e.exit();
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            started.stop().run();
                            stopped.countDown();
                        },
                        command + "-shutdown"));
        out.println(started.running());
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            started.stop().run();
        }
        return Exit.OK;
    }
}
