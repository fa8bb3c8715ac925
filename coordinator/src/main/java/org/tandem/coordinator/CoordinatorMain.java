package org.tandem.coordinator;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import org.tandem.coordinator.config.CoordinatorConfig;
import org.tandem.coordinator.config.CoordinatorConfigException;
import org.tandem.keysync.config.DaemonLauncher;
import org.tandem.keysync.config.DaemonLauncher.Exit;
import org.tandem.keysync.config.DaemonLauncher.Failure;
import org.tandem.keysync.config.DaemonLauncher.Started;

/**
 * The {@code coordinator} command ({@code bin/coordinator --config coordinator.yaml [--check]}):
 * checks the configuration before anything starts, then runs the {@link Coordinator} until SIGTERM
 * (or SIGINT; the JVM then exits with the signal status, e.g. 143), in the shape of every Tandem daemon
 * ({@link DaemonLauncher}). Exit codes: 0 valid configuration ({@code --check}, {@code --help}); 1 cannot start
 * (TLS files, audit log, address); 2 usage error or invalid configuration ({@code <file>: <key path>: <reason>}
 * on stderr).
 */
public final class CoordinatorMain {
    static final String USAGE = """
            usage: coordinator --config FILE [--check]
              --config FILE  the coordinator configuration (coordinator.yaml); relative paths in it are \
            taken from its directory
              --check        check the configuration, print the summary and exit 0 (valid) or 2 (invalid)
              --help         this text
            """;

    private static final DaemonLauncher.Daemon<CoordinatorConfig> DAEMON = new DaemonLauncher.Daemon<>() {
        @Override
        public CoordinatorConfig load(Path file) throws Failure {
            try {
                return CoordinatorConfig.load(file);
            } catch (CoordinatorConfigException e) {
                throw new Failure(Exit.CONFIG, "invalid configuration: " + e.getMessage(), e);
            }
        }

        @Override
        public String summary(CoordinatorConfig config) {
            return config.summary();
        }

        @Override
        public Started start(CoordinatorConfig config) throws Failure {
            Coordinator coordinator;
            try {
                coordinator = Coordinator.start(config, Clock.systemUTC());
            } catch (CoordinatorException e) {
                throw new Failure(Exit.FAILED, e.getMessage(), e);
            }
            return new Started(
                    "coordinator " + config.name() + " running: gRPC port " + coordinator.port() + "; SIGTERM stops it",
                    coordinator::close);
        }
    };

    private CoordinatorMain() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err).code());
    }

    /** Runs the command; never calls {@code System.exit}, for tests. */
    static Exit run(String[] args, PrintStream out, PrintStream err) {
        return DaemonLauncher.run("coordinator", USAGE, DAEMON, args, out, err);
    }
}
