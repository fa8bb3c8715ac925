package org.tandem.keysync.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.ZoneName;
import org.tandem.proto.keysync.v1.KeyManifest;

class ZoneKeySetTest {
    private static final ZoneName ZONE = ZoneName.of("example.test");
    private static final Instant T0 = Instant.parse("2026-11-25T00:00:00Z");

    /** Two different public keys whose ZSK key tags collide (found by drawing, seeded: repeatable). */
    static DnssecKey[] collidingPair() {
        Random random = new Random(42);
        Map<Integer, DnssecKey> seen = new HashMap<>();
        while (true) {
            byte[] pub = new byte[64];
            random.nextBytes(pub);
            DnssecKey k = DnssecKey.of(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256, pub);
            DnssecKey earlier = seen.putIfAbsent(k.keyTag().value(), k);
            if (earlier != null) {
                return new DnssecKey[] {earlier, k};
            }
        }
    }

    private static ZoneKeySet.Entry entry(DnssecKey k) {
        return new ZoneKeySet.Entry(k, KeyState.GENERATED, T0, "dc1-hsm1");
    }

    @Test
    void refusesTwoKeysWithTheSameAlgorithmAndKeyTag() {
        DnssecKey[] pair = collidingPair();
        assertThat(pair[0].keyTag()).isEqualTo(pair[1].keyTag());
        assertThat(pair[0].fingerprint()).isNotEqualTo(pair[1].fingerprint());
        ZoneKeySet one = ZoneKeySet.empty(ZONE).with(entry(pair[0]));

        assertThatThrownBy(() -> one.with(entry(pair[1])))
                .isInstanceOf(ZoneKeySet.KeyTagCollision.class)
                .hasMessageContaining("key tag collision in example.test.")
                .hasMessageContaining(pair[0].fingerprint().shortHex())
                .hasMessageContaining(pair[1].fingerprint().shortHex());
    }

    @Test
    void refusesTheSameKeyTwiceAndAKeyOfAnotherZone() {
        DnssecKey k = collidingPair()[0];
        ZoneKeySet one = ZoneKeySet.empty(ZONE).with(entry(k));
        assertThatThrownBy(() -> one.with(entry(k))).hasMessageContaining("twice");
        DnssecKey foreign =
                DnssecKey.of(ZoneName.of("example.org"), KeyRole.ZSK, Algorithm.ECDSAP256SHA256, k.publicKey());
        assertThatThrownBy(() -> one.with(entry(foreign)))
                .hasMessageContaining("listed in the manifest of example.test.");
    }

    @Test
    void roundTripsThroughTheStoredManifestAndHidesRemovedKeysFromTheLiveSet() {
        DnssecKey[] pair = collidingPair();
        DnssecKey ksk = DnssecKey.of(ZONE, KeyRole.KSK, Algorithm.ECDSAP256SHA256, pair[0].publicKey());
        ZoneKeySet set = new ZoneKeySet(
                ZONE, 3, List.of(entry(ksk), new ZoneKeySet.Entry(pair[1], KeyState.REMOVED, T0, "dc2-hsm1")));
        ZoneKeySet back = ZoneKeySet.fromProto(set.toProto(T0, "test"), 3);
        assertThat(back).isEqualTo(set);
        assertThat(back.live()).extracting(ZoneKeySet.Entry::key).containsExactly(ksk);
        assertThat(back.find(pair[1].fingerprint()))
                .map(ZoneKeySet.Entry::state)
                .contains(KeyState.REMOVED);
    }

    @Test
    void recordsWhenEachStateWasEnteredAndReadsManifestsWrittenWithoutTheTimes() {
        DnssecKey zsk = collidingPair()[0];
        Instant proven = T0.plusSeconds(600);
        Instant signing = T0.plusSeconds(7200);
        ZoneKeySet set = new ZoneKeySet(ZONE, 1, List.of(entry(zsk)))
                .withState(zsk.fingerprint(), KeyState.GENERATED, KeyState.PUBLISHED, proven)
                .withState(zsk.fingerprint(), KeyState.PUBLISHED, KeyState.ACTIVE, signing);
        ZoneKeySet.Entry e = set.find(zsk.fingerprint()).orElseThrow();
        assertThat(e.state()).isEqualTo(KeyState.ACTIVE);
        assertThat(e.entered(KeyState.GENERATED)).contains(e.created());
        assertThat(e.entered(KeyState.PUBLISHED)).contains(proven);
        assertThat(e.entered(KeyState.ACTIVE)).contains(signing);
        assertThat(e.entered(KeyState.RETIRED)).isEmpty();
        ZoneKeySet back = ZoneKeySet.fromProto(set.toProto(T0, "test"), 1);
        assertThat(back).isEqualTo(set);

        // a manifest written before the times existed: no times, same state
        KeyManifest old = set.toProto(T0, "old").toBuilder()
                .setKeys(
                        0,
                        set.toProto(T0, "old").getKeys(0).toBuilder()
                                .clearPublishedEpochSeconds()
                                .clearActiveEpochSeconds())
                .build();
        ZoneKeySet.Entry read =
                ZoneKeySet.fromProto(old, 1).find(zsk.fingerprint()).orElseThrow();
        assertThat(read.state()).isEqualTo(KeyState.ACTIVE);
        assertThat(read.since()).isEmpty();
        // a state change without a time keeps the times recorded before
        ZoneKeySet untimed = set.withState(zsk.fingerprint(), KeyState.ACTIVE, KeyState.RETIRED);
        assertThat(untimed.find(zsk.fingerprint()).orElseThrow().entered(KeyState.ACTIVE))
                .contains(signing);
    }

    @Test
    void preActiveAndPostActiveKeysSignWithoutTheirDnskeyAndTheirTimesRoundTrip() {
        DnssecKey[] pair = collidingPair();
        DnssecKey fresh = DnssecKey.of(ZONE, KeyRole.ZSK, Algorithm.ECDSAP384SHA384, new byte[96]);
        DnssecKey old = pair[0];
        Instant start = T0.plusSeconds(60);
        Instant out = T0.plusSeconds(120);
        ZoneKeySet set = new ZoneKeySet(
                        ZONE, 3, List.of(entry(fresh), new ZoneKeySet.Entry(old, KeyState.ACTIVE, T0, "dc1-hsm1")))
                .withState(fresh.fingerprint(), KeyState.GENERATED, KeyState.PRE_ACTIVE, start)
                .withState(old.fingerprint(), KeyState.ACTIVE, KeyState.POST_ACTIVE, out);
        assertThat(set.publishable()).isEmpty();
        assertThat(set.used()).extracting(ZoneKeySet.Entry::key).containsExactly(fresh, old);
        assertThat(set.live()).hasSize(2);
        assertThat(KeyState.PRE_ACTIVE.signs()).isTrue();
        assertThat(KeyState.POST_ACTIVE.inDnskeySet()).isFalse();

        KeyManifest stored = set.toProto(T0, "test");
        assertThat(stored.getKeys(0).getState().name()).isEqualTo("PRE_ACTIVE");
        assertThat(stored.getKeys(0).getPreActiveEpochSeconds()).isEqualTo(start.getEpochSecond());
        assertThat(stored.getKeys(1).getPostActiveEpochSeconds()).isEqualTo(out.getEpochSecond());
        ZoneKeySet back = ZoneKeySet.fromProto(stored, 3);
        assertThat(back).isEqualTo(set);
        assertThat(back.find(old.fingerprint()).orElseThrow().entered(KeyState.POST_ACTIVE))
                .contains(out);
    }
}
