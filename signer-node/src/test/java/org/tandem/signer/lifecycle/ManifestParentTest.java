package org.tandem.signer.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.testing.SoftwareKeys;

/** The parent's DS and the zone's CDS as the manifest records them (keys ds-seen, the rollover agent). */
class ManifestParentTest {
    private static final ZoneName ZONE = ZoneName.of("example.test.");
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static DnssecKey key(KeyRole role) throws Exception {
        return SoftwareKeys.p256(ZONE, role);
    }

    @Test
    void dsSeenRecordsExactlyTheNamedKeysWithTheTimeAndSurvivesTheManifestsProtoForm() throws Exception {
        DnssecKey old = key(KeyRole.KSK);
        DnssecKey next = key(KeyRole.KSK);
        ZoneKeySet m = new ZoneKeySet(
                ZONE,
                3,
                List.of(
                        new ZoneKeySet.Entry(old, KeyState.ACTIVE, T0, "node-a"),
                        new ZoneKeySet.Entry(next, KeyState.ACTIVE, T0, "node-a")));
        assertThat(ManifestParent.of(m)).isEqualTo(ParentState.none());

        ZoneKeySet both = ManifestParent.dsSeen(m, Set.of(old.fingerprint(), next.fingerprint()), T0.plusSeconds(60));
        ZoneKeySet read = ZoneKeySet.fromProto(both.toProto(T0, "test"), 4);
        assertThat(ManifestParent.of(read).ds()).containsExactlyInAnyOrder(old.fingerprint(), next.fingerprint());
        assertThat(ManifestParent.of(read).dsSince()).contains(T0.plusSeconds(60));

        // the same set again keeps its time; a new set is a change of the DS RRset
        assertThat(ManifestParent.dsSeen(read, Set.of(old.fingerprint(), next.fingerprint()), T0.plusSeconds(90)))
                .isSameAs(read);
        ZoneKeySet only = ManifestParent.dsSeen(read, Set.of(next.fingerprint()), T0.plusSeconds(120));
        assertThat(ManifestParent.of(only).ds()).containsExactly(next.fingerprint());
        assertThat(ManifestParent.of(only).dsSince()).contains(T0.plusSeconds(120));
        // a state step keeps the parent's marks
        ZoneKeySet retired = only.withState(old.fingerprint(), KeyState.ACTIVE, KeyState.RETIRED, T0.plusSeconds(130));
        assertThat(ManifestParent.of(retired)).isEqualTo(ManifestParent.of(only));
    }

    @Test
    void dsSeenRefusesAKeyTheManifestDoesNotList() throws Exception {
        DnssecKey ksk = key(KeyRole.KSK);
        ZoneKeySet m = new ZoneKeySet(ZONE, 1, List.of(new ZoneKeySet.Entry(ksk, KeyState.ACTIVE, T0, "node-a")));
        DnssecKey stranger = key(KeyRole.KSK);

        assertThatThrownBy(() -> ManifestParent.dsSeen(m, Set.of(stranger.fingerprint()), T0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(stranger.fingerprint().hex())
                .hasMessageContaining("example.test.");
    }
}
