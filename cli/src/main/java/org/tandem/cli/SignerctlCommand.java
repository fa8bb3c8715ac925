package org.tandem.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tandem.cli.probe.ProbeCommand;
import org.tandem.keysync.KekMismatchException;
import org.tandem.keysync.KeySyncException;
import org.tandem.keysync.NoManifestException;
import org.tandem.keysync.audit.AuditLogCorruptException;
import org.tandem.keysync.hsm.HsmConfigException;
import org.tandem.keysync.hsm.HsmUnavailableException;
import org.tandem.keysync.manifest.ManifestException;
import org.tandem.keysync.manifest.ManifestStoreUnavailableException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParseResult;

/** {@code signerctl}: the operator's command line for a Tandem cluster. */
@Command(name = "signerctl", mixinStandardHelpOptions = true, version = "signerctl 0.1.0",
        description = "Tandem: DNSSEC keys identical and proven on every HSM.",
        subcommands = {ClusterCommands.Status.class, ClusterCommands.Preflight.class, ClusterCommands.Failover.class,
            ClusterCommands.StepDown.class, KeysCommand.class, KekCommand.class, AuditCommand.class, SignCommand.class,
            VerifyCommand.class, DemoCommand.class, KeysyncDemoCommand.class, BenchKeysyncCommand.class,
            BenchIncrementalCommand.class, BenchTokenRateCommand.class, ZooKeeperCommand.class,
            ProbeCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 key sets differ, 2 usage, 3 HSM unavailable, 4 ZooKeeper unreachable,",
            "5 manifest problem, 6 refused, 7 audit log broken, 8 configuration, 9 zone invalid or refused by the gate,", "10 other failure (11 zone file rejected, 12 canary failed), 13 refused by the preflight,",
            "14 coordinator unreachable, 15 certificate not permitted, 16 failover incomplete, 17 not confirmed."})
public final class SignerctlCommand {
    @picocli.CommandLine.Option(names = "--config", paramLabel = "FILE",
            description = "for the cluster commands (status, keys --cluster, preflight, failover, step-down; default "
                    + "./signerctl.yaml) and the cluster forms of kek and keys: the coordinator endpoint and the "
                    + "operator's TLS files")
    java.nio.file.Path config;

    /** Where failover asks for confirmation. */
    final Terminal terminal;

    SignerctlCommand(Terminal terminal) {
        this.terminal = java.util.Objects.requireNonNull(terminal, "terminal");
    }

    SignerctlCommand() {
        this(Terminal.system());
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line; returns the exit code. For tests and the demo. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, out, err, Terminal.system());
    }

    /** Runs one command line with {@code terminal} for confirmation prompts (tests). */
    static int run(String[] args, PrintWriter out, PrintWriter err, Terminal terminal) {
        CommandLine cl = new CommandLine(new SignerctlCommand(terminal));
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> handle(e, commandLine, parseResult));
        return cl.execute(args);
    }

    private static int handle(Exception e, CommandLine commandLine, ParseResult parseResult) {
        ExitCode code = classify(e);
        String message = e instanceof KeySyncException || e instanceof org.tandem.signer.SigningException
                || e instanceof IllegalArgumentException || e instanceof ClusterCommandException ? e.getMessage() : e.toString();
        if (wantsJson(parseResult)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("error", message);
            m.put("exit_code", code.code());
            m.put("kind", code.name().toLowerCase(java.util.Locale.ROOT));
            Output.json(commandLine.getOut(), m);
        }
        commandLine.getErr().println("signerctl: " + message);
        if (code == ExitCode.FAILED && !(e instanceof KeySyncException) && !(e instanceof org.tandem.signer.SigningException)
                && !(e instanceof ClusterCommandException)) {
            e.printStackTrace(commandLine.getErr());
        }
        commandLine.getErr().flush();
        return code.code();
    }

    static ExitCode classify(Exception e) {
        if (e instanceof ClusterCommandException c) {
            return c.exitCode();
        }
        if (e instanceof org.tandem.signer.sign.ProvenKeys.NotKeySyncedException) {
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
        if (e instanceof KeySyncException && e.getMessage() != null && e.getMessage().startsWith("refusing")) {
            return ExitCode.REFUSED;
        }
        if (e instanceof org.tandem.signer.gate.GateRefusedException) {
            return ExitCode.INVALID_ZONE;
        }
        if (e instanceof org.tandem.signer.zone.ZoneLoadException) {
            return ExitCode.ZONE_REJECTED;
        }
        if (e instanceof org.tandem.signer.sign.CanaryFailedException) {
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
