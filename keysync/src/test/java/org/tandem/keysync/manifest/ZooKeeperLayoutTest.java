package org.tandem.keysync.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.ZoneName;

class ZooKeeperLayoutTest {
    private final ZooKeeperLayout layout = new ZooKeeperLayout("/tandem");

    @Test
    void placesTheClusterNodesUnderClusterBelowTheRoot() {
        assertThat(layout.latchPath()).isEqualTo("/tandem/cluster/leader");
        assertThat(layout.epochPath()).isEqualTo("/tandem/cluster/epoch");
        assertThat(layout.clockPath("node-a")).isEqualTo("/tandem/cluster/clocks/node-a");
    }

    @Test
    void placesEachZonesManifestAndLedgerUnderItsNameWithoutTheTrailingDot() {
        ZoneName zone = ZoneName.of("example.test.");
        assertThat(layout.zonesPath()).isEqualTo("/tandem/zones");
        assertThat(layout.manifestPath("example.test.")).isEqualTo("/tandem/zones/example.test/keys");
        assertThat(layout.manifestPathOfNode("example.test")).isEqualTo("/tandem/zones/example.test/keys");
        assertThat(layout.publishedPath(zone)).isEqualTo("/tandem/zones/example.test/published");
        assertThat(layout.publishedPath("example.test.")).isEqualTo(layout.publishedPath(zone));
        assertThat(layout.historyPath(zone)).isEqualTo("/tandem/zones/example.test/history");
        assertThat(layout.historyRecordPrefix(zone)).isEqualTo("/tandem/zones/example.test/history/p-");
    }

    @Test
    void refusesZonesThatAreNotOneZnode() {
        assertThatThrownBy(() -> layout.zonePath(".")).hasMessageContaining("root zone");
        assertThatThrownBy(() -> layout.zonePath("example.test")).hasMessageContaining("must end with a dot");
        assertThatThrownBy(() -> layout.zonePath("a/b.test.")).hasMessageContaining("a/b.test.");
    }

    @Test
    void refusesARootUnderZookeeperOrNotAbsolute() {
        assertThatThrownBy(() -> new ZooKeeperLayout("/zookeeper/x")).hasMessageContaining("reserved");
        assertThatThrownBy(() -> new ZooKeeperLayout("tandem")).hasMessageContaining("invalid ZooKeeper root 'tandem'");
    }
}
