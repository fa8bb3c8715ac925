package org.tandem.coordinator.preflight;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.tandem.coordinator.view.FoundKey;
import org.tandem.coordinator.view.HsmKeys;
import org.tandem.coordinator.view.LedgerEntry;
import org.tandem.coordinator.view.ManifestKey;
import org.tandem.coordinator.view.NodeKeys;
import org.tandem.proto.coordinator.v1.PreflightCheck;
import org.tandem.proto.coordinator.v1.Refusal;
import org.tandem.proto.keysync.v1.KeyDescriptor;
import org.tandem.proto.keysync.v1.KeyRole;
import org.tandem.proto.keysync.v1.KeyState;

/** The preflight's judgement over small hand-made evidence (no I/O). */
class PreflightTest {
    private static final String ZONE = "example.com.";
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Preflight preflight = new Preflight(Duration.ofDays(1));
    private final ManifestKey ksk = key(KeyRole.KSK, 257, KeyState.ACTIVE);
    private final ManifestKey zsk = key(KeyRole.ZSK, 256, KeyState.ACTIVE);

    private static ManifestKey key(KeyRole role, int flags, KeyState state) {
        byte[] pub = new byte[64];
        RANDOM.nextBytes(pub);
        KeyDescriptor d = KeyDescriptor.newBuilder()
                .setZone(ZONE)
                .setRole(role)
                .setAlgorithm(13)
                .setFlags(flags)
                .setPublicKey(ByteString.copyFrom(pub))
                .build();
        return ManifestKey.of(org.tandem.proto.keysync.v1.ManifestKey.newBuilder()
                .setKey(d)
                .setState(state)
                .setGeneratedOn("dc1-hsm1")
                .build());
    }

    private static FoundKey found(String hsm, ManifestKey m, boolean proven) {
        return new FoundKey(
                hsm,
                m.role(),
                m.keyTag(),
                m.algorithm(),
                Optional.of(m.fingerprint()),
                m.fingerprint(),
                "label",
                true,
                proven ? Optional.empty() : Optional.of("signature does not verify"));
    }

    private NodeKeys node(String node, String hsm, FoundKey... keys) {
        return new NodeKeys(node, List.of(new HsmKeys(hsm, "", List.of(keys))), Optional.empty());
    }

    private List<LedgerEntry> history(Instant at, ManifestKey... keys) {
        List<String> fps = new ArrayList<>();
        for (ManifestKey k : keys) {
            fps.add(k.fingerprint());
        }
        fps.sort(null);
        return List.of(
                new LedgerEntry(1, 1, "node-a", at.minus(Duration.ofDays(3)), fps, 3600),
                new LedgerEntry(2, 1, "node-a", at, fps, 3600));
    }

    private ZoneEvidence evidence(
            List<ManifestKey> manifest, NodeKeys standby, List<LedgerEntry> history, boolean canary) {
        NodeKeys leader = node("node-a", "dc1-hsm1", found("dc1-hsm1", ksk, true), found("dc1-hsm1", zsk, true));
        long serial = history.isEmpty() ? 0 : history.get(history.size() - 1).serial();
        return new ZoneEvidence(
                ZONE,
                manifest,
                Optional.of(leader),
                standby,
                history,
                OptionalLong.of(serial),
                Optional.of(canary),
                canary ? "3 types, 2 keys" : "TYPE65280 at canary.example.com.: cannot sign",
                Optional.of(NOW.plus(Duration.ofDays(10))));
    }

    private Preflight.ZoneVerdict judge(ZoneEvidence e) {
        return preflight.judge(e, "node-b", 1, 1, NOW);
    }

    @Test
    void everythingInOrderPasses() {
        var v = judge(evidence(
                List.of(ksk, zsk),
                node("node-b", "dc2-hsm1", found("dc2-hsm1", ksk, true), found("dc2-hsm1", zsk, true)),
                history(NOW.minus(Duration.ofDays(2)), ksk, zsk),
                true));
        assertThat(v.refusals()).isEmpty();
        assertThat(v.checks())
                .extracting(PreflightCheck::getName)
                .containsExactly(
                        "keys-identical",
                        "possession",
                        "published-long-enough",
                        "retired-keys-published",
                        "canary",
                        "serial-epoch-current",
                        "expiry-safe");
        assertThat(v.checks()).allMatch(PreflightCheck::getPassed);
    }

