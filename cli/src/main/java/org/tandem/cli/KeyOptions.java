package org.tandem.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by the offline key commands. */
final class KeyOptions {
    @Option(names = "--hsm-config", required = true, paramLabel = "FILE",
            description = "HSM configuration (YAML): hsms with name, library, token-label, pin-file")
    Path hsmConfig;

    @Option(names = "--zookeeper", paramLabel = "HOST:PORT[,...]",
            description = "ZooKeeper holding the key manifests (default: 'zookeeper' in the HSM configuration)")
    String zookeeper;

    @Option(names = "--zookeeper-ca", paramLabel = "FILE",
            description = "the cluster CA (PEM) ZooKeeper's certificate must chain to (default: zookeeper-tls.ca in the"
                    + " HSM configuration)")
    Path zookeeperCa;

    @Option(names = "--zookeeper-cert", paramLabel = "FILE",
            description = "your ZooKeeper client certificate (PEM), OU=operator, from the cluster CA (default:"
                    + " zookeeper-tls.cert in the HSM configuration)")
    Path zookeeperCert;

    @Option(names = "--zookeeper-key", paramLabel = "FILE",
            description = "its PKCS#8 private key (default: zookeeper-tls.key in the HSM configuration)")
    Path zookeeperKey;

    @Option(names = "--zookeeper-insecure-plaintext",
            description = "a lab only: reach ZooKeeper without TLS or authentication")
    boolean zookeeperInsecurePlaintext;

    @Option(names = "--audit-log", paramLabel = "FILE",
            description = "hash-chained audit log (default: 'audit-log' in the HSM configuration, else audit.jsonl beside it)")
    Path auditLog;

    @Option(names = "--json", description = "print one JSON document for machines instead of tables")
    boolean json;
}
