package org.tandem.keysync.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestPathsTest {
    private final ManifestPaths paths = new ManifestPaths("/tandem");

    @Test
    void mapsZoneToKeysNodeWithoutTrailingDot() {
        assertThat(paths.manifestPath("example.com.")).isEqualTo("/tandem/zones/example.com/keys");
        assertThat(paths.manifestPath("_dmarc.xn--bcher-kva.example."))
                .isEqualTo("/tandem/zones/_dmarc.xn--bcher-kva.example/keys");
        assertThat(paths.zonesPath()).isEqualTo("/tandem/zones");
    }

    @Test
    void acceptsNestedRootAndSlashRoot() {
        assertThat(new ManifestPaths("/ops/tandem").manifestPath("example.com."))
                .isEqualTo("/ops/tandem/zones/example.com/keys");
        assertThat(new ManifestPaths("/").manifestPath("example.com.")).isEqualTo("/zones/example.com/keys");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                ".",
                "example.com",
                "Example.com.",
                "EXAMPLE.COM.",
                "a..b.",
                ".example.com.",
                "a/b.example.",
                "ex ample.com.",
                "exämple.com.",
                "tab\t.example.",
                "esc\\.aped.example.",
                "..",
            })
    void rejectsInvalidZoneNames(String zone) {
        assertThatThrownBy(() -> paths.manifestPath(zone))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid zone name '" + zone + "'");
    }

    @Test
    void rejectsOverlongLabelsAndNames() {
        String label63 = "a".repeat(63);
        assertThat(paths.manifestPath(label63 + ".example.")).endsWith("/" + label63 + ".example/keys");
        assertThatThrownBy(() -> paths.manifestPath("a" + label63 + ".example."))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("longer than 63");
        String name254 = (label63 + ".").repeat(3) + "b".repeat(61) + ".";
        assertThat(name254).hasSize(254);
        assertThat(paths.manifestPath(name254)).isNotEmpty();
        assertThatThrownBy(() -> paths.manifestPath("c" + name254))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("longer than 254");
    }

    @Test
    void mapsZoneNodesBackToZones() {
        assertThat(ManifestPaths.zoneOfNode("example.com")).contains("example.com.");
        assertThat(ManifestPaths.zoneOfNode("Example.com")).isEmpty();
        assertThat(ManifestPaths.zoneOfNode("")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "tandem", "/tandem/", "/tandem//x", "/zookeeper", "/zookeeper/tandem", "/a/./b"})
    void rejectsInvalidRoots(String root) {
        assertThatThrownBy(() -> new ManifestPaths(root))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid ZooKeeper root '" + root + "'");
    }
}