    @Test
    void missingZskIsRefusedWithRoleTagAndHsm() {
        var v = judge(evidence(
                List.of(ksk, zsk),
                node("node-b", "dc2-hsm1", found("dc2-hsm1", ksk, true)),
                history(NOW.minus(Duration.ofDays(2)), ksk, zsk),
                true));
        Refusal r = v.refusals().stream()
                .filter(x -> x.getCheck().equals("keys-identical"))
                .findFirst()
                .orElseThrow();
        assertThat(r.getZone()).isEqualTo(ZONE);
        assertThat(r.getRole()).isEqualTo(KeyRole.ZSK);
        assertThat(r.getKeyTag()).isEqualTo(zsk.keyTag());
        assertThat(r.getFingerprint()).isEqualTo(zsk.fingerprint());
        assertThat(r.getHsm()).isEqualTo("dc2-hsm1");
        assertThat(r.getNode()).isEqualTo("node-b");
        assertThat(r.getProblem()).contains("missing");
        assertThat(r.getFix())
                .contains("signerctl keys sync --config signerctl.yaml --zone " + ZONE)
                .contains("node-a (HSM dc1-hsm1)");
        // and the standby would drop a published key
        assertThat(v.refusals())
                .anyMatch(x -> x.getCheck().equals("retired-keys-published") && x.getRole() == KeyRole.ZSK);
    }

    @Test
    void differentKeyUnderTheSameTagIsNamedAsSuch() {
        ManifestKey stray = key(KeyRole.ZSK, 256, KeyState.ACTIVE);
        FoundKey claimant = new FoundKey(
                "dc2-hsm1",
                KeyRole.ZSK,
                zsk.keyTag(),
                13,
                Optional.of(stray.fingerprint()),
                zsk.fingerprint(),
                "stray",
                false,
                Optional.empty());
        var v = judge(evidence(
                List.of(ksk, zsk),
                node("node-b", "dc2-hsm1", found("dc2-hsm1", ksk, true), claimant),
                history(NOW.minus(Duration.ofDays(2)), ksk, zsk),
                true));
        Refusal r = v.refusals().get(0);
        assertThat(r.getCheck()).isEqualTo("keys-identical");
        assertThat(r.getRole()).isEqualTo(KeyRole.ZSK);
        assertThat(r.getKeyTag()).isEqualTo(zsk.keyTag());
        assertThat(r.getFingerprint()).isEqualTo(stray.fingerprint());
        assertThat(r.getProblem()).contains("different key pair").contains(zsk.fingerprint());
        assertThat(r.getFix())
                .contains("keys delete")
                .contains("--fingerprint " + stray.fingerprint())
                .contains("keys sync --config");
        // the stray is not reported a second time as an extra key
        assertThat(v.refusals()).noneMatch(x -> x.getProblem().contains("unexpected extra key"));
    }

    @Test
    void privateKeyNotMatchingFailsPossession() {
        var v = judge(evidence(
                List.of(ksk, zsk),
                node("node-b", "dc2-hsm1", found("dc2-hsm1", ksk, true), found("dc2-hsm1", zsk, false)),
                history(NOW.minus(Duration.ofDays(2)), ksk, zsk),
                true));
        assertThat(v.refusals()).hasSize(1);
        Refusal r = v.refusals().get(0);
        assertThat(r.getCheck()).isEqualTo("possession");
        assertThat(r.getRole()).isEqualTo(KeyRole.ZSK);
        assertThat(r.getHsm()).isEqualTo("dc2-hsm1");
        assertThat(r.getProblem()).contains("private key does not match");
    }

