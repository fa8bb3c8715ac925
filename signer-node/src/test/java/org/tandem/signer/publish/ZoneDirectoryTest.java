package org.tandem.signer.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tandem.signer.publish.PublishTestZones.ZONE;
import static org.tandem.signer.publish.PublishTestZones.a;
import static org.tandem.signer.publish.PublishTestZones.version;
import static org.tandem.signer.publish.PublishTestZones.with;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.sign.SignedZone;

class ZoneDirectoryTest {
    @TempDir
    Path dir;

    @Test
    void promotePublishesTheVersionFileAndTheFileTheHiddenPrimaryLoads() throws Exception {
        ZoneDirectory d = new ZoneDirectory(dir, Retention.all());
        SignedZone v1 = version(2024010101L, 5, 0);
        ZoneDirectory.Published p;
        try (StagedZone staged = d.stage(v1)) {
            assertThat(staged.temporaryFile()).exists().hasParent(dir.resolve("example.test"));
            assertThat(d.currentFile(ZONE)).doesNotExist(); // nothing visible before promote
            p = staged.promote();
        }
        assertThat(p.versionFile()).isEqualTo(dir.resolve("example.test/2024010101.zone"));
        assertThat(p.currentFile()).isEqualTo(dir.resolve("example.test.zone"));
        assertThat(SignedZoneFile.read(p.versionFile(), ZONE.name())).containsExactlyElementsOf(v1.records());
        assertThat(SignedZoneFile.read(p.currentFile(), ZONE.name())).containsExactlyElementsOf(v1.records());
        assertThat(d.currentSerial(ZONE)).contains(2024010101L);
        assertThat(files())
                .containsExactlyInAnyOrder("example.test", "example.test.zone", "example.test/2024010101.zone");
    }

    @Test
    void aNewVersionReplacesTheCurrentFileAndKeepsTheOldVersionFile() throws Exception {
        ZoneDirectory d = new ZoneDirectory(dir, Retention.all());
        SignedZone v1 = version(1, 5, 0);
        SignedZone v2 = with(v1, 2, 4, a("h1", 300, "198.51.100.1"));
        d.stage(v1).promote();
        d.stage(v2).promote();
        assertThat(SignedZoneFile.read(d.currentFile(ZONE), ZONE.name())).containsExactlyElementsOf(v2.records());
        assertThat(SignedZoneFile.read(d.versionFile(ZONE, 1), ZONE.name())).containsExactlyElementsOf(v1.records());
        assertThat(d.versions(ZONE)).containsExactly(2L, 1L);
    }

    @Test
    void refusesToPublishASerialAgainWithOtherRecordsAndChangesNothing() throws Exception {
        // F16: the same serial with different content never happens downstream
        ZoneDirectory d = new ZoneDirectory(dir, Retention.all());
        SignedZone v1 = version(7, 5, 0);
        d.stage(v1).promote();
        SignedZone other = with(v1, 7, 3, a("h0", 300, "198.51.100.9"));
        assertThatThrownBy(() -> d.stage(other))
                .isInstanceOfSatisfying(ZoneVersionConflictException.class, e -> {
                    assertThat(e.zone()).isEqualTo(ZONE);
                    assertThat(e.serial()).isEqualTo(7);
                    assertThat(e.file()).contains(dir.resolve("example.test/7.zone"));
                })
                .hasMessageContaining("example.test.")
                .hasMessageContaining("serial 7")
                .hasMessageContaining("7.zone");
        assertThat(SignedZoneFile.read(d.currentFile(ZONE), ZONE.name())).containsExactlyElementsOf(v1.records());
        assertThat(files()).containsExactlyInAnyOrder("example.test", "example.test.zone", "example.test/7.zone");
    }

