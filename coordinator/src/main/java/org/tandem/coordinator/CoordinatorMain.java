package org.tandem.coordinator;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import org.tandem.coordinator.config.CoordinatorConfig;
import org.tandem.coordinator.config.CoordinatorConfigException;

/**
 * The {@code coordinator} command ({@code bin/coordinator --config coordinator.yaml [--check]}):
 * checks the configuration before anything starts, then runs the {@link Coordinator} until SIGTERM
 * (or SIGINT; the JVM then exits with the signal status, e.g. 143). Exit codes: 0 valid
 * configuration ({@code --check}, {@code --help}); 1 cannot start (TLS files, audit log, address); 2 usage error or invalid configuration
 * ({@code <file>: <key path>: <reason>} on stderr).
 */
public final class CoordinatorMain {
    /** Process exit codes. */
    public enum Exit {
        OK(0),
        FAILED(1),
        CONFIG(2);

        private final int code;

        Exit(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    static final String USAGE = """
            usage: coordinator --config FILE [--check]
              --config FILE  the coordinator configuration (coordinator.yaml); relative paths in it are taken from its directory
              --check        check the configuration, print the summary and exit 0 (valid) or 2 (invalid)
              --help         this text
            """;

    private CoordinatorMain() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err).code());
    }

    /** Runs the command; never calls {@code System.exit}, for tests. */
    static Exit run(String[] args, PrintStream out, PrintStream err) {
        Objects.requireNonNull(args, "args");
        Path file = null;
        boolean check = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> {
                    if (i + 1 >= args.length) {
                        err.print("coordinator: --config needs a file\n" + USAGE);
                        return Exit.CONFIG;
                    }
                    file = Path.of(args[++i]);
                }
                case "--check" -> check = true;
                case "--help", "-h" -> {
                    out.print(USAGE);
                    return Exit.OK;
                }
                default -> {
                    err.print("coordinator: unknown argument '" + args[i] + "'\n" + USAGE);
                    return Exit.CONFIG;
                }
            }
        }
        if (file == null) {
            err.print("coordinator: --config FILE is required\n" + USAGE);
            return Exit.CONFIG;
        }
        CoordinatorConfig config;
        try {
            config = CoordinatorConfig.load(file);
        } catch (CoordinatorConfigException e) {
            err.println("coordinator: invalid configuration: " + e.getMessage());
            return Exit.CONFIG;
        }
        out.print(config.summary());
        if (check) {
            out.println("configuration OK");
            return Exit.OK;
        }
        Coordinator coordinator;
        try {
            coordinator = Coordinator.start(config, Clock.systemUTC());
        } catch (CoordinatorException e) {
            err.println("coordinator: " + e.getMessage());
            return Exit.FAILED;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            coordinator.close();
            stopped.countDown();
        }, "coordinator-shutdown"));
        out.println("coordinator " + config.name() + " running: gRPC port " + coordinator.port() + "; SIGTERM stops it");
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            coordinator.close();
        }
        return Exit.OK;
    }
}
