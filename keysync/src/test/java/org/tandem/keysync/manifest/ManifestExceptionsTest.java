package org.tandem.keysync.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ManifestExceptionsTest {
    private static final String PATH = "/tandem/zones/example.com/keys";

    @Test
    void conflictNamesZonePathAndBothVersions() {
        ManifestConflictException e = new ManifestConflictException("example.com.", PATH, 3, 4, null);
        assertThat(e.zone()).isEqualTo("example.com.");
        assertThat(e.path()).isEqualTo(PATH);
        assertThat(e.expectedVersion()).isEqualTo(3);
        assertThat(e.actualVersion()).isEqualTo(4);
        assertThat(e).hasMessageContainingAll("example.com.", PATH, "expected version 3", "found version 4");
    }

    @Test
    void conflictOnCreateSaysNoManifestWasExpected() {
        ManifestConflictException e =
                new ManifestConflictException("example.com.", PATH, ManifestConflictException.NO_MANIFEST, 0, null);
        assertThat(e).hasMessageContainingAll("expected no manifest", "found version 0");
    }

    @Test
    void unavailableNamesConnectStringZoneAndPath() {
        ManifestStoreUnavailableException e = new ManifestStoreUnavailableException(
                "127.0.0.1:2181", "example.com.", PATH, "reading the manifest", new RuntimeException("ConnectionLoss"));
        assertThat(e)
                .hasMessage(
                        "ZooKeeper at 127.0.0.1:2181 unavailable while reading the manifest of zone example.com. at "
                                + PATH + ": ConnectionLoss");
        assertThat(e.connectString()).isEqualTo("127.0.0.1:2181");
        assertThat(e.zone()).contains("example.com.");
        assertThat(e.path()).contains(PATH);
    }

    @Test
    void corruptNamesZonePathAndVersion() {
        ManifestCorruptException e = new ManifestCorruptException("example.com.", PATH, 7, "garbage", null);
        assertThat(e).hasMessageContainingAll("example.com.", PATH, "version 7", "garbage");
        assertThat(e.version()).isEqualTo(7);
    }

    @Test
    void versionedManifestRejectsNegativeVersion() {
        assertThatThrownBy(() -> new VersionedManifest(TestManifests.manifest("example.com.", "t"), -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("example.com.");
        assertThatThrownBy(() -> new VersionedManifest(null, 0))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("manifest");
    }

    @Test
    void describesWholeSecondsInSecondsAndTheRestInMillis() {
        assertThat(ZooKeeperManifestStore.describe(Duration.ofSeconds(5))).isEqualTo("5 s");
        assertThat(ZooKeeperManifestStore.describe(Duration.ofMillis(1500))).isEqualTo("1500 ms");
    }
}
