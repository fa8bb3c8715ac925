package org.tandem.signer.node;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import org.tandem.keysync.config.DaemonLauncher;
import org.tandem.keysync.config.DaemonLauncher.Exit;
import org.tandem.keysync.config.DaemonLauncher.Failure;
import org.tandem.keysync.config.DaemonLauncher.Started;

/**
 * The {@code signer-node} command ({@code bin/signer-node --config node.yaml}): loads and checks
 * the node configuration before anything starts, and prints what it found.
 *
 * <p>Then it starts the {@link SignerNodeDaemon} and runs until SIGTERM (or SIGINT), when the
 * shutdown hook stops it cleanly (no signing after the election is left). With {@code --check} it
 * only checks the configuration, for systemd's {@code ExecStartPre}. The shape is every Tandem daemon's
 * ({@link DaemonLauncher}).
 *
 * <p>Exit codes ({@link Exit}): 0 the configuration is valid ({@code --check}, {@code --help}); 1
 * the node cannot start (an HSM, an address); 2 usage error or invalid
 * configuration, with {@code node.yaml: key.path: reason} on stderr.
 */
public final class SignerNodeMain {
    static final String USAGE = """
            usage: signer-node --config FILE [--check]
              --config FILE  the node configuration (node.yaml); relative paths in it are taken from its directory
              --check        check the configuration, print the summary and exit 0 (valid) or 2 (invalid)
              --help         this text
            """;

    private static final DaemonLauncher.Daemon<NodeConfig> DAEMON = new DaemonLauncher.Daemon<>() {
        @Override
        public NodeConfig load(Path file) throws Failure {
            try {
                return NodeConfig.load(file);
            } catch (NodeConfigException e) {
                throw new Failure(Exit.CONFIG, "invalid configuration: " + e.getMessage(), e);
            }
        }

        @Override
        public String summary(NodeConfig node) {
            return node.summary();
        }

        @Override
        public Started start(NodeConfig node) throws Failure {
            SignerNodeDaemon daemon;
            try {
                daemon = SignerNodeDaemon.start(node, Clock.systemUTC());
            } catch (NodeStartException e) {
                throw new Failure(Exit.FAILED, e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Failure(Exit.FAILED, "interrupted while starting; nothing is left running", e);
            }
            return new Started(
                    "signer-node " + node.name() + " running: gRPC port " + daemon.grpcPort()
                            + ", metrics port " + daemon.metricsPort()
                            + daemon.transferAddress()
                                    .map(a -> ", transfer " + a)
                                    .orElse("") + "; SIGTERM stops it",
                    daemon::close);
        }
    };

    private SignerNodeMain() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err).code());
    }

    /** Runs the command; never calls {@code System.exit}, for tests. */
    static Exit run(String[] args, PrintStream out, PrintStream err) {
        return DaemonLauncher.run("signer-node", USAGE, DAEMON, args, out, err);
    }
}
