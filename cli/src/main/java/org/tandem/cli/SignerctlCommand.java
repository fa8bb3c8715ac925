package org.tandem.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.tandem.cli.audit.AuditCommand;
import org.tandem.cli.bench.BenchIncrementalCommand;
import org.tandem.cli.bench.BenchKeysyncCommand;
import org.tandem.cli.bench.BenchTokenRateCommand;
import org.tandem.cli.cluster.ClusterCommands;
import org.tandem.cli.demo.DemoCommand;
import org.tandem.cli.demo.KeysyncDemoCommand;
import org.tandem.cli.keys.KekCommand;
import org.tandem.cli.keys.KeysCommand;
import org.tandem.cli.lab.ZooKeeperCommand;
import org.tandem.cli.lifecycle.LifecycleCommand;
import org.tandem.cli.probe.ProbeCommand;
import org.tandem.cli.sign.SignCommand;
import org.tandem.cli.sign.VerifyCommand;
import org.tandem.keysync.KekMismatchException;
import org.tandem.keysync.KeySyncException;
import org.tandem.keysync.NoManifestException;
import org.tandem.keysync.audit.AuditLogCorruptException;
import org.tandem.keysync.hsm.HsmConfigException;
import org.tandem.keysync.hsm.HsmUnavailableException;
import org.tandem.keysync.manifest.ManifestException;
import org.tandem.keysync.manifest.ManifestStoreUnavailableException;
import org.tandem.signer.SigningException;
import org.tandem.signer.gate.GateRefusedException;
import org.tandem.signer.sign.CanaryFailedException;
import org.tandem.signer.sign.ProvenKeys;
import org.tandem.signer.zone.ZoneLoadException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/** {@code signerctl}: the operator's command line for a Tandem cluster. */
@Command(
        name = "signerctl",
        mixinStandardHelpOptions = true,
        version = "signerctl 0.1.0",
        description = "Tandem: DNSSEC keys identical and proven on every HSM.",
        subcommands = {
            // the cluster, through the coordinator (org.tandem.cli.cluster)
            ClusterCommands.Status.class,
            ClusterCommands.Preflight.class,
            ClusterCommands.Failover.class,
            ClusterCommands.StepDown.class,
            // keys and the KEK, on this host's HSMs or through the coordinator (org.tandem.cli.keys)
            KeysCommand.class,
            KekCommand.class,
            // the audit log (org.tandem.cli.audit)
            AuditCommand.class,
            // offline signing and validation (org.tandem.cli.sign)
            SignCommand.class,
            VerifyCommand.class,
            // trying a key lifecycle policy in simulated time (org.tandem.cli.lifecycle)
            LifecycleCommand.class,
            // the demos (org.tandem.cli.demo)
            DemoCommand.class,
            KeysyncDemoCommand.class,
            // hidden: benchmarks (org.tandem.cli.bench) and the lab's ZooKeeper (org.tandem.cli.lab)
            BenchKeysyncCommand.class,
            BenchIncrementalCommand.class,
            BenchTokenRateCommand.class,
            ZooKeeperCommand.class,
            // outside-in check of a served zone, a Nagios/Icinga plugin (org.tandem.cli.probe)
            ProbeCommand.class
        },
        footer = {
            "",
            "Exit codes: 0 ok, 1 key sets differ, 2 usage, 3 HSM unavailable, 4 ZooKeeper unreachable,",
            "5 manifest problem, 6 refused, 7 audit log broken, 8 configuration, 9 zone invalid or refused "
                    + "by the gate,",
            "10 other failure (11 zone file rejected, 12 canary failed), 13 refused by the preflight,",
            "14 coordinator unreachable, 15 certificate not permitted, 16 failover incomplete, 17 not confirmed."
        })
public final class SignerctlCommand {
    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "for the cluster commands (status, keys --cluster, preflight, failover, step-down; default "
                    + "./signerctl.yaml) and the cluster forms of kek and keys: the coordinator endpoint and the "
                    + "operator's TLS files")
    Path config;

    /** Where failover asks for confirmation. */
    private final Terminal terminal;

    SignerctlCommand(Terminal terminal) {
        this.terminal = Objects.requireNonNull(terminal, "terminal");
    }

    SignerctlCommand() {
        this(Terminal.system());
    }

    /** The cluster configuration given before the command ({@code signerctl --config FILE ...}), if any. */
    public Optional<Path> config() {
        return Optional.ofNullable(config);
    }

    /** Where a command asks the operator for confirmation. */
    public Terminal terminal() {
        return terminal;
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line; returns the exit code. For tests and the demo. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, out, err, Terminal.system());
    }

    /** Runs one command line with {@code terminal} for confirmation prompts (tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err, Terminal terminal) {
        CommandLine cl = new CommandLine(new SignerctlCommand(terminal));
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> handle(e, commandLine, parseResult));
        return cl.execute(args);
    }

    private static int handle(Exception e, CommandLine commandLine, ParseResult parseResult) {
        ExitCode code = classify(e);
        String message = e instanceof KeySyncException
                        || e instanceof SigningException
                        || e instanceof IllegalArgumentException
                        || e instanceof SignerctlException
                ? e.getMessage()
                : e.toString();
        if (wantsJson(parseResult)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("error", message);
            m.put("exit_code", code.code());
            m.put("kind", code.name().toLowerCase(Locale.ROOT));
            Output.json(commandLine.getOut(), m);
        }
        commandLine.getErr().println("signerctl: " + message);
        if (code == ExitCode.FAILED
                && !(e instanceof KeySyncException)
                && !(e instanceof SigningException)
                && !(e instanceof SignerctlException)) {
            e.printStackTrace(commandLine.getErr());
        }
        commandLine.getErr().flush();
        return code.code();
    }

    static ExitCode classify(Exception e) {
        if (e instanceof SignerctlException c) {
            return c.exitCode();
        }
        if (e instanceof ProvenKeys.NotKeySyncedException) {
            return ExitCode.NOT_SYNCED;
        }
        if (e instanceof HsmUnavailableException) {
            return ExitCode.HSM_UNAVAILABLE;
        }
        if (e instanceof ManifestStoreUnavailableException) {
            return ExitCode.ZOOKEEPER_UNAVAILABLE;
        }
        if (e instanceof ManifestException || e instanceof NoManifestException) {
            return ExitCode.MANIFEST;
        }
        if (e instanceof HsmConfigException) {
            return ExitCode.CONFIG;
        }
        if (e instanceof AuditLogCorruptException) {
            return ExitCode.AUDIT_CORRUPT;
        }
        if (e instanceof KekMismatchException) {
            return ExitCode.REFUSED;
        }
        if (e instanceof KeySyncException
                && e.getMessage() != null
                && e.getMessage().startsWith("refusing")) {
            return ExitCode.REFUSED;
        }
        if (e instanceof GateRefusedException) {
            return ExitCode.INVALID_ZONE;
        }
        if (e instanceof ZoneLoadException) {
            return ExitCode.ZONE_REJECTED;
        }
        if (e instanceof CanaryFailedException) {
            return ExitCode.CANARY_FAILED;
        }
        if (e instanceof IllegalArgumentException) {
            return ExitCode.USAGE;
        }
        return ExitCode.FAILED;
    }

    private static boolean wantsJson(ParseResult r) {
        for (ParseResult p = r; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--json")) {
                return true;
            }
        }
        return false;
    }
}
