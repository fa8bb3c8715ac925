package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A {@code node.yaml} in a test's directory, next to every file {@link NodeConfigTest#VALID} names: the
 * configuration tests write a variant of it, then load it or prove that loading it fails.
 */
final class NodeYamlFile {
    private final Path config;

    /** Lays out {@code dir} ({@link NodeConfigTest#layOut}); {@code node.yaml} itself is written by each call. */
    NodeYamlFile(Path dir) throws Exception {
        NodeConfigTest.layOut(dir);
        this.config = dir.resolve("node.yaml");
    }

    /** The {@code node.yaml} path. */
    Path path() {
        return config;
    }

    /** Writes {@code yaml} and loads it. */
    NodeConfig load(String yaml) throws Exception {
        Files.writeString(config, yaml);
        return NodeConfig.load(config);
    }

    /** Loading {@code yaml} fails with exactly {@code node.yaml: <keyPath>: <reason...>}. */
    void fails(String yaml, String keyPath, String reason) throws Exception {
        Files.writeString(config, yaml);
        assertThatThrownBy(() -> NodeConfig.load(config)).isInstanceOfSatisfying(NodeConfigException.class, e -> {
            assertThat(e.file()).isEqualTo(config);
            assertThat(e.keyPath()).isEqualTo(keyPath);
            assertThat(e.reason()).contains(reason);
            assertThat(e.getMessage()).startsWith(config + (keyPath.isEmpty() ? "" : ": " + keyPath) + ": ");
        });
    }
}