    @Test
    void aGeneratedKeyTheStandbyLacksIsPendingReplicationNotARefusal() {
        ManifestKey fresh = key(KeyRole.ZSK, 256, KeyState.GENERATED);
        var v = judge(evidence(
                List.of(ksk, zsk, fresh),
                node("node-b", "dc2-hsm1", found("dc2-hsm1", ksk, true), found("dc2-hsm1", zsk, true)),
                history(NOW.minus(Duration.ofDays(2)), ksk, zsk),
                true));
        assertThat(v.refusals()).isEmpty();
        assertThat(v.checks())
                .filteredOn(
                        c -> c.getName().equals("keys-identical") || c.getName().equals("possession"))
                .hasSize(2)
                .allSatisfy(c -> {
                    assertThat(c.getPassed()).isTrue();
                    assertThat(c.getDetail()).contains("pending replication").contains("ZSK " + fresh.keyTag());
                });
        assertThat(v.checks())
                .filteredOn(c -> c.getName().equals("published-long-enough"))
                .singleElement()
                .satisfies(c -> assertThat(c.getPassed())
                        .as("a generated key is not signed with")
                        .isTrue());
    }

    @Test
    void aGeneratedKeyThatANodePublishedAllTheSameMustBePublishedForTheTtl() {
        ManifestKey fresh = key(KeyRole.ZSK, 256, KeyState.GENERATED);
        List<LedgerEntry> h = new ArrayList<>(history(NOW.minus(Duration.ofDays(2)), ksk, zsk));
        List<String> fps = new ArrayList<>(List.of(ksk.fingerprint(), zsk.fingerprint(), fresh.fingerprint()));
        fps.sort(null);
        h.add(new LedgerEntry(3, 1, "node-a", NOW.minus(Duration.ofMinutes(10)), fps, 3600));
        var v = judge(evidence(
                List.of(ksk, zsk, fresh),
                node(
                        "node-b",
                        "dc2-hsm1",
                        found("dc2-hsm1", ksk, true),
                        found("dc2-hsm1", zsk, true),
                        found("dc2-hsm1", fresh, true)),
                h,
                true));
        assertThat(v.refusals()).singleElement().satisfies(r -> {
            assertThat(r.getCheck()).isEqualTo("published-long-enough");
            assertThat(r.getFingerprint()).isEqualTo(fresh.fingerprint());
        });
        // and a standby without it is refused: it is published, not pending
        var lacking = judge(evidence(
                List.of(ksk, zsk, fresh),
                node("node-b", "dc2-hsm1", found("dc2-hsm1", ksk, true), found("dc2-hsm1", zsk, true)),
                h,
                true));
        assertThat(lacking.refusals()).anySatisfy(r -> {
            assertThat(r.getCheck()).isEqualTo("keys-identical");
            assertThat(r.getFingerprint()).isEqualTo(fresh.fingerprint());
        });
    }

    @Test
    void aPublishedKeyTheStandbyLacksIsStillRefused() {
        ManifestKey published = key(KeyRole.ZSK, 256, KeyState.PUBLISHED);
        var v = judge(evidence(
                List.of(ksk, zsk, published),
                node("node-b", "dc2-hsm1", found("dc2-hsm1", ksk, true), found("dc2-hsm1", zsk, true)),
                history(NOW.minus(Duration.ofDays(2)), ksk, zsk),
                true));
        assertThat(v.refusals())
                .filteredOn(r -> r.getCheck().equals("keys-identical"))
                .singleElement()
                .satisfies(r -> assertThat(r.getFingerprint()).isEqualTo(published.fingerprint()));
    }

    @Test
    void aGeneratedKeyTheStandbyHoldsWithAnotherPrivateKeyIsStillRefused() {
        ManifestKey fresh = key(KeyRole.ZSK, 256, KeyState.GENERATED);
        var v = judge(evidence(
                List.of(ksk, zsk, fresh),
                node(
                        "node-b",
                        "dc2-hsm1",
                        found("dc2-hsm1", ksk, true),
                        found("dc2-hsm1", zsk, true),
                        found("dc2-hsm1", fresh, false)),
                history(NOW.minus(Duration.ofDays(2)), ksk, zsk),
                true));
        assertThat(v.refusals()).singleElement().satisfies(r -> {
            assertThat(r.getCheck()).isEqualTo("possession");
            assertThat(r.getFingerprint()).isEqualTo(fresh.fingerprint());
        });
    }

