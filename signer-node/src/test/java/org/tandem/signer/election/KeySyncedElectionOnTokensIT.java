package org.tandem.signer.election;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.KeySync;
import org.tandem.keysync.audit.AuditLog;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ZooKeeperManifestStore;
import org.tandem.keysync.proof.KeySetVerifier;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;

/**
 * The election with the real check: each node proves with {@link ProvenKeySetCheck} on its own
 * SoftHSM2 token against the manifest in ZooKeeper.
 */
class KeySyncedElectionOnTokensIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    private static final ZoneName ZONE = ZoneName.of("example.test");
    private static final HsmId DC1 = new HsmId("dc1-hsm1");
    private static final HsmId DC2 = new HsmId("dc2-hsm1");
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** One root per test: the ZooKeeper server is shared by the tests of the class. */
    private final String root = "/it-tokens-" + Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final Clock clock = Clock.systemUTC();
    private Pkcs11Hsm hsm1;
    private Pkcs11Hsm hsm2;
    private ZooKeeperManifestStore store;
    private KeySync keySync;
    private DnssecKey zsk;

    @BeforeEach
    void twoTokensKeySyncedForOneZone() throws Exception {
        SoftHsmTokens tokens = SoftHsmTokens.shared();
        hsm1 = Pkcs11Hsm.open(tokens.allocate(DC1.name()));
        open.add(hsm1);
        hsm2 = Pkcs11Hsm.open(tokens.allocate(DC2.name()));
        open.add(hsm2);
        store = ZooKeeperManifestStore.connect(ZK.clientSettings(), root, Duration.ofSeconds(10));
        open.add(store);
        AuditLog audit = AuditLog.open(dir.resolve("audit.jsonl"), clock);
        keySync = new KeySync(
                List.of(hsm1, hsm2),
                store,
                audit,
                clock,
                "test@election-it",
                new KeySetVerifier(clock, new SecureRandom()));
        keySync.kekInit(DC1);
        keySync.kekEnrol(DC1, DC2);
        keySync.generate(ZONE, KeyRole.KSK, Algorithm.ECDSAP256SHA256, DC1);
        zsk = keySync.generate(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256, DC1);
        assertThat(keySync.sync(ZONE, Optional.empty(), false).after().keySynced())
                .isTrue();
        // proven on both tokens: published, as the cluster's leader would promote them
        for (var e : keySync.manifest(ZONE).pendingReplication()) {
            assertThat(keySync.promote(ZONE, e.key().fingerprint(), "both tokens"))
                    .isTrue();
        }
    }

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private ElectionNode node(String name, Pkcs11Hsm hsm) {
        ProvenKeySetCheck check = new ProvenKeySetCheck(
                store, List.of(hsm), new KeySetVerifier(clock, new SecureRandom()), () -> List.of(ZONE), clock);
        ElectionNode n = new ElectionNode(ZK.connectString(), root, name, check, Duration.ofSeconds(20));
        open.add(n);
        return n;
    }

    @Test
    void aNodeWhoseHsmLacksAKeyNeverLeadsEvenWhenItIsTheOnlyOneLeftAndSaysWhy() throws Exception {
        ElectionNode a = node("node-a", hsm1).start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        ElectionNode b = node("node-b", hsm2).start();
        TestTiming.until(
                WAIT,
                "node-b is a key-synced candidate",
                () -> b.election.state().role() == ElectionRole.CANDIDATE);

        // The token in dc2 loses the ZSK (re-initialised slot, a botched rollover)
        HsmKey lost = hsm2.list(ZONE).stream()
                .filter(k -> k.role() == KeyRole.ZSK)
                .findFirst()
                .orElseThrow();
        hsm2.delete(lost.ref());
        TestTiming.until(
                WAIT, "node-b leaves the election", () -> b.election.state().role() == ElectionRole.OUT);
        a.close(); // node-b is now the only node left

        Instant outSince = b.election.state().lastCheck().orElseThrow().checkedAt();
        TestTiming.until(
                WAIT,
                "node-b re-checked after node-a left",
                () -> b.election
                        .state()
                        .lastCheck()
                        .map(v -> v.checkedAt().isAfter(outSince.plusSeconds(1)))
                        .orElse(false));
        assertThat(b.listener.gains()).isEmpty();
        ElectionState state = b.election.state();
        assertThat(state.role()).isEqualTo(ElectionRole.OUT);
        assertThat(state.reason())
                .contains(
                        "zone example.test.",
                        "ZSK",
                        String.valueOf(zsk.keyTag().value()),
                        zsk.fingerprint().shortHex(),
                        "dc2-hsm1",
                        "missing");
        assertThat(b.ledger.currentEpoch()).as("nobody led after node-a").isEqualTo(1);

        // repaired from dc1 (the manifest's key, proven again): now it may lead
        assertThat(keySync.sync(ZONE, Optional.empty(), false).after().keySynced())
                .isTrue();
        TestTiming.until(WAIT, "node-b leads once its HSM holds every key", b::leads);
        assertThat(b.leadership().epoch()).isEqualTo(2);
    }

    @Test
    void aNodeLackingOnlyAGeneratedKeyStaysEligibleAndNamesTheKeyPending() throws Exception {
        // a new ZSK generated in dc1 only: GENERATED, not replicated to dc2 yet
        DnssecKey fresh = keySync.generate(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256, DC1);
        ElectionNode b = node("node-b", hsm2).start();
        TestTiming.until(WAIT, "node-b leads", b::leads);

        KeySyncVerdict v = b.election.state().lastCheck().orElseThrow();
        assertThat(v.synced()).isTrue();
        assertThat(v.pending())
                .singleElement()
                .satisfies(line -> assertThat(line)
                        .contains(
                                "zone example.test.",
                                "ZSK " + fresh.keyTag(),
                                fresh.fingerprint().shortHex(),
                                "dc2-hsm1",
                                "missing",
                                "pending replication"));

        // holding it is not an extra key either: the node in dc1 holds it and leads too, once alone
        b.close();
        ElectionNode a = node("node-a", hsm1).start();
        TestTiming.until(WAIT, "node-a leads", a::leads);
        assertThat(a.election.state().lastCheck().orElseThrow().pending()).isEmpty();
        assertThat(a.election.state().lastCheck().orElseThrow().problems()).isEmpty();
    }
}
