package org.tandem.cli.host;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The options of a command that works on this host's HSMs ({@link Session}): the HSM configuration,
 * where the key manifests live (ZooKeeper, with the operator's TLS files), the audit log, and
 * {@code --json}. {@code sign} and the benchmarks use it as a picocli mixin; {@code keys} and {@code kek}
 * extend it ({@code org.tandem.cli.keys.KeyCommandOptions}) with {@code --config}, the form that goes
 * through the coordinator instead, and then need {@code --hsm-config} only in this form. So the option
 * is not required at parsing: {@link Session#open} refuses a missing one with a usage error (exit 2).
 */
public class HostOptions {
    @Option(
            names = "--hsm-config",
            paramLabel = "FILE",
            description = "this host's HSMs: HSM configuration (YAML) with name, library, token-label, pin-file")
    Path hsmConfig;

    @Option(
            names = "--zookeeper",
            paramLabel = "HOST:PORT[,...]",
            description = "ZooKeeper holding the key manifests (default: 'zookeeper' in the HSM configuration)")
    String zookeeper;

    @Option(
            names = "--zookeeper-ca",
            paramLabel = "FILE",
            description = "the cluster CA (PEM) ZooKeeper's certificate must chain to (default: zookeeper-tls.ca in the"
                    + " HSM configuration)")
    Path zookeeperCa;

    @Option(
            names = "--zookeeper-cert",
            paramLabel = "FILE",
            description = "your ZooKeeper client certificate (PEM), OU=operator, from the cluster CA (default:"
                    + " zookeeper-tls.cert in the HSM configuration)")
    Path zookeeperCert;

    @Option(
            names = "--zookeeper-key",
            paramLabel = "FILE",
            description = "its PKCS#8 private key (default: zookeeper-tls.key in the HSM configuration)")
    Path zookeeperKey;

    @Option(
            names = "--zookeeper-insecure-plaintext",
            description = "a lab only: reach ZooKeeper without TLS or authentication")
    boolean zookeeperInsecurePlaintext;

    @Option(
            names = "--audit-log",
            paramLabel = "FILE",
            description = "hash-chained audit log (default: 'audit-log' in the HSM configuration, else audit.jsonl"
                    + " beside it)")
    Path auditLog;

    @Option(names = "--json", description = "print one JSON document for machines instead of tables")
    boolean json;

    /** The options of a command line that gave only {@code --hsm-config FILE} (a benchmark's child process). */
    public static HostOptions of(Path hsmConfig) {
        HostOptions o = new HostOptions();
        o.hsmConfig = hsmConfig;
        return o;
    }

    /** {@code --hsm-config}, or null when not given. */
    public Path hsmConfig() {
        return hsmConfig;
    }

    /** Whether to print one JSON document instead of tables. */
    public boolean json() {
        return json;
    }

    /**
     * Whether any option is given that only the HSM configuration's form knows: where the manifests
     * live (--zookeeper and its TLS options) or the audit log.
     */
    public boolean anyStoreOption() {
        return zookeeper != null
                || auditLog != null
                || zookeeperCa != null
                || zookeeperCert != null
                || zookeeperKey != null
                || zookeeperInsecurePlaintext;
    }
}
