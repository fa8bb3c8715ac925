package org.tandem.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options of the cluster commands (the coordinator's clients). */
final class ClusterOptions {
    @Option(names = "--config", paramLabel = "FILE",
            description = "coordinator endpoint and the operator's TLS files (default: --config before the command, "
                    + "else ./signerctl.yaml)")
    Path config;

    @Option(names = "--json", description = "print one JSON document for machines instead of tables")
    boolean json;

    /** The file to read: this command's --config, else signerctl's, else ./signerctl.yaml. */
    Path file(SignerctlCommand root) {
        if (config != null) {
            return config;
        }
        if (root != null && root.config != null) {
            return root.config;
        }
        return Path.of(ClusterConfig.DEFAULT_FILE);
    }
}
