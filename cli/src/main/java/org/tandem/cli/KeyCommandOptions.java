package org.tandem.cli;

import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * Options of the {@code kek} and {@code keys} subcommands, which come in two forms: on this host's
 * HSMs ({@code --hsm-config FILE}, with {@code --zookeeper} and {@code --audit-log}), or for the
 * cluster through the coordinator ({@code --config FILE}, the {@link ClusterConfig}; also given
 * before the command). Exactly one of the two: both, or neither, is a usage error naming which to
 * use ({@link #form}).
 */
final class KeyCommandOptions {
    @Option(names = "--hsm-config", paramLabel = "FILE",
            description = "this host's HSMs: HSM configuration (YAML) with name, library, token-label, pin-file")
    Path hsmConfig;

    @Option(names = "--zookeeper", paramLabel = "HOST:PORT[,...]",
            description = "with --hsm-config: ZooKeeper holding the key manifests (default: 'zookeeper' in the HSM "
                    + "configuration)")
    String zookeeper;

    @Option(names = "--zookeeper-ca", paramLabel = "FILE",
            description = "with --hsm-config: the cluster CA (PEM) ZooKeeper's certificate must chain to (default: zookeeper-tls.ca in the"
                    + " HSM configuration)")
    Path zookeeperCa;

    @Option(names = "--zookeeper-cert", paramLabel = "FILE",
            description = "with --hsm-config: your ZooKeeper client certificate (PEM), OU=operator, from the cluster CA (default:"
                    + " zookeeper-tls.cert in the HSM configuration)")
    Path zookeeperCert;

    @Option(names = "--zookeeper-key", paramLabel = "FILE",
            description = "with --hsm-config: its PKCS#8 private key (default: zookeeper-tls.key in the HSM configuration)")
    Path zookeeperKey;

    @Option(names = "--zookeeper-insecure-plaintext",
            description = "with --hsm-config: a lab only: reach ZooKeeper without TLS or authentication")
    boolean zookeeperInsecurePlaintext;

    @Option(names = "--audit-log", paramLabel = "FILE",
            description = "with --hsm-config: hash-chained audit log (default: 'audit-log' in the HSM configuration, "
                    + "else audit.jsonl beside it)")
    Path auditLog;

    @Option(names = "--config", paramLabel = "FILE",
            description = "the cluster, through the coordinator: signerctl.yaml with the coordinator's endpoint and "
                    + "the operator's TLS files")
    Path config;

    @Option(names = "--json", description = "print one JSON document for machines instead of tables")
    boolean json;

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
     * @throws ClusterCommandException USAGE when both or neither form is given, or the cluster form of a
     *     command that has none
     */
    Form form(CommandSpec spec, String command, boolean clusterForm) {
        Path cluster = clusterFile(spec);
        if (hsmConfig != null && cluster != null) {
            throw usage(command + ": give either --config FILE (the cluster, through the coordinator) or --hsm-config"
                    + " FILE (this host's HSMs), not both");
        }
        if (!clusterForm) {
            if (cluster != null) {
                throw usage(command + " works on this host's HSMs only: give --hsm-config FILE, not --config (for the"
                        + " cluster's keys: signerctl keys verify --config FILE --zone ZONE)");
            }
            if (hsmConfig == null) {
                throw usage(command + ": give --hsm-config FILE (this host's HSMs)");
            }
            return Form.HOST;
        }
        if (hsmConfig == null && cluster == null) {
            throw usage(command + ": give --config signerctl.yaml to order it through the coordinator, or --hsm-config"
                    + " hsm.yaml for this host's HSMs");
        }
        if (cluster != null && (zookeeper != null || auditLog != null || zookeeperCa != null || zookeeperCert != null
                || zookeeperKey != null || zookeeperInsecurePlaintext)) {
            throw usage(command + ": --zookeeper and --audit-log belong to the --hsm-config form (as do --zookeeper-ca,"
                    + " --zookeeper-cert, --zookeeper-key and --zookeeper-insecure-plaintext); with --config the nodes"
                    + " use their own");
        }
        return cluster != null ? Form.CLUSTER : Form.HOST;
    }

    /** The cluster configuration named on the command line: here, at {@code keys}, or before the command. */
    Path clusterFile(CommandSpec spec) {
        if (config != null) {
            return config;
        }
        for (CommandSpec p = spec.parent(); p != null; p = p.parent()) {
            if (p.userObject() instanceof KeysCommand k && k.clusterOptions != null && k.clusterOptions.config != null) {
                return k.clusterOptions.config;
            }
            if (p.userObject() instanceof SignerctlCommand s && s.config != null) {
                return s.config;
            }
        }
        return null;
    }

    /** The --hsm-config form's options, for {@link Session#open}. */
    KeyOptions host() {
        KeyOptions o = new KeyOptions();
        o.hsmConfig = hsmConfig;
        o.zookeeper = zookeeper;
        o.zookeeperCa = zookeeperCa;
        o.zookeeperCert = zookeeperCert;
        o.zookeeperKey = zookeeperKey;
        o.zookeeperInsecurePlaintext = zookeeperInsecurePlaintext;
        o.auditLog = auditLog;
        o.json = json;
        return o;
    }

    /** A usage error (exit 2) when an option of one form is given in the other. */
    static void refuse(boolean given, String command, String option, Form form) {
        if (given) {
            throw usage(command + ": " + option + " belongs to the " + (form == Form.CLUSTER ? "--hsm-config" : "--config")
                    + " form");
        }
    }

    static ClusterCommandException usage(String message) {
        return new ClusterCommandException(ExitCode.USAGE, message);
    }
}
