package org.tandem.keysync.proof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ZoneKeySet;

/** GENERATED keys are pending replication, not problems, for a signer cluster (the other verdicts stand). */
class KeySetReportPendingTest {
    private static final ZoneName ZONE = ZoneName.of("example.test");
    private static final HsmId HSM = new HsmId("dc2-hsm1");
    private static final Instant T0 = Instant.parse("2026-11-25T00:00:00Z");
    private final Random random = new Random(7);

    private DnssecKey key(KeyRole role) {
        byte[] pub = new byte[64];
        random.nextBytes(pub);
        return DnssecKey.of(ZONE, role, Algorithm.ECDSAP256SHA256, pub);
    }

    private static KeyCheck check(DnssecKey k, KeyStatus status) {
        return new KeyCheck(
                ZONE,
                HSM,
                k.role(),
                k.keyTag(),
                Optional.of(k.fingerprint()),
                Optional.empty(),
                status,
                status == KeyStatus.OK ? "" : "x",
                status == KeyStatus.OK ? "" : "fix");
    }

    @Test
    void aMissingGeneratedKeyIsPendingAndAMissingPublishedKeyIsAProblem() {
        DnssecKey ksk = key(KeyRole.KSK);
        DnssecKey zsk = key(KeyRole.ZSK);
        DnssecKey fresh = key(KeyRole.ZSK);
        DnssecKey odd = key(KeyRole.ZSK);
        DnssecKey broken = key(KeyRole.ZSK);
        ZoneKeySet manifest = new ZoneKeySet(
                ZONE,
                5,
                List.of(
                        new ZoneKeySet.Entry(ksk, KeyState.ACTIVE, T0, "dc1-hsm1"),
                        new ZoneKeySet.Entry(zsk, KeyState.PUBLISHED, T0, "dc1-hsm1"),
                        new ZoneKeySet.Entry(fresh, KeyState.GENERATED, T0, "dc1-hsm1"),
                        new ZoneKeySet.Entry(odd, KeyState.GENERATED, T0, "dc1-hsm1"),
                        new ZoneKeySet.Entry(broken, KeyState.GENERATED, T0, "dc1-hsm1")));
        KeySetReport report = new KeySetReport(
                ZONE,
                5,
                List.of(HSM),
                List.of(
                        check(ksk, KeyStatus.OK),
                        check(zsk, KeyStatus.MISSING),
                        check(fresh, KeyStatus.MISSING),
                        check(odd, KeyStatus.HSM_ERROR),
                        check(broken, KeyStatus.DIFFERENT_PUBLIC_KEY)));

        assertThat(report.keySynced())
                .as("the keysync verdict itself is unchanged")
                .isFalse();
        assertThat(report.problemsForSigning(manifest))
                .extracting(c -> c.fingerprint().orElseThrow())
                .containsExactly(zsk.fingerprint(), broken.fingerprint());
        assertThat(report.pendingReplication(manifest))
                .extracting(c -> c.fingerprint().orElseThrow())
                .containsExactly(fresh.fingerprint(), odd.fingerprint());
    }

    @Test
    void aRemovedKeyLeftOnTheHsmDoesNotKeepItFromSigningButAnUnknownExtraKeyDoes() {
        DnssecKey ksk = key(KeyRole.KSK);
        DnssecKey old = key(KeyRole.ZSK);
        DnssecKey stranger = key(KeyRole.ZSK);
        ZoneKeySet manifest = new ZoneKeySet(
                ZONE,
                7,
                List.of(
                        new ZoneKeySet.Entry(ksk, KeyState.ACTIVE, T0, "dc1-hsm1"),
                        new ZoneKeySet.Entry(old, KeyState.REMOVED, T0, "dc1-hsm1")));
        KeySetReport report =
                new KeySetReport(ZONE, 7, List.of(HSM), List.of(check(ksk, KeyStatus.OK), extra(old), extra(stranger)));

        assertThat(report.problems()).hasSize(2);
        assertThat(report.problemsForSigning(manifest))
                .extracting(c -> c.found().orElseThrow())
                .containsExactly(stranger.fingerprint());
    }

    private static KeyCheck extra(DnssecKey k) {
        return new KeyCheck(
                ZONE,
                HSM,
                k.role(),
                k.keyTag(),
                Optional.of(k.fingerprint()),
                Optional.of(k.fingerprint()),
                KeyStatus.UNEXPECTED_EXTRA_KEY,
                "extra",
                "delete it");
    }

    @Test
    void publishableAndPendingSplitTheLiveKeysAndAPromotionKeepsTheVersion() {
        DnssecKey a = key(KeyRole.KSK);
        DnssecKey b = key(KeyRole.ZSK);
        DnssecKey c = key(KeyRole.ZSK);
        ZoneKeySet set = new ZoneKeySet(
                ZONE,
                9,
                List.of(
                        new ZoneKeySet.Entry(a, KeyState.RETIRED, T0, "h"),
                        new ZoneKeySet.Entry(b, KeyState.GENERATED, T0, "h"),
                        new ZoneKeySet.Entry(c, KeyState.REMOVED, T0, "h")));
        assertThat(set.publishable()).extracting(ZoneKeySet.Entry::key).containsExactly(a);
        assertThat(set.pendingReplication()).extracting(ZoneKeySet.Entry::key).containsExactly(b);

        ZoneKeySet promoted = set.withState(b.fingerprint(), KeyState.GENERATED, KeyState.PUBLISHED);
        assertThat(promoted.version()).isEqualTo(9);
        assertThat(promoted.publishable()).extracting(ZoneKeySet.Entry::key).containsExactly(a, b);
        assertThatThrownBy(() -> promoted.withState(b.fingerprint(), KeyState.GENERATED, KeyState.PUBLISHED))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is PUBLISHED");
    }

    @Test
    void aMissingPreActiveOrPostActiveKeyIsAProblemBecauseItSigns() {
        DnssecKey fresh = key(KeyRole.ZSK);
        DnssecKey leaving = key(KeyRole.ZSK);
        ZoneKeySet manifest = new ZoneKeySet(
                ZONE,
                11,
                List.of(
                        new ZoneKeySet.Entry(fresh, KeyState.PRE_ACTIVE, T0, "dc1-hsm1"),
                        new ZoneKeySet.Entry(leaving, KeyState.POST_ACTIVE, T0, "dc1-hsm1")));
        KeySetReport report = new KeySetReport(
                ZONE, 11, List.of(HSM), List.of(check(fresh, KeyStatus.MISSING), check(leaving, KeyStatus.HSM_ERROR)));

        assertThat(report.problemsForSigning(manifest))
                .extracting(c -> c.fingerprint().orElseThrow())
                .containsExactly(fresh.fingerprint(), leaving.fingerprint());
        assertThat(report.pendingReplication(manifest)).isEmpty();
    }
}
