package org.tandem.cli.keys;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.tandem.cli.ExitCode;
import org.tandem.cli.Output;
import org.tandem.cli.SignerctlException;
import org.tandem.cli.Table;
import org.tandem.cli.cluster.ClusterKeyCommands;
import org.tandem.cli.host.Session;
import org.tandem.keysync.KekMismatchException;
import org.tandem.keysync.hsm.HsmConfig;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code signerctl kek ...}: the cluster key-encryption key ceremony, on this host's HSMs
 * ({@code --hsm-config}) or across the cluster's nodes through the coordinator ({@code --config}).
 */
@Command(
        name = "kek",
        description = "The cluster key-encryption key (KEK) under which keys travel between HSMs.",
        subcommands = {KekCommand.Status.class, KekCommand.Init.class, KekCommand.Enrol.class})
public final class KekCommand {

    abstract static class Base {
        @Mixin
        KeyCommandOptions options;

        @Spec
        CommandSpec spec;

        KeyCommandOptions.Form form(String command) {
            return options.form(spec, command, true);
        }
    }

    @Command(
            name = "status",
            description = "Show each HSM's KEK check value; all must be equal. With --config: "
                    + "every node's HSMs, through the coordinator.")
    static final class Status extends Base implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            if (form("kek status") == KeyCommandOptions.Form.CLUSTER) {
                return ClusterKeyCommands.kekStatus(
                        options.clusterFile(spec),
                        options.json(),
                        spec.commandLine().getOut());
            }
            try (Session s = Session.open(options, "kek status")) {
                Map<HsmId, Optional<String>> status = s.keySync().kekStatus();
                boolean shared = status.values().stream().allMatch(Optional::isPresent)
                        && status.values().stream()
                                        .map(Optional::get)
                                        .distinct()
                                        .count()
                                == 1;
                if (options.json()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    Map<String, Object> hsms = new LinkedHashMap<>();
                    status.forEach((k, v) -> hsms.put(k.name(), v.orElse(null)));
                    m.put("hsms", hsms);
                    m.put("shared", shared);
                    Output.json(spec.commandLine().getOut(), m);
                } else {
                    Table t = new Table("HSM", "KEK CHECK VALUE");
                    status.forEach((k, v) -> t.row(k, v.orElse("(none)")));
                    t.print(spec.commandLine().getOut());
                    spec.commandLine()
                            .getOut()
                            .println(
                                    shared
                                            ? "all HSMs share the cluster KEK"
                                            : "the HSMs do NOT share one KEK: run 'signerctl kek init' once, then "
                                                    + "'signerctl kek enrol' for each other HSM");
                }
                return shared ? ExitCode.OK.code() : ExitCode.NOT_SYNCED.code();
            }
        }
    }

    @Command(
            name = "init",
            description = "Generate the cluster KEK inside one HSM (once per cluster). With --config: inside an HSM of "
                    + "the node --on, through the coordinator. Needs the HSM's so-pin-file (hsm.yaml): the security "
                    + "officer marks the KEK trusted.")
    static final class Init extends Base implements Callable<Integer> {
        @Option(
                names = "--hsm",
                paramLabel = "NAME",
                description = "HSM to generate on (default: the first in the configuration)")
        String hsm;

        @Option(names = "--on", paramLabel = "NODE", description = "with --config: the node whose HSM generates it")
        String on;

        @Override
        public Integer call() throws Exception {
            KeyCommandOptions.Form form = form("kek init");
            if (form == KeyCommandOptions.Form.CLUSTER) {
                if (on == null) {
                    throw SignerctlException.usage(
                            "kek init --config: give --on NODE, the node whose HSM generates the" + " cluster KEK");
                }
                return ClusterKeyCommands.kekInit(
                        options.clusterFile(spec),
                        on,
                        hsm,
                        options.json(),
                        spec.commandLine().getOut());
            }
            KeyCommandOptions.refuse(on != null, "kek init", "--on", form);
            try (Session s = Session.open(options, "kek init")) {
                HsmId target = s.hsmId(hsm);
                String kcv = s.keySync().kekInit(target);
                if (options.json()) {
                    Output.json(spec.commandLine().getOut(), Map.of("hsm", target.name(), "check_value", kcv));
                } else {
                    spec.commandLine()
                            .getOut()
                            .printf("cluster KEK generated inside %s, check value %s%n", target, kcv);
                }
                return ExitCode.OK.code();
            }
        }
    }

    @Command(
            name = "enrol",
            aliases = "enroll",
            description = "Give an HSM the cluster KEK without exposing it: the new HSM makes an RSA transport key "
                    + "inside, the KEK travels wrapped under it (RSA-OAEP) and is unwrapped inside. With --config, "
                    + "--from and --to name nodes: the coordinator carries the transport public key and the wrapped "
                    + "KEK between them and prints both check values; exit 6 when they differ. Needs so-pin-file "
                    + "(hsm.yaml) for both HSMs: the security officers mark the KEK and the transport key trusted.")
    static final class Enrol extends Base implements Callable<Integer> {
        @Option(
                names = "--from",
                paramLabel = "NAME",
                description = "an HSM that holds the KEK (default: the first that "
                        + "does); with --config: the node that holds it")
        String from;

        @Option(
                names = "--to",
                required = true,
                paramLabel = "NAME",
                description = "the HSM to enrol; with --config: the " + "node to enrol")
        String to;

        @Option(
                names = "--from-hsm",
                paramLabel = "NAME",
                description = "with --config: the HSM on --from (default: the " + "first that holds the KEK)")
        String fromHsm;

        @Option(
                names = "--to-hsm",
                paramLabel = "NAME",
                description = "with --config: the HSM on --to (default: its " + "first)")
        String toHsm;

        @Override
        public Integer call() throws Exception {
            KeyCommandOptions.Form form = form("kek enrol");
            if (form == KeyCommandOptions.Form.CLUSTER) {
                if (from == null) {
                    throw SignerctlException.usage("kek enrol --config: give --from NODE, the node that holds the KEK");
                }
                return ClusterKeyCommands.kekEnrol(
                        options.clusterFile(spec),
                        from,
                        fromHsm,
                        to,
                        toHsm,
                        options.json(),
                        spec.commandLine().getOut());
            }
            KeyCommandOptions.refuse(fromHsm != null, "kek enrol", "--from-hsm", form);
            KeyCommandOptions.refuse(toHsm != null, "kek enrol", "--to-hsm", form);
            try (Session s = Session.open(options, "kek enrol")) {
                HsmConfig c = s.config();
                HsmId target = c.hsm(to).name();
                HsmId source;
                if (from != null) {
                    source = c.hsm(from).name();
                } else {
                    Map<HsmId, Optional<String>> status = s.keySync().kekStatus();
                    source = c.hsms().stream()
                            .map(HsmSpec::name)
                            .filter(h -> !h.equals(target))
                            .filter(h -> status.get(h).isPresent())
                            .findFirst()
                            .orElseThrow(() -> new KekMismatchException(
                                    "no configured HSM holds the cluster KEK yet: run signerctl kek init first"));
                }
                String kcv = s.keySync().kekEnrol(source, target);
                if (options.json()) {
                    Output.json(
                            spec.commandLine().getOut(),
                            Map.of("from", source.name(), "to", target.name(), "check_value", kcv));
                } else {
                    spec.commandLine()
                            .getOut()
                            .printf("%s enrolled with the cluster KEK from %s, check value %s%n", target, source, kcv);
                }
                return ExitCode.OK.code();
            }
        }
    }
}
