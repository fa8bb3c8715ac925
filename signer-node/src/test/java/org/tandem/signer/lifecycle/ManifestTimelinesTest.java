package org.tandem.signer.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.testing.SoftwareKeys;

class ManifestTimelinesTest {
    private static final ZoneName ZONE = ZoneName.of("example.test.");
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static DnssecKey key(KeyRole role) throws Exception {
        return SoftwareKeys.p256(ZONE, role);
    }

    @Test
    void timesComeFromTheManifestsStateTimesAndUnrecordedOnesFromCreation() throws Exception {
        DnssecKey zsk = key(KeyRole.ZSK);
        DnssecKey ksk = key(KeyRole.KSK);
        DnssecKey fresh = key(KeyRole.ZSK);
        ZoneKeySet set = new ZoneKeySet(
                ZONE,
                4,
                List.of(
                        new ZoneKeySet.Entry(
                                zsk,
                                KeyState.RETIRED,
                                T0,
                                "dc1-hsm1",
                                Map.of(
                                        KeyState.PUBLISHED, T0.plusSeconds(60),
                                        KeyState.ACTIVE, T0.plusSeconds(3600),
                                        KeyState.RETIRED, T0.plusSeconds(86400))),
                        new ZoneKeySet.Entry(ksk, KeyState.ACTIVE, T0, "dc1-hsm1"),
                        new ZoneKeySet.Entry(fresh, KeyState.GENERATED, T0.plusSeconds(5), "dc1-hsm1")));

        List<KeyTimeline> t = ManifestTimelines.of(set);
        assertThat(t.get(0).published()).contains(T0.plusSeconds(60));
        assertThat(t.get(0).active()).contains(T0.plusSeconds(3600));
        assertThat(t.get(0).retired()).contains(T0.plusSeconds(86400));
        assertThat(t.get(0).phase()).isEqualTo("retired");
        assertThat(t.get(0).tag()).isEqualTo(zsk.keyTag());
        assertThat(t.get(1).published()).contains(T0);
        assertThat(t.get(1).active()).contains(T0);
        assertThat(t.get(1).signing()).isTrue();
        assertThat(t.get(2).proven()).isFalse();
        assertThat(t.get(2).published()).isEmpty();
        assertThat(t.get(2).phase()).isEqualTo("generated");
    }
}
