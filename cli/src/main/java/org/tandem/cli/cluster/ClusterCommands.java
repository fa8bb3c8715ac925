package org.tandem.cli.cluster;

import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tandem.cli.ExitCode;
import org.tandem.cli.Output;
import org.tandem.cli.SignerctlCommand;
import org.tandem.cli.SignerctlException;
import org.tandem.cli.Terminal;
import org.tandem.proto.coordinator.v1.ClusterStatus;
import org.tandem.proto.coordinator.v1.FailoverRequest;
import org.tandem.proto.coordinator.v1.FailoverResult;
import org.tandem.proto.coordinator.v1.GetClusterStatusRequest;
import org.tandem.proto.coordinator.v1.PreflightRequest;
import org.tandem.proto.coordinator.v1.PreflightResult;
import org.tandem.proto.coordinator.v1.StepDownRequest;
import org.tandem.proto.coordinator.v1.StepDownResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * The cluster commands: gRPC clients of the coordinator ({@code tandem.coordinator.v1.Coordinator})
 * with the operator's certificate, configured by {@code --config FILE} ({@link ClusterConfig}).
 */
public final class ClusterCommands {
    /** Longest --reason the coordinator accepts (the contract). */
    static final int MAX_REASON = 200;

    private ClusterCommands() {}

    abstract static class ClusterCommand {
        @Mixin
        ClusterOptions options;

        @ParentCommand
        SignerctlCommand root;

        @Spec
        CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        CoordinatorClient connect() {
            return CoordinatorClient.open(options.file(root));
        }

        /** The --reason for the audit log, stripped; at most {@link #MAX_REASON} characters. */
        static String reason(String reason) {
            String why = reason == null ? "" : reason.strip();
            if (why.length() > MAX_REASON) {
                throw SignerctlException.usage("--reason: at most " + MAX_REASON + " characters, got " + why.length());
            }
            return why;
        }
    }

