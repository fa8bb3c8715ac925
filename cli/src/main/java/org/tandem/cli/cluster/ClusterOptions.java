package org.tandem.cli.cluster;

import java.nio.file.Path;
import java.util.Optional;
import org.tandem.cli.SignerctlCommand;
import picocli.CommandLine.Option;

/** Options of the cluster commands (the coordinator's clients), a picocli mixin. */
public final class ClusterOptions {
    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "coordinator endpoint and the operator's TLS files (default: --config before the command, "
                    + "else ./signerctl.yaml)")
    Path config;

    @Option(names = "--json", description = "print one JSON document for machines instead of tables")
    boolean json;

    /** The file to read: this command's --config, else signerctl's, else ./signerctl.yaml. */
    public Path file(SignerctlCommand root) {
        if (config != null) {
            return config;
        }
        if (root != null && root.config().isPresent()) {
            return root.config().get();
        }
        return Path.of(ClusterConfig.DEFAULT_FILE);
    }

    /** This command's --config, if given. */
    public Optional<Path> given() {
        return Optional.ofNullable(config);
    }

    /** Whether to print one JSON document instead of tables. */
    public boolean json() {
        return json;
    }
}
