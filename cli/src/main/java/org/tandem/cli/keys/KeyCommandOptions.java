package org.tandem.cli.keys;

import java.nio.file.Path;
import org.tandem.cli.SignerctlCommand;
import org.tandem.cli.SignerctlException;
import org.tandem.cli.host.HostOptions;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * Options of the {@code kek} and {@code keys} subcommands, which come in two forms: on this host's
 * HSMs (the {@link HostOptions}: {@code --hsm-config FILE} with {@code --zookeeper} and {@code
 * --audit-log}), or for the cluster through the coordinator ({@code --config FILE}, the cluster
 * configuration; also given before the command). Exactly one of the two: both, or neither, is a usage
 * error naming which to use ({@link #form}); options of the other form are refused.
 */
final class KeyCommandOptions extends HostOptions {
    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "the cluster, through the coordinator: signerctl.yaml with the coordinator's endpoint and "
                    + "the operator's TLS files")
    Path config;

    /** Where a command runs. */
    enum Form {
        /** On this host's HSMs (--hsm-config). */
        HOST,
        /** For the cluster, through the coordinator (--config). */
        CLUSTER
    }

    /**
     * The form the command line asks for.
     *
     * @param command "kek init", for the messages
     * @param clusterForm whether the command has a cluster form
     * @throws SignerctlException USAGE when both or neither form is given, or the cluster form of a
     *     command that has none
     */
    Form form(CommandSpec spec, String command, boolean clusterForm) {
        Path cluster = clusterFile(spec);
        Path hsmConfig = hsmConfig();
        if (hsmConfig != null && cluster != null) {
            throw SignerctlException.usage(command + ": give either --config FILE (the cluster, through the"
                    + " coordinator) or --hsm-config FILE (this host's HSMs), not both");
        }
        if (!clusterForm) {
            if (cluster != null) {
                throw SignerctlException.usage(command + " works on this host's HSMs only: give --hsm-config FILE, not"
                        + " --config (for the cluster's keys: signerctl keys verify --config FILE --zone ZONE)");
            }
            if (hsmConfig == null) {
                throw SignerctlException.usage(command + ": give --hsm-config FILE (this host's HSMs)");
            }
            return Form.HOST;
        }
        if (hsmConfig == null && cluster == null) {
            throw SignerctlException.usage(command + ": give --config signerctl.yaml to order it through the"
                    + " coordinator, or --hsm-config hsm.yaml for this host's HSMs");
        }
        if (cluster != null && anyStoreOption()) {
            throw SignerctlException.usage(command + ": --zookeeper and --audit-log belong to the --hsm-config form (as"
                    + " do --zookeeper-ca, --zookeeper-cert, --zookeeper-key and --zookeeper-insecure-plaintext); with"
                    + " --config the nodes use their own");
        }
        return cluster != null ? Form.CLUSTER : Form.HOST;
    }

    /** The cluster configuration named on the command line: here, at {@code keys}, or before the command. */
    Path clusterFile(CommandSpec spec) {
        if (config != null) {
            return config;
        }
        for (CommandSpec p = spec.parent(); p != null; p = p.parent()) {
            if (p.userObject() instanceof KeysCommand k
                    && k.clusterOptions != null
                    && k.clusterOptions.given().isPresent()) {
                return k.clusterOptions.given().get();
            }
            if (p.userObject() instanceof SignerctlCommand s && s.config().isPresent()) {
                return s.config().get();
            }
        }
        return null;
    }

    /** A usage error (exit 2) when an option of one form is given in the other. */
    static void refuse(boolean given, String command, String option, Form form) {
        if (given) {
            throw SignerctlException.usage(command + ": " + option + " belongs to the "
                    + (form == Form.CLUSTER ? "--hsm-config" : "--config") + " form");
        }
    }
}