    @Command(
            name = "status",
            description = "The cluster now, as the coordinator sees it: nodes, roles, epoch, per zone "
                    + "serial, earliest signature expiry, key-sync, gate and canary, and the publish ledger.")
    public static final class Status extends ClusterCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            try (CoordinatorClient c = connect()) {
                ClusterStatus s = c.call(
                        "status",
                        CoordinatorClient.VIEW_DEADLINE,
                        stub -> stub.getClusterStatus(GetClusterStatusRequest.getDefaultInstance()));
                if (options.json()) {
                    Output.json(out(), ClusterView.status(s));
                } else {
                    ClusterView.printStatus(out(), s);
                }
                return ExitCode.OK.code();
            }
        }
    }

    @Command(
            name = "preflight",
            description = "The checks of a cut-over to NODE, without doing anything. "
                    + "Exit 0 when it would pass, 13 when refused.")
    public static final class Preflight extends ClusterCommand implements Callable<Integer> {
        @Option(names = "--to", required = true, paramLabel = "NODE", description = "the standby to cut over to")
        String to;

        @Override
        public Integer call() {
            requireName(to, "--to");
            try (CoordinatorClient c = connect()) {
                PreflightResult p = c.call(
                        "preflight",
                        CoordinatorClient.VIEW_DEADLINE,
                        stub -> stub.preflight(
                                PreflightRequest.newBuilder().setTo(to).build()));
                if (options.json()) {
                    Output.json(out(), ClusterView.preflight(p));
                } else {
                    ClusterView.printPreflight(out(), p);
                }
                return (p.getPassed() ? ExitCode.OK : ExitCode.PREFLIGHT_REFUSED).code();
            }
        }
    }

    @Command(
            name = "failover",
            description =
                    "Cut over to NODE: prints the preflight, asks for confirmation on the terminal (unless --yes), "
                            + "then orders the cut-over and waits for NODE's first validated publication.")
    public static final class Failover extends ClusterCommand implements Callable<Integer> {
        @Option(names = "--to", required = true, paramLabel = "NODE", description = "the standby to cut over to")
        String to;

        @Option(names = "--yes", description = "do not ask for confirmation (scripts); the preflight still decides")
        boolean yes;

        @Option(
                names = "--reason",
                paramLabel = "TEXT",
                description = "why, for the audit log (at most 200 characters)")
        String reason;

        @Option(
                names = "--timeout",
                defaultValue = "120s",
                paramLabel = "DURATION",
                description = "how long to wait for the new leader's first validated publication (default 120s)")
        String timeout;

        @Override
        public Integer call() {
            requireName(to, "--to");
            String why = reason(reason);
            Duration wait = parseDuration("--timeout", timeout);
            Terminal terminal = root == null ? Terminal.system() : root.terminal();
            try (CoordinatorClient c = connect()) {
                PreflightResult p = c.call(
                        "preflight",
                        CoordinatorClient.VIEW_DEADLINE,
                        stub -> stub.preflight(
                                PreflightRequest.newBuilder().setTo(to).build()));
                if (!p.getPassed()) {
                    if (options.json()) {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("performed", false);
                        m.put("outcome", "refused by the preflight");
                        m.put("preflight", ClusterView.preflight(p));
                        Output.json(out(), m);
                    } else {
                        ClusterView.printPreflight(out(), p);
                    }
                    return ExitCode.PREFLIGHT_REFUSED.code();
                }
                // Show what will happen; with --json the table goes to stderr so stdout stays one document.
                PrintWriter show = options.json() ? err() : out();
                if (!yes) {
                    ClusterView.printPreflight(show, p);
                    show.println();
                    Optional<String> answer = terminal.readLine(String.format(
                            "Cut over from %s to %s? Type the name of the new leader (%s) to confirm: ",
                            p.getFrom().isEmpty() ? "(no leader)" : p.getFrom(), to, to));
                    if (answer.isEmpty()) {
                        throw new SignerctlException(
                                ExitCode.USAGE,
                                "failover: no terminal to confirm on; "
                                        + "nothing was changed; pass --yes to cut over without asking");
                    }
                    if (!answer.get().strip().equals(to)) {
                        show.println("not confirmed (answered '" + answer.get().strip() + "'); nothing was changed");
                        show.flush();
                        return ExitCode.ABORTED.code();
                    }
                }
                FailoverRequest req = FailoverRequest.newBuilder()
                        .setTo(to)
                        .setReason(why)
                        .setTimeoutMillis(wait.toMillis())
                        .build();
                FailoverResult f =
                        c.call("failover", wait.plus(CoordinatorClient.VIEW_DEADLINE), stub -> stub.failover(req));
                if (options.json()) {
                    Output.json(out(), ClusterView.failover(f));
                } else {
                    ClusterView.printFailover(out(), f);
                }
                if (!f.getPerformed()) {
                    return ExitCode.PREFLIGHT_REFUSED.code();
                }
                return (f.getNewLeader().isEmpty() ? ExitCode.FAILOVER_INCOMPLETE : ExitCode.OK).code();
            }
        }
    }

    @Command(
            name = "step-down",
            description = "Order a node (default: the current leader) to step down, e.g. for maintenance. The leader "
                    + "steps down only when a standby passes the preflight (exit 13 otherwise, with the refusals); the "
                    + "standby takes over after its own preflight.")
    public static final class StepDown extends ClusterCommand implements Callable<Integer> {
        @Option(names = "--node", paramLabel = "NODE", description = "the node (default: the current leader)")
        String node;

        @Option(
                names = "--reason",
                paramLabel = "TEXT",
                description = "why, for the audit log (at most 200 characters)")
        String reason;

        @Override
        public Integer call() {
            if (node != null) {
                requireName(node, "--node");
            }
            String why = reason(reason);
            try (CoordinatorClient c = connect()) {
                StepDownResult r;
                try {
                    r = c.call(
                            "step-down",
                            CoordinatorClient.VIEW_DEADLINE,
                            stub -> stub.stepDown(StepDownRequest.newBuilder()
                                    .setNode(node == null ? "" : node)
                                    .setReason(why)
                                    .build()));
                } catch (SignerctlException e) {
                    List<PreflightResult> refused = e.getCause() instanceof StatusRuntimeException s
                                    && s.getStatus().getCode() == Code.FAILED_PRECONDITION
                            ? CoordinatorClient.preflights(s)
                            : List.of();
                    if (refused.isEmpty()) {
                        throw e;
                    }
                    String outcome =
                            ((StatusRuntimeException) e.getCause()).getStatus().getDescription();
                    if (options.json()) {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("performed", false);
                        m.put("outcome", outcome);
                        m.put(
                                "preflights",
                                refused.stream().map(ClusterView::preflight).toList());
                        Output.json(out(), m);
                    } else {
                        for (PreflightResult p : refused) {
                            ClusterView.printPreflight(out(), p);
                            out().println();
                        }
                        out().println("step-down REFUSED: the leader steps down only when a standby passes the "
                                + "preflight (it is a cut-over to whoever wins next); nothing was "
                                + "changed");
                        out().flush();
                    }
                    return ExitCode.PREFLIGHT_REFUSED.code();
                }
                if (options.json()) {
                    Output.json(out(), ClusterView.stepDown(r));
                } else {
                    ClusterView.printStepDown(out(), r);
                }
                return ExitCode.OK.code();
            }
        }
    }

    /** {@code 90s}, {@code 5m}, {@code 2h}, {@code 500ms}; at least one second. */
    static Duration parseDuration(String option, String text) {
        Matcher m = Pattern.compile("(\\d{1,9})(ms|s|m|h)").matcher(text.strip());
        if (!m.matches()) {
            throw new SignerctlException(
                    ExitCode.USAGE, option + ": '" + text + "' is not a duration like 90s, 5m or 2h");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
        if (d.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new SignerctlException(ExitCode.USAGE, option + ": at least 1s, got " + text);
        }
        return d;
    }

    static void requireName(String name, String option) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new SignerctlException(ExitCode.USAGE, option + ": not a node name: '" + name + "'");
        }
    }
}
