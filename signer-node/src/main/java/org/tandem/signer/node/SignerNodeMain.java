package org.tandem.signer.node;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;

/**
 * The {@code signer-node} command ({@code bin/signer-node --config node.yaml}): loads and checks
 * the node configuration before anything starts, and prints what it found.
 *
 * <p>Then it starts the {@link SignerNodeDaemon} and runs until SIGTERM (or SIGINT), when the
 * shutdown hook stops it cleanly (no signing after the election is left). With {@code --check} it
 * only checks the configuration, for systemd's {@code ExecStartPre}.
 *
 * <p>Exit codes ({@link Exit}): 0 the configuration is valid ({@code --check}, {@code --help}); 1
 * the node cannot start (an HSM, an address); 2 usage error or invalid
 * configuration, with {@code node.yaml: key.path: reason} on stderr.
 */
public final class SignerNodeMain {
    /** The process exit codes, documented in docs/operations.md. */
    public enum Exit {
        /** The configuration is valid (and with {@code --check} nothing else was asked). */
        OK(0),
        /** The node cannot run. */
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

    static final String USAGE = """
            usage: signer-node --config FILE [--check]
              --config FILE  the node configuration (node.yaml); relative paths in it are taken from its directory
              --check        check the configuration, print the summary and exit 0 (valid) or 2 (invalid)
              --help         this text
            """;

    private SignerNodeMain() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err).code());
    }

    /** Runs the command; never calls {@code System.exit}, for tests. */
    static Exit run(String[] args, PrintStream out, PrintStream err) {
        Objects.requireNonNull(args, "args");
        Path config = null;
        boolean check = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> {
                    if (i + 1 >= args.length) {
                        err.print("signer-node: --config needs a file\n" + USAGE);
                        return Exit.CONFIG;
                    }
                    config = Path.of(args[++i]);
                }
                case "--check" -> check = true;
                case "--help", "-h" -> {
                    out.print(USAGE);
                    return Exit.OK;
                }
                default -> {
                    err.print("signer-node: unknown argument '" + args[i] + "'\n" + USAGE);
                    return Exit.CONFIG;
                }
            }
        }
        if (config == null) {
            err.print("signer-node: --config FILE is required\n" + USAGE);
            return Exit.CONFIG;
        }
        NodeConfig node;
        try {
            node = NodeConfig.load(config);
        } catch (NodeConfigException e) {
            err.println("signer-node: invalid configuration: " + e.getMessage());
            return Exit.CONFIG;
        }
        out.print(node.summary());
        if (check) {
            out.println("configuration OK");
            return Exit.OK;
        }
        SignerNodeDaemon daemon;
        try {
            daemon = SignerNodeDaemon.start(node, Clock.systemUTC());
        } catch (NodeStartException e) {
            err.println("signer-node: " + e.getMessage());
            return Exit.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("signer-node: interrupted while starting; nothing is left running");
            return Exit.FAILED;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            stopped.countDown();
        }, "signer-node-shutdown"));
        out.println("signer-node " + node.name() + " running: gRPC port " + daemon.grpcPort() + ", metrics port "
                + daemon.metricsPort() + daemon.transferAddress().map(a -> ", transfer " + a).orElse("")
                + "; SIGTERM stops it");
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            daemon.close();
        }
        return Exit.OK;
    }
}