    @Test
    void keyPublishedForLessThanTheTtlIsRefused() {
        ManifestKey fresh = key(KeyRole.ZSK, 256, KeyState.ACTIVE);
        List<LedgerEntry> h = new ArrayList<>(history(NOW.minus(Duration.ofDays(2)), ksk, zsk));
        List<String> fps = new ArrayList<>(List.of(ksk.fingerprint(), zsk.fingerprint(), fresh.fingerprint()));
        fps.sort(null);
        h.add(new LedgerEntry(3, 1, "node-a", NOW.minus(Duration.ofMinutes(10)), fps, 3600));
        NodeKeys standby = node(
                "node-b",
                "dc2-hsm1",
                found("dc2-hsm1", ksk, true),
                found("dc2-hsm1", zsk, true),
                found("dc2-hsm1", fresh, true));
        var v = judge(evidence(List.of(ksk, zsk, fresh), standby, h, true));
        assertThat(v.refusals()).hasSize(1);
        Refusal r = v.refusals().get(0);
        assertThat(r.getCheck()).isEqualTo("published-long-enough");
        assertThat(r.getKeyTag()).isEqualTo(fresh.keyTag());
        assertThat(r.getRole()).isEqualTo(KeyRole.ZSK);
        assertThat(r.getHsm()).isEqualTo("dc2-hsm1");
        assertThat(r.getProblem()).contains("600 s, less than the DNSKEY TTL 3600 s");
        assertThat(r.getFix()).contains(NOW.plus(Duration.ofMinutes(50)).toString());
    }

    @Test
    void ledgerWithoutDnskeyFieldsIsUnknownAndRefuses() {
        List<LedgerEntry> h = List.of(new LedgerEntry(5, 1, "node-a", NOW.minus(Duration.ofDays(2)), List.of(), 0));
        var v = judge(evidence(
                List.of(ksk, zsk),
                node("node-b", "dc2-hsm1", found("dc2-hsm1", ksk, true), found("dc2-hsm1", zsk, true)),
                h,
                true));
        assertThat(v.refusals())
                .filteredOn(r -> r.getCheck().equals("published-long-enough"))
                .hasSize(2)
                .allMatch(r -> r.getProblem().contains("unknown"));
        assertThat(v.refusals()).anyMatch(r -> r.getCheck().equals("retired-keys-published"));
    }

    @Test
    void canaryFailureIsRefused() {
        var v = judge(evidence(
                List.of(ksk, zsk),
                node("node-b", "dc2-hsm1", found("dc2-hsm1", ksk, true), found("dc2-hsm1", zsk, true)),
                history(NOW.minus(Duration.ofDays(2)), ksk, zsk),
                false));
        assertThat(v.refusals()).singleElement().satisfies(r -> {
            assertThat(r.getCheck()).isEqualTo("canary");
            assertThat(r.getProblem()).contains("TYPE65280");
            assertThat(r.getHsm()).isEqualTo("dc2-hsm1");
        });
    }

    @Test
    void staleEpochAndSerialAndShortExpiryAreRefused() {
        ZoneEvidence e = evidence(
                List.of(ksk, zsk),
                node("node-b", "dc2-hsm1", found("dc2-hsm1", ksk, true), found("dc2-hsm1", zsk, true)),
                history(NOW.minus(Duration.ofDays(2)), ksk, zsk),
                true);
        ZoneEvidence stale = new ZoneEvidence(
                e.zone(),
                e.manifest(),
                e.leaderKeys(),
                e.standbyKeys(),
                e.history(),
                OptionalLong.of(1),
                e.canaryPassed(),
                e.canaryDetail(),
                Optional.of(NOW.plus(Duration.ofHours(2))));
        var v = preflight.judge(stale, "node-b", 1, 2, NOW);
        assertThat(v.refusals())
                .extracting(Refusal::getCheck)
                .containsExactly("serial-epoch-current", "serial-epoch-current", "expiry-safe");
    }

