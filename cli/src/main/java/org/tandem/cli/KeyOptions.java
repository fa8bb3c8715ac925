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

    @Option(names = "--audit-log", paramLabel = "FILE",
            description = "hash-chained audit log (default: 'audit-log' in the HSM configuration, else audit.jsonl beside it)")
    Path auditLog;

    @Option(names = "--json", description = "print one JSON document for machines instead of tables")
    boolean json;
}