    @Test
    void refusesAtPromoteWhenAnotherWriterTookTheSerialAfterStaging() throws Exception {
        ZoneDirectory d = new ZoneDirectory(dir, Retention.all());
        SignedZone v1 = version(1, 5, 0);
        d.stage(v1).promote();
        SignedZone mine = version(2, 5, 0);
        StagedZone staged = d.stage(mine);
        SignedZone theirs = with(mine, 2, 3, a("h0", 300, "198.51.100.8"));
        new ZoneDirectory(dir, Retention.all()).stage(theirs).promote();
        assertThatThrownBy(staged::promote).isInstanceOf(ZoneVersionConflictException.class);
        assertThat(SignedZoneFile.read(d.currentFile(ZONE), ZONE.name())).containsExactlyElementsOf(theirs.records());
        assertThat(files()).noneMatch(f -> f.endsWith(".tmp"));
    }

    @Test
    void publishingTheSameRecordsAgainIsAllowedAndMakesThatVersionCurrent() throws Exception {
        ZoneDirectory d = new ZoneDirectory(dir, Retention.all());
        d.stage(version(1, 5, 0)).promote();
        d.stage(version(2, 5, 1)).promote();
        d.stage(version(1, 5, 0)).promote(); // e.g. a restarted leader re-publishing its committed version
        assertThat(d.currentSerial(ZONE)).contains(1L);
        assertThat(d.versions(ZONE)).containsExactlyInAnyOrder(1L, 2L);
    }

    @Test
    void discardLeavesNothingBehindAndPromoteAfterwardsIsMisuse() throws Exception {
        ZoneDirectory d = new ZoneDirectory(dir, Retention.all());
        StagedZone staged = d.stage(version(3, 5, 0));
        Path tmp = staged.temporaryFile();
        staged.discard();
        assertThat(tmp).doesNotExist();
        assertThat(d.currentFile(ZONE)).doesNotExist();
        assertThatThrownBy(staged::promote)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("discarded");
        try (Stream<Path> s = Files.list(dir.resolve("example.test"))) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void retentionKeepsTheNewestVersionsAcrossSerialWrapAround() throws Exception {
        ZoneDirectory d = new ZoneDirectory(dir, Retention.keepLast(2));
        long[] serials = {4294967294L, 4294967295L, 0L, 1L};
        for (int i = 0; i < serials.length; i++) {
            d.stage(version(serials[i], 3, i)).promote();
        }
        assertThat(d.versions(ZONE)).containsExactly(1L, 0L);
        assertThat(d.currentSerial(ZONE)).contains(1L);
    }

    @Test
    void theCurrentVersionReadsBackForANodeThatTakesOver() throws Exception {
        ZoneDirectory d = new ZoneDirectory(dir, Retention.all());
        assertThat(d.current(ZONE)).isEmpty();
        SignedZone v1 = version(11, 5, 0);
        d.stage(v1).promote();
        SignedZone back = d.current(ZONE).orElseThrow();
        assertThat(back.serial()).isEqualTo(11);
        assertThat(back.records()).containsExactlyElementsOf(v1.records());
    }

    @Test
    void theRootZoneIsPublishedUnderTheNameRoot() {
        ZoneDirectory d = new ZoneDirectory(dir, Retention.all());
        assertThat(d.currentFile(ZoneName.of("."))).isEqualTo(dir.resolve("root.zone"));
        assertThat(d.versionFile(ZoneName.of("Example.TEST."), 5)).isEqualTo(dir.resolve("example.test/5.zone"));
    }

    @Test
    void aFailedStageLeavesThePublishedZoneAndNoTemporaryFile() throws Exception {
        // INV-D7 / F9 shape: a write that fails leaves the previous version in place
        ZoneDirectory d = new ZoneDirectory(dir, Retention.all());
        d.stage(version(1, 3, 0)).promote();
        Path blocked = dir.resolve("blocked");
        Files.writeString(blocked, "a file where the zone directory would go");
        ZoneDirectory broken = new ZoneDirectory(blocked, Retention.all());
        assertThatThrownBy(() -> broken.stage(version(2, 3, 0)))
                .hasMessageContaining("cannot stage")
                .hasMessageContaining("unchanged");
        assertThat(files())
                .containsExactlyInAnyOrder("blocked", "example.test", "example.test.zone", "example.test/1.zone");
    }

    private List<String> files() throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> !p.equals(dir))
                    .map(p -> dir.relativize(p).toString())
                    .toList();
        }
    }
}