    @Test
    void aStandbyThatReportsNoEpochIsJudgedByItsSerial() {
        ZoneEvidence e = evidence(
                List.of(ksk, zsk),
                node("node-b", "dc2-hsm1", found("dc2-hsm1", ksk, true), found("dc2-hsm1", zsk, true)),
                history(NOW.minus(Duration.ofDays(2)), ksk, zsk),
                true);
        var v = preflight.judge(e, "node-b", 0, 3, NOW);
        assertThat(v.refusals()).isEmpty();
        assertThat(v.checks())
                .filteredOn(c -> c.getName().equals("serial-epoch-current"))
                .singleElement()
                .satisfies(c -> assertThat(c.getDetail()).contains("serial alone"));
        ZoneEvidence behind = new ZoneEvidence(
                e.zone(),
                e.manifest(),
                e.leaderKeys(),
                e.standbyKeys(),
                e.history(),
                OptionalLong.empty(),
                e.canaryPassed(),
                e.canaryDetail(),
                e.earliestExpiry());
        assertThat(preflight.judge(behind, "node-b", 0, 3, NOW).refusals())
                .extracting(Refusal::getCheck)
                .containsExactly("serial-epoch-current");
    }

    @Test
    void extraKeyOnTheStandbyIsRefused() {
        ManifestKey other = key(KeyRole.ZSK, 256, KeyState.ACTIVE);
        FoundKey extra = new FoundKey(
                "dc2-hsm1",
                KeyRole.ZSK,
                other.keyTag() ^ 1,
                13,
                Optional.of(other.fingerprint()),
                "00",
                "extra",
                false,
                Optional.empty());
        var v = judge(evidence(
                List.of(ksk, zsk),
                node("node-b", "dc2-hsm1", found("dc2-hsm1", ksk, true), found("dc2-hsm1", zsk, true), extra),
                history(NOW.minus(Duration.ofDays(2)), ksk, zsk),
                true));
        assertThat(v.refusals()).singleElement().satisfies(r -> {
            assertThat(r.getProblem()).contains("unexpected extra key");
            assertThat(r.getFingerprint()).isEqualTo(other.fingerprint());
        });
    }

    @Test
    void aDeletedKeyTheStandbyHasNotDestroyedYetIsNeitherRequiredNorAnExtraKey() {
        ManifestKey deleted = key(KeyRole.ZSK, 256, KeyState.DELETED);
        ManifestKey gone = key(KeyRole.ZSK, 256, KeyState.DELETED);
        var v = judge(evidence(
                List.of(ksk, zsk, deleted, gone),
                node(
                        "node-b",
                        "dc2-hsm1",
                        found("dc2-hsm1", ksk, true),
                        found("dc2-hsm1", zsk, true),
                        found("dc2-hsm1", deleted, true)),
                history(NOW.minus(Duration.ofDays(2)), ksk, zsk),
                true));
        assertThat(v.refusals()).isEmpty();
    }

    @Test
    void publishedSinceFollowsTheUnbrokenRun() {
        List<LedgerEntry> h = List.of(
                new LedgerEntry(1, 1, "a", NOW.minusSeconds(300), List.of("aa"), 60),
                new LedgerEntry(2, 1, "a", NOW.minusSeconds(200), List.of("aa", "bb"), 60),
                new LedgerEntry(3, 1, "a", NOW.minusSeconds(100), List.of("aa", "bb"), 60));
        assertThat(LedgerEntry.publishedSince(h, "aa")).contains(Instant.MIN);
        assertThat(LedgerEntry.publishedSince(h, "bb")).contains(NOW.minusSeconds(200));
        assertThat(LedgerEntry.publishedSince(h, "cc")).isEmpty();
    }
}
