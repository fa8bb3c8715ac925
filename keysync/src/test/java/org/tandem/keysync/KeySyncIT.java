package org.tandem.keysync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.audit.AuditChain;
import org.tandem.keysync.audit.AuditLog;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.manifest.ZooKeeperManifestStore;
import org.tandem.keysync.proof.KeyCheck;
import org.tandem.keysync.proof.KeySetReport;
import org.tandem.keysync.proof.KeySetVerifier;
import org.tandem.keysync.proof.KeyStatus;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.keysync.testing.StrayKeys;
import org.tandem.keysync.testing.ZooKeeperFixture;

/**
 * Keysync end to end on three real SoftHSM2 tokens (like DENIC's three HSMs in two data centres)
 * and a real ZooKeeper: generate once, replicate, prove; and every way the key sets can differ.
 */
class KeySyncIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    private static final ZoneName ZONE = ZoneName.of("example.test");
    private static final HsmId DC1 = new HsmId("dc1-hsm1");
    private static final HsmId DC2 = new HsmId("dc2-hsm1");
    private static final HsmId DC3 = new HsmId("dc2-hsm2");

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<HsmSpec> specs = new ArrayList<>();
    private final Clock clock = Clock.systemUTC();
    private KeySync keySync;
    private AuditLog audit;

    @BeforeEach
    void threeHsmsSharingTheClusterKek() throws Exception {
        SoftHsmTokens tokens = SoftHsmTokens.shared();
        for (HsmId id : List.of(DC1, DC2, DC3)) {
            specs.add(tokens.allocate(id.name()));
        }
        keySync = newKeySync("/it-" + System.nanoTime());
        keySync.kekInit(DC1);
        keySync.kekEnrol(DC1, DC2);
        keySync.kekEnrol(DC1, DC3);
    }

    private KeySync newKeySync(String root) throws Exception {
        List<Pkcs11Hsm> hsms = new ArrayList<>();
        for (HsmSpec s : specs) {
            Pkcs11Hsm h = Pkcs11Hsm.open(s);
            open.add(h);
            hsms.add(h);
        }
        ZooKeeperManifestStore store =
                ZooKeeperManifestStore.connect(ZK.clientSettings(), root, Duration.ofSeconds(10));
        open.add(store);
        audit = AuditLog.open(dir.resolve("audit.jsonl"), clock);
        return new KeySync(hsms, store, audit, clock, "test@it keysync", new KeySetVerifier(clock, new SecureRandom()));
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private List<DnssecKey> generateAndSync() throws Exception {
        DnssecKey ksk = keySync.generate(ZONE, KeyRole.KSK, Algorithm.ECDSAP256SHA256, DC1);
        DnssecKey zsk = keySync.generate(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256, DC1);
        SyncResult sync = keySync.sync(ZONE, Optional.empty(), false);
        assertThat(sync.after().keySynced())
                .as("key-synced after sync: %s", sync.after().problems())
                .isTrue();
        return List.of(ksk, zsk);
    }

    private HsmSpec spec(HsmId id) {
        return specs.stream().filter(s -> s.name().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void generatesOnceReplicatesToEveryHsmAndProvesPossession() throws Exception {
        List<DnssecKey> keys = generateAndSync();

        KeySetReport report = keySync.verify(ZONE);

        assertThat(report.keySynced()).isTrue();
        assertThat(report.checks()).hasSize(6).allMatch(KeyCheck::ok);
        for (HsmListing listing : keySync.list(ZONE)) {
            assertThat(listing.keys())
                    .extracting(k -> k.publicKey().orElseThrow())
                    .containsExactlyInAnyOrderElementsOf(keys);
        }
        assertThat(keySync.manifest(ZONE).live())
                .extracting(ZoneKeySetEntryKey::of)
                .containsExactlyInAnyOrderElementsOf(keys);
        assertThat(AuditChain.verify(audit.file()).intact()).isTrue();
    }

    @Test
    void beforeSyncTheStandbyHsmsAreReportedMissingEachKey() throws Exception {
        keySync.generate(ZONE, KeyRole.KSK, Algorithm.ECDSAP256SHA256, DC1);
        keySync.generate(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256, DC1);

        KeySetReport report = keySync.verify(ZONE);

        assertThat(report.keySynced()).isFalse();
        assertThat(report.problems())
                .hasSize(4)
                .allMatch(c -> c.status() == KeyStatus.MISSING)
                .extracting(KeyCheck::hsm)
                .containsOnly(DC2, DC3);
        assertThat(report.keySynced(DC1)).isTrue();
    }

    @Test
    void denicPerHsmKeysUnderTheSameLabelIdAndTagAreNamedOnEveryHsm() throws Exception {
        DnssecKey zsk = generateAndSync().get(1);
        String label = keySync.list(ZONE).get(0).keys().stream()
                .filter(k -> k.role() == KeyRole.ZSK)
                .findFirst()
                .orElseThrow()
                .label();
        // F11: the rollover agent generated one key pair per HSM, each with the same metadata
        for (HsmId id : List.of(DC1, DC2, DC3)) {
            StrayKeys.replaceKeyPair(spec(id), label, zsk.fingerprint().bytes());
        }

        KeySetReport report = keySync.verify(ZONE);

        assertThat(report.keySynced()).isFalse();
        assertThat(report.problems())
                .hasSize(3)
                .allSatisfy(c -> {
                    assertThat(c.status()).isEqualTo(KeyStatus.DIFFERENT_PUBLIC_KEY);
                    assertThat(c.role()).isEqualTo(KeyRole.ZSK);
                    assertThat(c.keyTag()).isEqualTo(zsk.keyTag());
                    assertThat(c.fingerprint()).contains(zsk.fingerprint());
                    assertThat(c.found()).isPresent().isNotEqualTo(Optional.of(zsk.fingerprint()));
                    assertThat(c.describe())
                            .contains(
                                    "example.test.",
                                    "ZSK",
                                    zsk.keyTag().toString(),
                                    zsk.fingerprint().shortHex());
                })
                .extracting(KeyCheck::hsm)
                .containsExactlyInAnyOrder(DC1, DC2, DC3);
        assertThat(report.checks()).filteredOn(c -> c.role() == KeyRole.KSK).allMatch(KeyCheck::ok);
        // no HSM holds the manifest's ZSK any more: sync cannot invent it
        assertThatThrownBy(() -> keySync.sync(ZONE, Optional.empty(), true))
                .isInstanceOf(KeySyncException.class)
                .hasMessageContaining("proven on no HSM");
    }

    @Test
    void aDivergedKeyOnOneHsmIsRefusedBySyncUntilReplaceDivergedRepairsIt() throws Exception {
        DnssecKey zsk = generateAndSync().get(1);
        String label = keySync.list(ZONE).get(0).keys().stream()
                .filter(k -> k.role() == KeyRole.ZSK)
                .findFirst()
                .orElseThrow()
                .label();
        StrayKeys.replaceKeyPair(spec(DC3), label, zsk.fingerprint().bytes());

        SyncResult refused = keySync.sync(ZONE, Optional.empty(), false);
        assertThat(refused.actions()).isEmpty();
        assertThat(refused.refused()).singleElement().satisfies(c -> {
            assertThat(c.hsm()).isEqualTo(DC3);
            assertThat(c.status()).isEqualTo(KeyStatus.DIFFERENT_PUBLIC_KEY);
            assertThat(c.fix()).contains("--replace-diverged");
        });
        assertThat(refused.after().keySynced()).isFalse();

        SyncResult repaired = keySync.sync(ZONE, Optional.of(DC1), true);
        assertThat(repaired.actions()).anyMatch(a -> a.startsWith("destroyed")).anyMatch(a -> a.startsWith("copied"));
        assertThat(repaired.after().keySynced()).isTrue();
        assertThat(keySync.verify(ZONE).keySynced()).isTrue();
    }

    @Test
    void aPrivateKeyThatDoesNotMatchItsPublicKeyIsCaughtByTheProof() throws Exception {
        DnssecKey zsk = generateAndSync().get(1);
        StrayKeys.replacePrivateKeyOnly(
                spec(DC2),
                "tandem:example.test.:ZSK:13:" + zsk.keyTag(),
                zsk.fingerprint().bytes());

        KeySetReport report = keySync.verify(ZONE);

        assertThat(report.problems()).singleElement().satisfies(c -> {
            assertThat(c.hsm()).isEqualTo(DC2);
            assertThat(c.status()).isEqualTo(KeyStatus.PRIVATE_KEY_MISMATCH);
            assertThat(c.keyTag()).isEqualTo(zsk.keyTag());
        });
        assertThat(keySync.sync(ZONE, Optional.empty(), true).after().keySynced())
                .isTrue();
    }

    @Test
    void aMissingKeyIsReportedAndSyncCopiesItBack() throws Exception {
        DnssecKey ksk = generateAndSync().get(0);
        StrayKeys.remove(spec(DC2), ksk.fingerprint().bytes());

        KeySetReport report = keySync.verify(ZONE);
        assertThat(report.problems()).singleElement().satisfies(c -> {
            assertThat(c.hsm()).isEqualTo(DC2);
            assertThat(c.role()).isEqualTo(KeyRole.KSK);
            assertThat(c.status()).isEqualTo(KeyStatus.MISSING);
        });

        SyncResult sync = keySync.sync(ZONE, Optional.empty(), false);
        assertThat(sync.actions()).singleElement().asString().contains("copied KSK", "to dc2-hsm1");
        assertThat(sync.after().keySynced()).isTrue();
    }

    @Test
    void anUnexpectedExtraKeyIsReportedLeftAloneAndDeletableOnlyWhenNotLive() throws Exception {
        List<DnssecKey> keys = generateAndSync();
        try (Pkcs11Hsm dc2 = Pkcs11Hsm.open(spec(DC2))) {
            // a key that went into the HSM behind the manifest's back
            dc2.generate(new KeySpec(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
        }

        KeySetReport report = keySync.verify(ZONE);
        KeyCheck extra = report.problems().stream()
                .filter(c -> c.status() == KeyStatus.UNEXPECTED_EXTRA_KEY)
                .findFirst()
                .orElseThrow();
        assertThat(extra.hsm()).isEqualTo(DC2);
        assertThat(extra.detail()).contains("not in the manifest");
        assertThat(keySync.sync(ZONE, Optional.empty(), false).refused()).contains(extra);

        assertThatThrownBy(() -> keySync.delete(ZONE, DC2, keys.get(1).fingerprint()))
                .hasMessageContaining("refusing to delete")
                .hasMessageContaining("rollover");
        keySync.delete(ZONE, DC2, extra.found().orElseThrow());
        assertThat(keySync.verify(ZONE).keySynced()).isTrue();
    }

    @Test
    void aDeletedKeyIsDestroyedOnEveryHsmWhileAStrayKeyStaysAProblemAndIsNotTouched() throws Exception {
        List<DnssecKey> keys = generateAndSync();
        DnssecKey zsk = keys.get(1);
        DnssecKey stray;
        try (Pkcs11Hsm dc2 = Pkcs11Hsm.open(spec(DC2))) {
            stray = dc2.generate(new KeySpec(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256))
                    .publicKey()
                    .orElseThrow();
        }
        ZoneKeySet m = keySync.manifest(ZONE);
        ZoneKeySet removed = m.withState(zsk.fingerprint(), KeyState.GENERATED, KeyState.REMOVED, Instant.now());
        keySync.update(m, removed, "test: rolled out");
        assertThat(keySync.destroyDeleted(ZONE))
                .as("REMOVED is not the deletion mark: nothing is destroyed")
                .isEmpty();
        assertThat(held(zsk)).containsExactly(DC1, DC2, DC3);

        m = keySync.manifest(ZONE);
        keySync.update(m, m.withState(zsk.fingerprint(), KeyState.REMOVED, KeyState.DELETED, Instant.now()), "test");
        List<Destruction> done = keySync.destroyDeleted(ZONE);

        assertThat(done)
                .extracting(Destruction::hsm, Destruction::result)
                .containsExactly(
                        tuple(DC1, Destruction.Result.DESTROYED),
                        tuple(DC2, Destruction.Result.DESTROYED),
                        tuple(DC3, Destruction.Result.DESTROYED));
        assertThat(held(zsk)).isEmpty();
        assertThat(held(stray)).as("the stray key is never touched").containsExactly(DC2);
        assertThat(held(keys.get(0))).containsExactly(DC1, DC2, DC3);
        assertThat(keySync.destroyDeleted(ZONE))
                .as("idempotent")
                .extracting(Destruction::result)
                .containsOnly(Destruction.Result.NOT_HELD);
        // the DELETED key is neither required nor an extra; the stray key stays a problem
        ZoneKeySet after = keySync.manifest(ZONE);
        KeySetReport report = keySync.verify(ZONE);
        assertThat(report.problemsForSigning(after)).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(KeyStatus.UNEXPECTED_EXTRA_KEY);
            assertThat(c.found()).contains(stray.fingerprint());
            assertThat(c.detail()).contains("not in the manifest");
        });
        String log = Files.readString(audit.file());
        assertThat(log).contains("DELETED in the manifest", zsk.fingerprint().hex(), "test@it keysync");
        assertThat(AuditChain.verify(audit.file()).intact()).isTrue();
        // the live KSK stays refused by the same deletion path
        assertThatThrownBy(() -> keySync.delete(ZONE, DC1, keys.get(0).fingerprint()))
                .hasMessageContaining("refusing to delete");
    }

    /** The HSMs that hold the key. */
    private List<HsmId> held(DnssecKey key) {
        return keySync.list(ZONE).stream()
                .filter(l -> l.keys().stream()
                        .anyMatch(k -> k.fingerprint()
                                .filter(key.fingerprint()::equals)
                                .isPresent()))
                .map(HsmListing::hsm)
                .toList();
    }

    @Test
    void concurrentGeneratorsBothLandInTheManifestThroughCompareAndSet() throws Exception {
        String root = "/cas-" + System.nanoTime();
        KeySync a = newKeySync(root);
        KeySync b = newKeySync(root);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Callable<DnssecKey>> jobs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                jobs.add(() -> a.generate(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256, DC1));
                jobs.add(() -> b.generate(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256, DC2));
            }
            List<DnssecKey> made = new ArrayList<>();
            for (Future<DnssecKey> f : pool.invokeAll(jobs)) {
                made.add(f.get());
            }
            assertThat(a.manifest(ZONE).entries())
                    .extracting(ZoneKeySetEntryKey::of)
                    .containsExactlyInAnyOrderElementsOf(made);
            assertThat(a.manifest(ZONE).version()).isEqualTo(5);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void syncRefusesHsmsThatDoNotShareTheClusterKek() throws Exception {
        keySync.generate(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256, DC1);
        try (Pkcs11Hsm dc3 = Pkcs11Hsm.open(spec(DC3))) {
            StrayKeys.remove(spec(DC3), Pkcs11Hsm.KEK_LABEL.getBytes(StandardCharsets.US_ASCII));
            assertThat(dc3.kekCheckValue()).isEmpty();
        }
        assertThatThrownBy(() -> keySync.sync(ZONE, Optional.empty(), false))
                .isInstanceOf(KekMismatchException.class)
                .hasMessageContaining("dc2-hsm2")
                .hasMessageContaining("kek enrol");
    }

    /** Extracts the key of a manifest entry, for AssertJ. */
    private static final class ZoneKeySetEntryKey {
        static DnssecKey of(ZoneKeySet.Entry e) {
            return e.key();
        }
    }
}
