package org.tandem.keysync.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.grpc.TokenSurgery.Half;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.hsm.TransportKey;
import org.tandem.keysync.hsm.WrappedKey;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyProtos;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.VersionedManifest;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.manifest.ZooKeeperManifestStore;
import org.tandem.keysync.proof.KeySetReport;
import org.tandem.keysync.proof.KeySetVerifier;
import org.tandem.keysync.proof.KeyStatus;
import org.tandem.keysync.proof.PossessionProof;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.keysync.testing.TestPki;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.keysync.testing.ZooKeeperFixture;
import org.tandem.proto.keysync.v1.BeginKekEnrolmentRequest;
import org.tandem.proto.keysync.v1.CompleteKekEnrolmentRequest;
import org.tandem.proto.keysync.v1.ExportKekRequest;
import org.tandem.proto.keysync.v1.ExportWrappedKeyRequest;
import org.tandem.proto.keysync.v1.GenerateKeyRequest;
import org.tandem.proto.keysync.v1.GenerateKeyResponse;
import org.tandem.proto.keysync.v1.GetKekStatusRequest;
import org.tandem.proto.keysync.v1.HsmKeyProof;
import org.tandem.proto.keysync.v1.ImportWrappedKeyRequest;
import org.tandem.proto.keysync.v1.ImportWrappedKeyResponse;
import org.tandem.proto.keysync.v1.InitKekRequest;
import org.tandem.proto.keysync.v1.InventoryRequest;
import org.tandem.proto.keysync.v1.InventoryResponse;
import org.tandem.proto.keysync.v1.KekCheckValue;
import org.tandem.proto.keysync.v1.KeySyncGrpc;
import org.tandem.proto.keysync.v1.TransportPublicKey;
import org.tandem.proto.keysync.v1.WrappedKek;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * The KeySync service and its client end to end: real SoftHSM2 tokens, real mutual-TLS servers on
 * the loopback, certificates from {@link TestPki} (the caller is the coordinator unless a test says
 * otherwise), the manifests in a real ZooKeeper. Faults are made on the tokens themselves
 * ({@link TokenSurgery}), never by faking the HSM.
 */
class KeySyncServiceIT {
    @RegisterExtension
    static final ZooKeeperFixture ZK = new ZooKeeperFixture();

    private static final ZoneName ZONE = ZoneName.of("example.test");
    private static final Duration DEADLINE = scaled(Duration.ofSeconds(20));
    private static final String CALLER = "coordinator-1";

    private final SoftHsmTokens tokens = SoftHsmTokens.shared();
    private final Clock clock = Clock.systemUTC();
    private final SecureRandom random = new SecureRandom();
    private final List<Pkcs11Hsm> hsms = new ArrayList<>();
    private final List<TestNode> nodes = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    @TempDir
    Path dir;

    private TestPki cluster;
    private ZooKeeperManifestStore store;

    /** A KSK and a ZSK of {@link #ZONE}. */
    record Keys(DnssecKey ksk, DnssecKey zsk) {}

    @BeforeEach
    void createPkiAndStore() throws Exception {
        cluster = TestPki.create(dir.resolve("cluster-pki"), "tandem-cluster-ca");
        store = ZooKeeperManifestStore.connect(ZK.clientSettings(), "/it-" + System.nanoTime(), Duration.ofSeconds(10));
    }

    @AfterEach
    void closeEverything() throws InterruptedException {
        try {
            for (ManagedChannel channel : channels) {
                channel.shutdownNow();
            }
            for (ManagedChannel channel : channels) {
                assertThat(channel.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            Collections.reverse(nodes);
            nodes.forEach(TestNode::close);
            hsms.forEach(Pkcs11Hsm::close);
            store.close();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // (a) to (c): the remote verdict, equal to the local one

    @Test
    void remoteVerdictIsKeySyncedWhenBothTokensHoldTheSameProvenKeys() throws Exception {
        Pkcs11Hsm a = open("dc1-hsm1");
        Pkcs11Hsm b = open("dc1-hsm2");
        Keys keys = syncedKeys(a, b);
        TestNode node = node("dc1-signer1", a, b);
        ZoneKeySet manifest = manifest(keys.ksk(), keys.zsk());

        KeySetReport report = RemoteKeySet.verify(client(node), manifest, nonce(), clock, DEADLINE);

        assertThat(report.keySynced()).as("%s", report.problems()).isTrue();
        assertThat(report.hsms()).containsExactly(new HsmId("dc1-hsm1"), new HsmId("dc1-hsm2"));
        assertThat(report.checks())
                .hasSize(4)
                .allSatisfy(c -> assertThat(c.status()).isEqualTo(KeyStatus.OK));
        assertThat(report.checks()).isEqualTo(local(manifest, a, b).checks());
        List<JsonNode> audit = node.audit();
        assertThat(audit).singleElement().satisfies(line -> {
            assertThat(line.get("op").asText()).isEqualTo("VERIFY");
            assertThat(line.get("outcome").asText()).isEqualTo("OK");
            assertThat(line.get("zone").asText()).isEqualTo("example.test.");
            assertThat(line.get("actor").asText()).contains("caller=" + CALLER).contains("Inventory");
        });
    }

    @Test
    void remoteVerdictNamesTheHsmWhoseZskWasReplacedByAnotherPairWithTheSameLabelAndId() throws Exception {
        HsmSpec specB = tokens.allocate("dc1-hsm2");
        Pkcs11Hsm a = open("dc1-hsm1");
        Pkcs11Hsm b = open(specB);
        Keys keys = syncedKeys(a, b);
        DnssecKey zsk = keys.zsk();
        String label = held(b, zsk).label();
        // DENIC 2026: a rollover agent deletes the ZSK on one HSM and makes another pair in its name.
        b.delete(held(b, zsk).ref());
        DnssecKey stray = newZsk(b);
        disguise(specB, stray, label, zsk);
        TestNode node = node("dc1-signer1", a, b);
        ZoneKeySet manifest = manifest(keys.ksk(), zsk);

        KeySetReport report = RemoteKeySet.verify(client(node), manifest, nonce(), clock, DEADLINE);

        assertThat(report.keySynced()).isFalse();
        assertThat(report.keySynced(new HsmId("dc1-hsm1"))).isTrue();
        assertThat(report.problems()).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(KeyStatus.DIFFERENT_PUBLIC_KEY);
            assertThat(c.hsm()).isEqualTo(new HsmId("dc1-hsm2"));
            assertThat(c.role()).isEqualTo(KeyRole.ZSK);
            assertThat(c.keyTag()).isEqualTo(zsk.keyTag());
            assertThat(c.fingerprint()).contains(zsk.fingerprint());
            assertThat(c.found()).contains(stray.fingerprint());
            assertThat(c.describe())
                    .contains(
                            "dc1-hsm2", "ZSK " + zsk.keyTag(), zsk.fingerprint().shortHex());
        });
        assertThat(report.checks()).isEqualTo(local(manifest, a, b).checks());
    }

    @Test
    void remoteVerdictIsPrivateKeyMismatchWhenOnlyThePrivateObjectWasReplaced() throws Exception {
        HsmSpec specB = tokens.allocate("dc1-hsm2");
        Pkcs11Hsm a = open("dc1-hsm1");
        Pkcs11Hsm b = open(specB);
        Keys keys = syncedKeys(a, b);
        DnssecKey zsk = keys.zsk();
        String label = held(b, zsk).label();
        // The public object still matches the manifest; the private object beside it is another key.
        DnssecKey other = newZsk(b);
        assertThat(TokenSurgery.destroy(specB, Half.PRIVATE, zsk.fingerprint().bytes()))
                .isEqualTo(1);
        assertThat(TokenSurgery.destroy(specB, Half.PUBLIC, other.fingerprint().bytes()))
                .isEqualTo(1);
        assertThat(TokenSurgery.relabel(
                        specB,
                        Half.PRIVATE,
                        other.fingerprint().bytes(),
                        label,
                        zsk.fingerprint().bytes()))
                .isEqualTo(1);
        TestNode node = node("dc1-signer1", a, b);
        ZoneKeySet manifest = manifest(keys.ksk(), zsk);

        KeySetReport report = RemoteKeySet.verify(client(node), manifest, nonce(), clock, DEADLINE);

        assertThat(report.problems()).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(KeyStatus.PRIVATE_KEY_MISMATCH);
            assertThat(c.hsm()).isEqualTo(new HsmId("dc1-hsm2"));
            assertThat(c.role()).isEqualTo(KeyRole.ZSK);
            assertThat(c.keyTag()).isEqualTo(zsk.keyTag());
        });
        assertThat(report.checks()).isEqualTo(local(manifest, a, b).checks());
    }

    @Test
    void remoteVerdictReportsAnUnreadableHsmAndStillJudgesTheOthers() throws Exception {
        Pkcs11Hsm a = open("dc1-hsm1");
        Pkcs11Hsm b = open("dc1-hsm2");
        Keys keys = syncedKeys(a, b);
        TestNode node = node("dc1-signer1", a, b);
        b.close(); // the token is gone while the node runs

        KeySetReport report =
                RemoteKeySet.verify(client(node), manifest(keys.ksk(), keys.zsk()), nonce(), clock, DEADLINE);

        assertThat(report.keySynced(new HsmId("dc1-hsm1"))).isTrue();
        assertThat(report.on(new HsmId("dc1-hsm2")))
                .hasSize(2)
                .allSatisfy(c -> assertThat(c.status()).isEqualTo(KeyStatus.HSM_ERROR))
                .allSatisfy(c -> assertThat(c.detail()).contains("dc1-hsm2"));
        assertThat(node.audit())
                .singleElement()
                .satisfies(line -> assertThat(line.get("outcome").asText()).isEqualTo("FAILED"));
    }

    @Test
    void remoteVerdictReportsAKeyWithoutPublicObjectAsTheLocalVerifierDoes() throws Exception {
        HsmSpec specB = tokens.allocate("dc1-hsm2");
        Pkcs11Hsm a = open("dc1-hsm1");
        Pkcs11Hsm b = open(specB);
        Keys keys = syncedKeys(a, b);
        assertThat(TokenSurgery.destroy(
                        specB, Half.PUBLIC, keys.ksk().fingerprint().bytes()))
                .isEqualTo(1);
        TestNode node = node("dc1-signer1", a, b);
        ZoneKeySet manifest = manifest(keys.ksk(), keys.zsk());

        KeySetReport report = RemoteKeySet.verify(client(node), manifest, nonce(), clock, DEADLINE);

        assertThat(report.problems()).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(KeyStatus.DIFFERENT_PUBLIC_KEY);
            assertThat(c.role()).isEqualTo(KeyRole.KSK);
            assertThat(c.detail()).contains("no public-key object");
        });
        assertThat(report.checks()).isEqualTo(local(manifest, a, b).checks());
    }

    // ---------------------------------------------------------------------------------------------
    // (d), (e): moving a key between nodes

    @Test
    void exportFromOneNodeImportsProvenIntoAnotherAndASecondImportAddsNothing() throws Exception {
        TwoSites sites = twoEnrolledSitesWithPublishedKeys();
        HsmSpec spec2 = sites.spec2();
        DnssecKey zsk = sites.keys().zsk();
        TestNode node1 = sites.node1();
        TestNode node2 = sites.node2();

        WrappedKey wrapped = RemoteKeySet.export(client(node1), ZONE, zsk.fingerprint(), DEADLINE);
        assertThat(wrapped.key()).isEqualTo(zsk);

        byte[] nonce = nonce();
        ImportWrappedKeyResponse first = client(node2)
                .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .importWrappedKey(ImportWrappedKeyRequest.newBuilder()
                        .setWrapped(WrappedKeys.toProto(wrapped))
                        .setNonce(ByteString.copyFrom(nonce))
                        .build());
        assertThat(first.getHsmsList()).containsExactly("dc2-hsm1");
        RRSIGRecord proof = (RRSIGRecord)
                Record.fromWire(first.getImported(0).getProofRrsig().toByteArray(), Section.ANSWER);
        assertThat(PossessionProof.verify(zsk, nonce, proof, clock)).isEmpty();

        List<HsmId> again = RemoteKeySet.importKey(client(node2), wrapped, Optional.empty(), nonce(), clock, DEADLINE);

        assertThat(again).containsExactly(new HsmId("dc2-hsm1"));
        assertThat(TokenSurgery.count(spec2, Half.PRIVATE, zsk.fingerprint().bytes()))
                .isEqualTo(1);
        assertThat(TokenSurgery.count(spec2, Half.PUBLIC, zsk.fingerprint().bytes()))
                .isEqualTo(1);
        assertThat(RemoteKeySet.verify(client(node2), manifest(zsk), nonce(), clock, DEADLINE)
                        .keySynced())
                .isTrue();
        assertThat(node1.audit()).singleElement().satisfies(line -> {
            assertThat(line.get("op").asText()).isEqualTo("WRAP");
            assertThat(line.get("outcome").asText()).isEqualTo("OK");
            assertThat(line.get("fp").asText()).isEqualTo(zsk.fingerprint().hex());
            assertThat(line.get("actor").asText()).contains("caller=" + CALLER);
        });
        List<JsonNode> unwraps = node2.audit().stream()
                .filter(l -> l.get("op").asText().equals("UNWRAP"))
                .toList();
        assertThat(unwraps).hasSize(2).allSatisfy(line -> {
            assertThat(line.get("outcome").asText()).isEqualTo("OK");
            assertThat(line.get("hsm").asText()).isEqualTo("dc2-hsm1");
            assertThat(line.get("tag").asInt()).isEqualTo(zsk.keyTag().value());
        });
        assertThat(unwraps.get(1).get("detail").asText()).contains("already held");
    }

    @Test
    void importsOfOneKeyArrivingTogetherLeaveOneKeyPairAndAllProveIt() throws Exception {
        TwoSites sites = twoEnrolledSitesWithPublishedKeys();
        HsmSpec spec2 = sites.spec2();
        DnssecKey zsk = sites.keys().zsk();
        TestNode node1 = sites.node1();
        TestNode node2 = sites.node2();
        WrappedKey wrapped = RemoteKeySet.export(client(node1), ZONE, zsk.fingerprint(), DEADLINE);

        // the leader's replicator and an operator's keys sync, at the same moment
        int callers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<HsmId>>> imports = new ArrayList<>();
        try {
            for (int i = 0; i < callers; i++) {
                KeySyncGrpc.KeySyncBlockingStub caller = client(node2);
                byte[] nonce = nonce();
                imports.add(pool.submit(() -> {
                    start.await();
                    return RemoteKeySet.importKey(caller, wrapped, Optional.empty(), nonce, clock, DEADLINE);
                }));
            }
            start.countDown();
            for (Future<List<HsmId>> each : imports) {
                assertThat(each.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)).containsExactly(new HsmId("dc2-hsm1"));
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(TokenSurgery.count(spec2, Half.PRIVATE, zsk.fingerprint().bytes()))
                .isEqualTo(1);
        assertThat(TokenSurgery.count(spec2, Half.PUBLIC, zsk.fingerprint().bytes()))
                .isEqualTo(1);
        assertThat(RemoteKeySet.verify(client(node2), manifest(zsk), nonce(), clock, DEADLINE)
                        .keySynced())
                .isTrue();
        List<JsonNode> unwraps = node2.audit().stream()
                .filter(l -> l.get("op").asText().equals("UNWRAP"))
                .toList();
        assertThat(unwraps)
                .hasSize(callers)
                .allSatisfy(line -> assertThat(line.get("outcome").asText()).isEqualTo("OK"));
        assertThat(unwraps.stream().filter(l -> l.get("detail").asText().contains("already held")))
                .hasSize(callers - 1);
    }

    @Test
    void importIntoAnHsmWithAnotherKekIsAFailedPreconditionAndAddsNothing() throws Exception {
        Pkcs11Hsm hsm1 = open("dc1-hsm1");
        Pkcs11Hsm hsm2 = open("dc2-hsm1");
        Keys keys = syncedKeys(hsm1);
        hsm2.generateKek(); // a second cluster, or an HSM never enrolled: another KEK
        publish(keys.ksk(), keys.zsk());
        TestNode node1 = node("dc1-signer1", hsm1);
        TestNode node2 = node("dc2-signer1", hsm2);
        WrappedKey wrapped = RemoteKeySet.export(client(node1), ZONE, keys.zsk().fingerprint(), DEADLINE);

        assertThatThrownBy(() ->
                        RemoteKeySet.importKey(client(node2), wrapped, Optional.empty(), nonce(), clock, DEADLINE))
                .isInstanceOfSatisfying(RemoteCallException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.reason()).isEqualTo("KEK_MISMATCH");
                    assertThat(e.metadata()).containsEntry("hsm", "dc2-hsm1");
                    assertThat(e.getMessage())
                            .contains(
                                    "KEK differs",
                                    "dc2-hsm1",
                                    "ZSK " + keys.zsk().keyTag(),
                                    keys.zsk().fingerprint().hex(),
                                    "example.test.");
                });
        assertThat(hsm2.list(ZONE)).isEmpty();
        assertOnlyAuditLine(node2, "UNWRAP", "REFUSED");
    }

    @Test
    void importIsRefusedWhenAnotherKeyClaimsTheIdentityOnTheHsm() throws Exception {
        ImportEnds ends = importEnds();
        DnssecKey zsk = ends.keys().zsk();
        DnssecKey stray = newZsk(ends.hsm2());
        disguise(ends.spec2(), stray, held(ends.hsm1(), zsk).label(), zsk);
        publish(ends.keys().ksk(), zsk);
        TestNode node1 = node("dc1-signer1", ends.hsm1());
        TestNode node2 = node("dc2-signer1", ends.hsm2());
        WrappedKey wrapped = RemoteKeySet.export(client(node1), ZONE, zsk.fingerprint(), DEADLINE);

        assertThatThrownBy(() -> RemoteKeySet.importKey(
                        client(node2), wrapped, Optional.of(new HsmId("dc2-hsm1")), nonce(), clock, DEADLINE))
                .isInstanceOfSatisfying(RemoteCallException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.ALREADY_EXISTS);
                    assertThat(e.getMessage())
                            .contains(
                                    "dc2-hsm1",
                                    "ZSK " + zsk.keyTag(),
                                    zsk.fingerprint().hex(),
                                    stray.fingerprint().hex());
                });
        assertThat(TokenSurgery.count(
                        ends.spec2(), Half.PRIVATE, zsk.fingerprint().bytes()))
                .isEqualTo(1);
        assertThat(ends.hsm2().list(ZONE))
                .singleElement()
                .satisfies(k -> assertThat(k.fingerprint()).contains(stray.fingerprint()));
    }

    @Test
    void importWhoseProofFailsDestroysTheObjectItJustAdded() throws Exception {
        ExportedZsk exported = exportedZsk();
        ImportEnds ends = exported.ends();
        TestNode node2 = exported.node2();
        WrappedKey zskBlob = exported.zsk();
        // A consistent descriptor (the KSK's) around the ZSK's private key: only the proof can tell.
        WrappedKey mislabelled =
                new WrappedKey(ends.keys().ksk(), zskBlob.mechanism(), zskBlob.blob(), zskBlob.kekCheckValue());

        assertStatus(
                () -> importRaw(
                        node2, ImportWrappedKeyRequest.newBuilder().setWrapped(WrappedKeys.toProto(mislabelled))),
                Status.Code.FAILED_PRECONDITION,
                "proof failed",
                "destroyed",
                "dc2-hsm1",
                "KSK " + ends.keys().ksk().keyTag(),
                ends.keys().ksk().fingerprint().hex());
        ends.holdsNothingOf(ends.keys().ksk());
        assertThat(node2.audit())
                .extracting(l -> l.get("op").asText() + " " + l.get("outcome").asText())
                .containsExactly("DELETE OK", "UNWRAP FAILED");
    }

    @Test
    void importOfADescriptorThatNamesAnotherManifestKeyIsRefusedAndAddsNothing() throws Exception {
        ExportedZsk exported = exportedZsk();
        ImportEnds ends = exported.ends();
        TestNode node2 = exported.node2();
        WrappedKey wrapped = exported.zsk();
        var lying = WrappedKeys.toProto(wrapped).toBuilder();
        lying.getKeyBuilder()
                .setFingerprint(
                        ByteString.copyFrom(ends.keys().ksk().fingerprint().bytes()));

        assertStatus(
                () -> importRaw(node2, ImportWrappedKeyRequest.newBuilder().setWrapped(lying)),
                Status.Code.FAILED_PRECONDITION,
                "not in the manifest as described",
                "KSK " + ends.keys().ksk().keyTag(),
                "role ZSK",
                "another public key",
                "nothing imported");
        ends.holdsNothingOf(ends.keys().zsk(), ends.keys().ksk());
        assertOnlyAuditLine(node2, "UNWRAP", "REFUSED");
    }

    @Test
    void importOfAManifestKeyWhoseDescriptorClaimsAnotherRoleIsRefusedAuditedAndAddsNothing() throws Exception {
        ExportedZsk exported = exportedZsk();
        ImportEnds ends = exported.ends();
        TestNode node2 = exported.node2();
        WrappedKey wrapped = exported.zsk();
        // The ZSK's fingerprint, public key and blob, but the descriptor says KSK: it would be
        // imported under a KSK label and signed with as a KSK if the descriptor were believed.
        var relabelled = WrappedKeys.toProto(wrapped).toBuilder();
        relabelled
                .getKeyBuilder()
                .setRole(org.tandem.proto.keysync.v1.KeyRole.KSK)
                .setFlags(KeyRole.KSK.flags());

        assertStatus(
                () -> importRaw(node2, ImportWrappedKeyRequest.newBuilder().setWrapped(relabelled)),
                Status.Code.FAILED_PRECONDITION,
                "zone example.test.",
                "ZSK " + ends.keys().zsk().keyTag(),
                ends.keys().zsk().fingerprint().hex(),
                "role KSK",
                "not in the manifest as described",
                "nothing imported");
        ends.holdsNothingOf(ends.keys().zsk());
        assertThat(node2.audit()).singleElement().satisfies(line -> {
            assertThat(line.get("op").asText()).isEqualTo("UNWRAP");
            assertThat(line.get("outcome").asText()).isEqualTo("REFUSED");
            assertThat(line.get("fp").asText())
                    .isEqualTo(ends.keys().zsk().fingerprint().hex());
            assertThat(line.get("detail").asText()).contains("NOT_IN_MANIFEST", "role KSK");
            assertThat(line.get("actor").asText()).contains("caller=" + CALLER);
        });
    }

    @Test
    void importOfAKeyNotInTheManifestIsRefusedAuditedWithTheCallerAndCreatesNothing() throws Exception {
        ImportEnds ends = importEnds();
        publish(ends.keys().ksk()); // the ZSK never made it into the manifest (a stray, or another cluster's key)
        TestNode node2 = node("dc2-signer1", ends.hsm2());
        WrappedKey stray = ends.hsm1().wrap(held(ends.hsm1(), ends.keys().zsk())); // a blob made outside the service

        assertThatThrownBy(
                        () -> RemoteKeySet.importKey(client(node2), stray, Optional.empty(), nonce(), clock, DEADLINE))
                .isInstanceOfSatisfying(RemoteCallException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.reason()).isEqualTo("NOT_IN_MANIFEST");
                    assertThat(e.getMessage())
                            .contains(
                                    "zone example.test.",
                                    "ZSK " + ends.keys().zsk().keyTag(),
                                    "fp " + ends.keys().zsk().fingerprint().hex(),
                                    "is not in the zone's manifest",
                                    "refused",
                                    "nothing imported");
                });
        ends.holdsNothingOf(ends.keys().zsk());
        assertThat(node2.audit()).singleElement().satisfies(line -> {
            assertThat(line.get("op").asText()).isEqualTo("UNWRAP");
            assertThat(line.get("outcome").asText()).isEqualTo("REFUSED");
            assertThat(line.get("role").asText()).isEqualTo("ZSK");
            assertThat(line.get("fp").asText())
                    .isEqualTo(ends.keys().zsk().fingerprint().hex());
            assertThat(line.get("actor").asText()).contains("ImportWrappedKey", "caller=" + CALLER);
        });
    }

    @Test
    void exportOfAKeyTheHsmHoldsButTheManifestDoesNotListIsRefusedAndHandsOutNothing() throws Exception {
        Pkcs11Hsm hsm1 = open("dc1-hsm1");
        Keys keys = syncedKeys(hsm1);
        publish(keys.ksk());
        TestNode node1 = node("dc1-signer1", hsm1);

        assertThatThrownBy(() ->
                        RemoteKeySet.export(client(node1), ZONE, keys.zsk().fingerprint(), DEADLINE))
                .isInstanceOfSatisfying(RemoteCallException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.reason()).isEqualTo("NOT_IN_MANIFEST");
                    assertThat(e.getMessage())
                            .contains(
                                    "example.test.",
                                    keys.zsk().fingerprint().hex(),
                                    "is not in the zone's manifest",
                                    "nothing exported");
                });
        assertOnlyAuditLine(node1, "WRAP", "REFUSED");
        // a key REMOVED from the manifest stays home too
        publish(KeyState.REMOVED, keys.ksk());
        assertThatThrownBy(() ->
                        RemoteKeySet.export(client(node1), ZONE, keys.ksk().fingerprint(), DEADLINE))
                .isInstanceOfSatisfying(
                        RemoteCallException.class,
                        e -> assertThat(e.getMessage())
                                .contains("KSK " + keys.ksk().keyTag(), "is REMOVED in the zone's manifest"));
    }

    @Test
    void exportOfAManifestKeyNoHsmHoldsIsNotFound() throws Exception {
        Pkcs11Hsm hsm1 = open("dc1-hsm1");
        Keys keys = syncedKeys(hsm1);
        HsmKey gone = third(hsm1, keys);
        DnssecKey listedOnly = gone.publicKey().orElseThrow();
        publish(keys.ksk(), keys.zsk(), listedOnly);
        hsm1.delete(gone.ref()); // the manifest lists it, no HSM of this node holds it
        TestNode node1 = node("dc1-signer1", hsm1);
        Fingerprint unknown = listedOnly.fingerprint();

        assertThatThrownBy(() -> RemoteKeySet.export(client(node1), ZONE, unknown, DEADLINE))
                .isInstanceOfSatisfying(RemoteCallException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getMessage()).contains(unknown.hex(), "example.test.", "dc1-hsm1");
                });
        assertOnlyAuditLine(node1, "WRAP", "REFUSED");
    }

    // ---------------------------------------------------------------------------------------------
    // (f), (g): who may call, and what is refused

    @Test
    void clientsWithoutAClusterCertificateReachNoMethodAndLeaveNoAuditLine() throws Exception {
        Pkcs11Hsm hsm1 = open("dc1-hsm1");
        Keys keys = syncedKeys(hsm1);
        TestNode node = node("dc1-signer1", hsm1);
        TestPki rogue = TestPki.create(dir.resolve("rogue-pki"), "rogue-ca");
        TlsMaterial intruder = rogue.issue("intruder");
        ManagedChannel noCertificate = track(Grpc.newChannelBuilder(
                        node.target(),
                        TlsChannelCredentials.newBuilder()
                                .trustManager(cluster.caCertificate().toFile())
                                .build())
                .build());
        ManagedChannel otherCaOffered = track(MtlsChannels.open(
                node.target(),
                new TlsMaterial(intruder.certificateChain(), intruder.privateKey(), cluster.caCertificate())));
        ManagedChannel otherCaPresented = track(Grpc.newChannelBuilder(
                        node.target(),
                        TlsChannelCredentials.newBuilder()
                                .keyManager(PresentingKeyManager.of(intruder))
                                .trustManager(cluster.caCertificate().toFile())
                                .build())
                .build());
        WrappedKey wrapped = hsm1.wrap(held(hsm1, keys.zsk()));

        for (ManagedChannel channel : List.of(noCertificate, otherCaOffered, otherCaPresented)) {
            KeySyncGrpc.KeySyncBlockingStub stub =
                    KeySyncGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            assertRefusedByTls(() -> stub.inventory(InventoryRequest.newBuilder()
                    .setZone(ZONE.toString())
                    .setNonce(ByteString.copyFrom(nonce()))
                    .build()));
            assertRefusedByTls(() -> stub.exportWrappedKey(ExportWrappedKeyRequest.newBuilder()
                    .setZone(ZONE.toString())
                    .setFingerprint(ByteString.copyFrom(keys.zsk().fingerprint().bytes()))
                    .build()));
            assertRefusedByTls(() -> stub.importWrappedKey(ImportWrappedKeyRequest.newBuilder()
                    .setWrapped(WrappedKeys.toProto(wrapped))
                    .setNonce(ByteString.copyFrom(nonce()))
                    .build()));
        }

        assertThat(node.audit()).isEmpty();
        // control: a cluster member gets in, and is audited
        assertThat(RemoteKeySet.verify(client(node), manifest(keys.ksk(), keys.zsk()), nonce(), clock, DEADLINE)
                        .keySynced())
                .isTrue();
        assertThat(node.audit()).hasSize(1);
    }

    @Test
    void nonceOfEightBytesIsInvalidArgument() throws Exception {
        Pkcs11Hsm hsm1 = open("dc1-hsm1");
        Keys keys = syncedKeys(hsm1);
        TestNode node = node("dc1-signer1", hsm1);
        ByteString eight = ByteString.copyFrom(new byte[8]);
        WrappedKey wrapped = hsm1.wrap(held(hsm1, keys.zsk()));

        assertStatus(
                () -> client(node)
                        .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                        .inventory(InventoryRequest.newBuilder()
                                .setZone(ZONE.toString())
                                .setNonce(eight)
                                .build()),
                Status.Code.INVALID_ARGUMENT,
                "nonce",
                "got 8",
                "example.test.");
        assertStatus(
                () -> client(node)
                        .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                        .importWrappedKey(ImportWrappedKeyRequest.newBuilder()
                                .setWrapped(WrappedKeys.toProto(wrapped))
                                .setNonce(eight)
                                .build()),
                Status.Code.INVALID_ARGUMENT,
                "nonce",
                "got 8");
        assertThatThrownBy(() -> RemoteKeySet.verify(
                        client(node), manifest(keys.ksk(), keys.zsk()), new byte[8], clock, DEADLINE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nonce");
        assertThat(node.audit())
                .extracting(l -> l.get("op").asText() + " " + l.get("outcome").asText())
                .containsExactly("VERIFY REFUSED", "UNWRAP REFUSED");
    }

    @Test
    void zoneThatIsNotADomainNameIsInvalidArgumentNamingIt() throws Exception {
        TestNode node = node("dc1-signer1", open("dc1-hsm1"));

        assertStatus(
                () -> client(node)
                        .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                        .inventory(InventoryRequest.newBuilder()
                                .setZone("exa mple..test")
                                .setNonce(ByteString.copyFrom(nonce()))
                                .build()),
                Status.Code.INVALID_ARGUMENT,
                "zone 'exa mple..test'");
    }

    @Test
    void inventoryNamesTheNodeAndEveryHsmEvenWithoutKeys() throws Exception {
        TestNode node = node("dc1-signer1", open("dc1-hsm1"), open("dc1-hsm2"));

        InventoryResponse answer = client(node)
                .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .inventory(InventoryRequest.newBuilder()
                        .setZone(ZONE.toString())
                        .setNonce(ByteString.copyFrom(nonce()))
                        .build());

        assertThat(answer.getNode()).isEqualTo("dc1-signer1");
        assertThat(answer.getHsmsList()).extracting(h -> h.getHsm()).containsExactly("dc1-hsm1", "dc1-hsm2");
        assertThat(answer.getHsmsList()).allSatisfy(h -> {
            assertThat(h.getKeysList()).isEmpty();
            assertThat(h.getError()).isEmpty();
        });
    }

    @Test
    void proofOfPossessionIsAnExpiredDnssecSignatureThatVerifiesOnlyInItsPastWindow() throws Exception {
        Pkcs11Hsm hsm1 = open("dc1-hsm1");
        Keys keys = syncedKeys(hsm1);
        publish(keys.ksk(), keys.zsk());
        TestNode node = node("dc1-signer1", hsm1);
        byte[] nonce = nonce();

        InventoryResponse answer = client(node, cluster.issue("dc2-signer1", "node"))
                .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .inventory(InventoryRequest.newBuilder()
                        .setZone(ZONE.toString())
                        .setNonce(ByteString.copyFrom(nonce))
                        .build());
        HsmKeyProof zskProof = answer.getHsms(0).getKeysList().stream()
                .filter(k -> k.getKey()
                        .getFingerprint()
                        .equals(ByteString.copyFrom(keys.zsk().fingerprint().bytes())))
                .findFirst()
                .orElseThrow();
        RRSIGRecord proof =
                (RRSIGRecord) Record.fromWire(zskProof.getProofRrsig().toByteArray(), Section.ANSWER);
        RRset signed = PossessionProof.proofRrset(ZONE, nonce);
        Instant now = Instant.now();

        // replayed as a signature of the zone's _tandem-proof TXT RRset, every validator finds it expired
        assertThat(proof.getExpire()).isBefore(now);
        assertThatThrownBy(() -> DNSSEC.verify(signed, proof, keys.zsk().dnskey(0), now))
                .isInstanceOf(DNSSEC.SignatureExpiredException.class);
        // the proof itself holds: checked at the fixed instant inside its window, with the nonce
        DNSSEC.verify(signed, proof, keys.zsk().dnskey(0), proof.getTimeSigned().plus(Duration.ofMinutes(30)));
        assertThat(PossessionProof.verify(keys.zsk(), nonce, proof, clock)).isEmpty();
        assertThat(PossessionProof.verify(keys.zsk(), nonce(), proof, clock)).isPresent();
        // and only peers and the coordinator get one: an operator certificate does not
        assertStatus(
                () -> client(node, cluster.issue("alice", "operator"))
                        .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                        .inventory(InventoryRequest.newBuilder()
                                .setZone(ZONE.toString())
                                .setNonce(ByteString.copyFrom(nonce()))
                                .build()),
                Status.Code.PERMISSION_DENIED,
                "caller alice",
                "roles [OPERATOR]",
                "KeySync/Inventory");
    }

    // ---------------------------------------------------------------------------------------------
    // who may call what: the roles in the certificate's OU

    @Test
    void certificateWithoutARoleOrWithOperatorOnlyIsDeniedEveryKeyMethodAndEachDenialIsAudited() throws Exception {
        HsmSpec spec1 = tokens.allocate("dc1-hsm1");
        Pkcs11Hsm hsm1 = open(spec1);
        Keys keys = syncedKeys(hsm1);
        publish(keys.ksk(), keys.zsk());
        TestNode node = node("dc1-signer1", hsm1);
        WrappedKey wrapped = hsm1.wrap(held(hsm1, keys.zsk()));
        KeySyncGrpc.KeySyncBlockingStub monitor =
                client(node, cluster.issue("monitor")).withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);

        assertStatus(
                () -> monitor.inventory(InventoryRequest.newBuilder()
                        .setZone(ZONE.toString())
                        .setNonce(ByteString.copyFrom(nonce()))
                        .build()),
                Status.Code.PERMISSION_DENIED,
                "caller monitor",
                "roles []",
                "tandem.keysync.v1.KeySync/Inventory",
                "OU=coordinator or OU=node");
        assertStatus(
                () -> monitor.exportWrappedKey(ExportWrappedKeyRequest.newBuilder()
                        .setZone(ZONE.toString())
                        .setFingerprint(
                                ByteString.copyFrom(keys.zsk().fingerprint().bytes()))
                        .build()),
                Status.Code.PERMISSION_DENIED,
                "caller monitor",
                "KeySync/ExportWrappedKey");
        assertStatus(
                () -> monitor.importWrappedKey(ImportWrappedKeyRequest.newBuilder()
                        .setWrapped(WrappedKeys.toProto(wrapped))
                        .setNonce(ByteString.copyFrom(nonce()))
                        .build()),
                Status.Code.PERMISSION_DENIED,
                "caller monitor",
                "KeySync/ImportWrappedKey");
        assertStatus(
                () -> client(node, cluster.issue("alice", "operator"))
                        .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                        .getKekStatus(GetKekStatusRequest.getDefaultInstance()),
                Status.Code.PERMISSION_DENIED,
                "caller alice",
                "roles [OPERATOR]",
                "KeySync/GetKekStatus");

        List<JsonNode> audit = node.audit();
        assertThat(audit)
                .extracting(l -> l.get("op").asText() + " " + l.get("outcome").asText())
                .containsExactly("VERIFY REFUSED", "WRAP REFUSED", "UNWRAP REFUSED", "VERIFY REFUSED");
        assertThat(audit.subList(0, 3)).allSatisfy(line -> {
            assertThat(line.get("actor").asText()).contains("caller=monitor");
            assertThat(line.get("detail").asText()).contains("PERMISSION_DENIED", "caller monitor", "roles []");
        });
        assertThat(audit.get(3).get("actor").asText()).contains("GetKekStatus", "caller=alice");
        assertThat(hsm1.list(ZONE)).hasSize(2);
        assertThat(TokenSurgery.count(
                        spec1, Half.PRIVATE, keys.zsk().fingerprint().bytes()))
                .isEqualTo(1);
    }

    @Test
    void nodeCertificateExportsAndImportsButCannotGenerateKeysOrTouchTheKek() throws Exception {
        Pkcs11Hsm hsm1 = open("dc1-hsm1");
        HsmSpec spec2 = tokens.allocate("dc2-hsm1");
        Pkcs11Hsm hsm2 = open(spec2);
        Pkcs11Hsm fresh = open("dc3-hsm1");
        Keys keys = syncedKeys(hsm1);
        enrol(hsm1, hsm2);
        publish(keys.ksk(), keys.zsk());
        TestNode node1 = node("dc1-signer1", hsm1);
        TestNode node2 = node("dc2-signer1", hsm2);
        TestNode node3 = node("dc3-signer1", fresh);
        TlsMaterial peer = cluster.issue("dc2-signer1", "node");

        WrappedKey wrapped =
                RemoteKeySet.export(client(node1, peer), ZONE, keys.zsk().fingerprint(), DEADLINE);
        List<HsmId> imported =
                RemoteKeySet.importKey(client(node2, peer), wrapped, Optional.empty(), nonce(), clock, DEADLINE);

        assertThat(imported).containsExactly(new HsmId("dc2-hsm1"));
        assertThat(TokenSurgery.count(
                        spec2, Half.PRIVATE, keys.zsk().fingerprint().bytes()))
                .isEqualTo(1);
        KeySyncGrpc.KeySyncBlockingStub asPeer =
                client(node1, peer).withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        assertStatus(
                () -> asPeer.generateKey(GenerateKeyRequest.newBuilder()
                        .setZone(ZONE.toString())
                        .setRole(org.tandem.proto.keysync.v1.KeyRole.ZSK)
                        .setOrderedBy("mallory")
                        .build()),
                Status.Code.PERMISSION_DENIED,
                "caller dc2-signer1",
                "roles [NODE]",
                "KeySync/GenerateKey",
                "needs a certificate with OU=coordinator");
        TransportPublicKey transport = client(node3)
                .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .beginKekEnrolment(BeginKekEnrolmentRequest.newBuilder()
                        .setOrderedBy("alice")
                        .build());
        assertStatus(
                () -> asPeer.exportKek(
                        ExportKekRequest.newBuilder().setTransport(transport).build()),
                Status.Code.PERMISSION_DENIED,
                "KeySync/ExportKek",
                "OU=coordinator");
        KeySyncGrpc.KeySyncBlockingStub peerOnFresh =
                client(node3, peer).withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        assertStatus(
                () -> peerOnFresh.initKek(InitKekRequest.getDefaultInstance()),
                Status.Code.PERMISSION_DENIED,
                "KeySync/InitKek");

        assertThat(hsm1.list(ZONE)).hasSize(2);
        assertThat(fresh.kekCheckValue()).isEmpty();
        assertThat(node1.audit())
                .extracting(l -> l.get("op").asText() + " " + l.get("outcome").asText())
                .containsExactly("WRAP OK", "GENERATE REFUSED", "KEK_ENROL REFUSED");
        assertThat(node1.audit().get(0).get("actor").asText()).contains("caller=dc2-signer1");
        assertThat(node3.audit())
                .extracting(l -> l.get("op").asText() + " " + l.get("outcome").asText())
                .containsExactly("KEK_ENROL OK", "KEK_INIT REFUSED");
    }

    // ---------------------------------------------------------------------------------------------
    // the ceremonies, ordered through the coordinator

    @Test
    void kekCeremonyBetweenTwoNodesGivesBothTheSameKekAndThenAKeyMovesFromOneToTheOther() throws Exception {
        Pkcs11Hsm hsmA = open("dc1-hsm1");
        HsmSpec specB = tokens.allocate("dc2-hsm1");
        Pkcs11Hsm hsmB = open(specB);
        TestNode a = node("dc1-signer1", hsmA);
        TestNode b = node("dc2-signer1", hsmB);
        KeySyncGrpc.KeySyncBlockingStub onA = client(a).withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        KeySyncGrpc.KeySyncBlockingStub onB = client(b).withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);

        KekCheckValue init =
                onA.initKek(InitKekRequest.newBuilder().setOrderedBy("alice").build());
        assertThat(init.getHsm()).isEqualTo("dc1-hsm1");
        assertThat(onB.getKekStatus(GetKekStatusRequest.getDefaultInstance()).getHsmsList())
                .singleElement()
                .satisfies(h -> assertThat(h.getCheckValue().isEmpty()).isTrue());

        TransportPublicKey transport = onB.beginKekEnrolment(BeginKekEnrolmentRequest.newBuilder()
                .setHsm("dc2-hsm1")
                .setOrderedBy("alice")
                .build());
        assertThat(transport.getEnrolmentId().size()).isEqualTo(16);
        assertThat(transport.getNode()).isEqualTo("dc2-signer1");
        assertThat(transport.getTtlSeconds()).isEqualTo(300);
        assertThat(new BigInteger(1, transport.getModulus().toByteArray()).bitLength())
                .isGreaterThanOrEqualTo(2048);
        WrappedKek kek = onA.exportKek(ExportKekRequest.newBuilder()
                .setTransport(transport)
                .setOrderedBy("alice")
                .build());
        assertThat(kek.getCheckValue()).isEqualTo(init.getCheckValue());
        assertThat(kek.getHsm()).isEqualTo("dc1-hsm1");
        KekCheckValue enrolled = onB.completeKekEnrolment(CompleteKekEnrolmentRequest.newBuilder()
                .setEnrolmentId(transport.getEnrolmentId())
                .setWrapped(kek)
                .setOrderedBy("alice")
                .build());

        assertThat(enrolled.getCheckValue()).isEqualTo(init.getCheckValue());
        assertThat(hsmB.kekCheckValue().orElseThrow())
                .isEqualTo(hsmA.kekCheckValue().orElseThrow());
        assertThat(onB.getKekStatus(GetKekStatusRequest.getDefaultInstance())
                        .getHsms(0)
                        .getCheckValue())
                .isEqualTo(init.getCheckValue());
        assertThat(b.service.pendingEnrolments()).isZero();

        // then a key generated on A crosses to B through KeySync alone
        GenerateKeyResponse generated = onA.generateKey(GenerateKeyRequest.newBuilder()
                .setZone(ZONE.toString())
                .setRole(org.tandem.proto.keysync.v1.KeyRole.ZSK)
                .setOrderedBy("alice")
                .build());
        DnssecKey zsk = KeyProtos.fromProto(generated.getKey());
        WrappedKey wrapped = RemoteKeySet.export(client(a), ZONE, zsk.fingerprint(), DEADLINE);
        assertThat(RemoteKeySet.importKey(client(b), wrapped, Optional.empty(), nonce(), clock, DEADLINE))
                .containsExactly(new HsmId("dc2-hsm1"));
        assertThat(RemoteKeySet.verify(client(b), stored(), nonce(), clock, DEADLINE)
                        .keySynced())
                .isTrue();
        assertThat(TokenSurgery.count(specB, Half.PRIVATE, zsk.fingerprint().bytes()))
                .isEqualTo(1);

        assertThat(a.audit())
                .extracting(l -> l.get("op").asText() + " " + l.get("outcome").asText())
                .containsExactly("KEK_INIT OK", "KEK_ENROL OK", "GENERATE OK", "WRAP OK");
        assertThat(a.audit().subList(0, 3))
                .allSatisfy(line ->
                        assertThat(line.get("actor").asText()).contains("caller=" + CALLER, "ordered_by=alice"));
        assertThat(b.audit())
                .extracting(l -> l.get("op").asText() + " " + l.get("outcome").asText())
                .containsExactly("VERIFY OK", "KEK_ENROL OK", "KEK_ENROL OK", "VERIFY OK", "UNWRAP OK", "VERIFY OK");
        assertThat(b.audit().get(2).get("detail").asText())
                .contains(
                        "equals the holder's",
                        HexFormat.of().formatHex(init.getCheckValue().toByteArray()));
    }

    @Test
    void enrolmentWhoseCheckValueDiffersIsRefusedAndLeavesTheHsmWithoutAKek() throws Exception {
        Pkcs11Hsm hsmA = open("dc1-hsm1");
        Pkcs11Hsm hsmB = open("dc2-hsm1");
        hsmA.generateKek();
        TestNode a = node("dc1-signer1", hsmA);
        TestNode b = node("dc2-signer1", hsmB);
        KeySyncGrpc.KeySyncBlockingStub onB = client(b).withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        TransportPublicKey transport = onB.beginKekEnrolment(
                BeginKekEnrolmentRequest.newBuilder().setOrderedBy("alice").build());
        WrappedKek kek = client(a)
                .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .exportKek(ExportKekRequest.newBuilder()
                        .setTransport(transport)
                        .setOrderedBy("alice")
                        .build());
        byte[] other = kek.getCheckValue().toByteArray();
        other[0] ^= 0x01; // what the holder reported is not what arrived
        CompleteKekEnrolmentRequest complete = CompleteKekEnrolmentRequest.newBuilder()
                .setEnrolmentId(transport.getEnrolmentId())
                .setWrapped(kek.toBuilder().setCheckValue(ByteString.copyFrom(other)))
                .setOrderedBy("alice")
                .build();

        // The HSM itself compares the KEK with the holder's check value (the KEK cannot encrypt, so
        // nothing outside the HSM could compute its value) and keeps nothing.
        assertStatus(
                () -> onB.completeKekEnrolment(complete),
                Status.Code.FAILED_PRECONDITION,
                "HSM dc2-hsm1",
                "KEK differs",
                HexFormat.of().formatHex(other),
                "nothing was kept");

        assertThat(hsmB.kekCheckValue()).isEmpty();
        assertStatus(
                () -> onB.completeKekEnrolment(complete),
                Status.Code.FAILED_PRECONDITION,
                "no pending KEK enrolment",
                "begin again");
        assertThat(b.audit())
                .extracting(l -> l.get("op").asText() + " " + l.get("outcome").asText())
                .containsExactly("KEK_ENROL OK", "KEK_ENROL FAILED", "KEK_ENROL REFUSED");
    }

    @Test
    void anEnrolmentNotCompletedInTimeIsSweptAndCannotBeCompleted() throws Exception {
        Pkcs11Hsm hsmA = open("dc1-hsm1");
        Pkcs11Hsm hsmB = open("dc2-hsm1");
        hsmA.generateKek();
        TestNode a = node("dc1-signer1", hsmA);
        TestNode b = node("dc2-signer1", hsmB);
        b.service.enrolmentTtl(Duration.ofSeconds(1));
        KeySyncGrpc.KeySyncBlockingStub onB = client(b).withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        TransportPublicKey transport = onB.beginKekEnrolment(
                BeginKekEnrolmentRequest.newBuilder().setOrderedBy("alice").build());
        assertThat(transport.getTtlSeconds()).isEqualTo(1);
        WrappedKek kek = client(a)
                .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .exportKek(ExportKekRequest.newBuilder()
                        .setTransport(transport)
                        .setOrderedBy("alice")
                        .build());

        TestTiming.until(DEADLINE, "the enrolment is swept", () -> b.service.pendingEnrolments() == 0);

        assertStatus(
                () -> onB.completeKekEnrolment(CompleteKekEnrolmentRequest.newBuilder()
                        .setEnrolmentId(transport.getEnrolmentId())
                        .setWrapped(kek)
                        .setOrderedBy("alice")
                        .build()),
                Status.Code.FAILED_PRECONDITION,
                "no pending KEK enrolment");
        assertThat(hsmB.kekCheckValue()).isEmpty();
        assertThat(b.audit())
                .extracting(l -> l.get("op").asText() + " " + l.get("outcome").asText())
                .containsExactly("KEK_ENROL OK", "KEK_ENROL FAILED", "KEK_ENROL REFUSED");
        assertThat(b.audit().get(1).get("detail").asText()).contains("abandoned", "transport key was destroyed");
    }

    @Test
    void generateKeyOverGrpcWritesTheManifestAsGeneratedAndAuditsWhoOrderedIt() throws Exception {
        HsmSpec spec = tokens.allocate("dc1-hsm1");
        Pkcs11Hsm hsm1 = open(spec);
        Pkcs11Hsm noKek = open("dc1-hsm2");
        hsm1.generateKek();
        TestNode node = node("dc1-signer1", hsm1, noKek);
        KeySyncGrpc.KeySyncBlockingStub coordinator =
                client(node).withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);

        GenerateKeyResponse answer = coordinator.generateKey(GenerateKeyRequest.newBuilder()
                .setZone(ZONE.toString())
                .setRole(org.tandem.proto.keysync.v1.KeyRole.KSK)
                .setOrderedBy("alice")
                .build());

        DnssecKey ksk = KeyProtos.fromProto(answer.getKey());
        assertThat(answer.getNode()).isEqualTo("dc1-signer1");
        assertThat(answer.getHsm()).isEqualTo("dc1-hsm1");
        assertThat(ksk.role()).isEqualTo(KeyRole.KSK);
        assertThat(ksk.algorithm()).isEqualTo(Algorithm.ECDSAP256SHA256);
        assertThat(stored().entries()).singleElement().satisfies(e -> {
            assertThat(e.key()).isEqualTo(ksk);
            assertThat(e.state()).isEqualTo(KeyState.GENERATED);
            assertThat(e.generatedOn()).isEqualTo("dc1-hsm1");
        });
        assertThat(TokenSurgery.count(spec, Half.PRIVATE, ksk.fingerprint().bytes()))
                .isEqualTo(1);
        assertThat(node.audit()).singleElement().satisfies(line -> {
            assertThat(line.get("op").asText()).isEqualTo("GENERATE");
            assertThat(line.get("outcome").asText()).isEqualTo("OK");
            assertThat(line.get("fp").asText()).isEqualTo(ksk.fingerprint().hex());
            assertThat(line.get("actor").asText()).contains("GenerateKey", "caller=" + CALLER, "ordered_by=alice");
        });
        // an HSM without the cluster KEK could never pass the key on: nothing generated there
        assertStatus(
                () -> coordinator.generateKey(GenerateKeyRequest.newBuilder()
                        .setZone(ZONE.toString())
                        .setRole(org.tandem.proto.keysync.v1.KeyRole.ZSK)
                        .setHsm("dc1-hsm2")
                        .setOrderedBy("alice")
                        .build()),
                Status.Code.FAILED_PRECONDITION,
                "HSM dc1-hsm2",
                "holds no cluster KEK",
                "Nothing generated");
        assertThat(noKek.list(ZONE)).isEmpty();
        assertThat(stored().entries()).hasSize(1);
    }

    @Test
    void initKekIsRefusedWhenAnyHsmOfTheNodeHoldsOne() throws Exception {
        Pkcs11Hsm holder = open("dc1-hsm1");
        Pkcs11Hsm other = open("dc1-hsm2");
        byte[] kcv = holder.generateKek();
        TestNode node = node("dc1-signer1", holder, other);

        assertStatus(
                () -> client(node)
                        .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                        .initKek(InitKekRequest.newBuilder()
                                .setHsm("dc1-hsm2")
                                .setOrderedBy("alice")
                                .build()),
                Status.Code.FAILED_PRECONDITION,
                "already holds the cluster KEK on dc1-hsm1",
                HexFormat.of().formatHex(kcv));

        assertThat(other.kekCheckValue()).isEmpty();
        assertOnlyAuditLine(node, "KEK_INIT", "REFUSED");
        assertThat(node.audit().get(0).get("actor").asText()).contains("ordered_by=alice", "caller=" + CALLER);
    }

    // ---------------------------------------------------------------------------------------------
    // fixtures

    /**
     * The two ends of an import: dc1-hsm1 holding a synced KSK and ZSK ({@link #syncedKeys}), and dc2-hsm1 enrolled
     * into the same KEK but holding no key yet.
     */
    private record ImportEnds(Pkcs11Hsm hsm1, HsmSpec spec2, Pkcs11Hsm hsm2, Keys keys) {
        /** The importing token lists no key of the zone and holds neither half of any of {@code refused}. */
        void holdsNothingOf(DnssecKey... refused) throws Exception {
            assertThat(hsm2.list(ZONE)).isEmpty();
            for (DnssecKey key : refused) {
                for (Half half : Half.values()) {
                    assertThat(TokenSurgery.count(spec2, half, key.fingerprint().bytes()))
                            .as(
                                    "%s half of %s %s on %s",
                                    half, key.role(), key.fingerprint().hex(), spec2.tokenLabel())
                            .isZero();
                }
            }
        }
    }

    private ImportEnds importEnds() throws Exception {
        Pkcs11Hsm hsm1 = open("dc1-hsm1");
        HsmSpec spec2 = tokens.allocate("dc2-hsm1");
        Pkcs11Hsm hsm2 = open(spec2);
        Keys keys = syncedKeys(hsm1);
        enrol(hsm1, hsm2);
        return new ImportEnds(hsm1, spec2, hsm2, keys);
    }

    /** Both import ends with the key pair published, a node on each, and the ZSK exported from the first. */
    private record ExportedZsk(ImportEnds ends, TestNode node2, WrappedKey zsk) {}

    private ExportedZsk exportedZsk() throws Exception {
        ImportEnds ends = importEnds();
        publish(ends.keys().ksk(), ends.keys().zsk());
        TestNode node1 = node("dc1-signer1", ends.hsm1());
        TestNode node2 = node("dc2-signer1", ends.hsm2());
        WrappedKey zsk =
                RemoteKeySet.export(client(node1), ZONE, ends.keys().zsk().fingerprint(), DEADLINE);
        return new ExportedZsk(ends, node2, zsk);
    }

    /** An ImportWrappedKey call of {@code request} with a fresh nonce, past the checks {@link RemoteKeySet} makes. */
    private ImportWrappedKeyResponse importRaw(TestNode node, ImportWrappedKeyRequest.Builder request)
            throws Exception {
        return client(node)
                .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .importWrappedKey(request.setNonce(ByteString.copyFrom(nonce())).build());
    }

    private Pkcs11Hsm open(String name) throws Exception {
        return open(tokens.allocate(name));
    }

    private Pkcs11Hsm open(HsmSpec spec) throws Exception {
        Pkcs11Hsm hsm = Pkcs11Hsm.open(spec);
        hsms.add(hsm);
        return hsm;
    }

    /**
     * Generates a KSK and a ZSK on {@code source}, creates the cluster KEK there, enrols every target
     * and copies both keys to it by wrap and unwrap: "generate once, replicate".
     */
    private Keys syncedKeys(Pkcs11Hsm source, Pkcs11Hsm... targets) throws Exception {
        DnssecKey ksk = source.generate(new KeySpec(ZONE, KeyRole.KSK, Algorithm.ECDSAP256SHA256))
                .publicKey()
                .orElseThrow();
        HsmKey zsk = source.generate(new KeySpec(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
        while (ZoneKeySet.collide(ksk, zsk.publicKey().orElseThrow())) { // 1 in 65536: draw again (INV-K4)
            source.delete(zsk.ref());
            zsk = source.generate(new KeySpec(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
        }
        Keys keys = new Keys(ksk, zsk.publicKey().orElseThrow());
        source.generateKek();
        for (Pkcs11Hsm target : targets) {
            enrol(source, target);
            target.unwrap(source.wrap(held(source, keys.ksk())));
            target.unwrap(source.wrap(held(source, keys.zsk())));
        }
        return keys;
    }

    /** A third ZSK on the HSM whose key tag collides with neither of the pair (drawn again otherwise, INV-K4). */
    private static HsmKey third(Pkcs11Hsm hsm, Keys keys) throws Exception {
        while (true) {
            HsmKey key = hsm.generate(new KeySpec(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
            DnssecKey pub = key.publicKey().orElseThrow();
            if (!ZoneKeySet.collide(keys.ksk(), pub) && !ZoneKeySet.collide(keys.zsk(), pub)) {
                return key;
            }
            hsm.delete(key.ref());
        }
    }

    /** Two nodes, each with its own HSM, both holding the cluster KEK; the KSK and ZSK on the first, published. */
    private record TwoSites(HsmSpec spec2, Keys keys, TestNode node1, TestNode node2) {}

    private TwoSites twoEnrolledSitesWithPublishedKeys() throws Exception {
        ImportEnds ends = importEnds();
        publish(ends.keys().ksk(), ends.keys().zsk());
        return new TwoSites(
                ends.spec2(), ends.keys(), node("dc1-signer1", ends.hsm1()), node("dc2-signer1", ends.hsm2()));
    }

    /** KEK enrolment: transport key on the new HSM, KEK wrapped under it by the holder, unwrapped inside. */
    private static void enrol(Pkcs11Hsm holder, Pkcs11Hsm newcomer) throws Exception {
        TransportKey transport = newcomer.newTransportKey();
        newcomer.importKek(
                transport, holder.exportKek(transport), holder.kekCheckValue().orElseThrow());
        assertThat(newcomer.kekCheckValue().orElseThrow())
                .isEqualTo(holder.kekCheckValue().orElseThrow());
    }

    private static DnssecKey newZsk(Pkcs11Hsm hsm) throws Exception {
        return hsm.generate(new KeySpec(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256))
                .publicKey()
                .orElseThrow();
    }

    /** Gives both halves of {@code stray} the label and CKA_ID of {@code as}: another key in its name. */
    private static void disguise(HsmSpec token, DnssecKey stray, String label, DnssecKey as) throws Exception {
        for (Half half : Half.values()) {
            assertThat(TokenSurgery.relabel(
                            token,
                            half,
                            stray.fingerprint().bytes(),
                            label,
                            as.fingerprint().bytes()))
                    .as("%s objects of %s relabelled", half, stray.describe())
                    .isEqualTo(1);
        }
    }

    private static HsmKey held(Pkcs11Hsm hsm, DnssecKey key) throws Exception {
        return hsm.list(key.zone()).stream()
                .filter(k -> k.fingerprint().filter(key.fingerprint()::equals).isPresent())
                .findFirst()
                .orElseThrow(() -> new AssertionError(key.describe() + " not on " + hsm.id()));
    }

    private ZoneKeySet manifest(DnssecKey... keys) {
        List<ZoneKeySet.Entry> entries = new ArrayList<>();
        for (DnssecKey key : keys) {
            entries.add(new ZoneKeySet.Entry(key, KeyState.ACTIVE, Instant.parse("2026-01-01T00:00:00Z"), "dc1-hsm1"));
        }
        return new ZoneKeySet(ZONE, 3, entries);
    }

    private KeySetReport local(ZoneKeySet manifest, Pkcs11Hsm... on) {
        return new KeySetVerifier(clock, random).verify(manifest, List.of(on));
    }

    /** Writes the zone's manifest to the store: the keys in that state (a new version each time). */
    private void publish(KeyState state, DnssecKey... keys) throws Exception {
        List<ZoneKeySet.Entry> entries = new ArrayList<>();
        for (DnssecKey key : keys) {
            entries.add(new ZoneKeySet.Entry(key, state, Instant.parse("2026-01-01T00:00:00Z"), "dc1-hsm1"));
        }
        var proto = new ZoneKeySet(ZONE, 0, entries).toProto(clock.instant(), "KeySyncServiceIT");
        Optional<VersionedManifest> current = store.read(ZONE.toString());
        if (current.isPresent()) {
            store.compareAndSet(current.get().version(), proto);
        } else {
            store.create(proto);
        }
    }

    private void publish(DnssecKey... keys) throws Exception {
        publish(KeyState.ACTIVE, keys);
    }

    /** The zone's manifest as the store has it. */
    private ZoneKeySet stored() throws Exception {
        VersionedManifest m =
                store.read(ZONE.toString()).orElseThrow(() -> new AssertionError("no manifest of " + ZONE));
        return ZoneKeySet.fromProto(m.manifest(), m.version());
    }

    private TestNode node(String name, Pkcs11Hsm... on) throws Exception {
        TestNode node = TestNode.start(name, List.of(on), store, dir, cluster.issue(name, "node"), clock);
        nodes.add(node);
        return node;
    }

    /** A stub on a mutual-TLS channel with the coordinator's cluster certificate ({@code OU=coordinator}). */
    private KeySyncGrpc.KeySyncBlockingStub client(TestNode node) throws Exception {
        return client(node, cluster.issue(CALLER, "coordinator"));
    }

    /** A stub on a mutual-TLS channel with this cluster certificate. */
    private KeySyncGrpc.KeySyncBlockingStub client(TestNode node, TlsMaterial certificate) throws Exception {
        return KeySyncGrpc.newBlockingStub(track(MtlsChannels.open(node.target(), certificate)));
    }

    private ManagedChannel track(ManagedChannel channel) {
        channels.add(channel);
        return channel;
    }

    private byte[] nonce() {
        byte[] n = new byte[32];
        random.nextBytes(n);
        return n;
    }

    private static void assertStatus(ThrowingCallable call, Status.Code code, String... described) {
        assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, statusIs(code, described));
    }

    private static Consumer<StatusRuntimeException> statusIs(Status.Code code, String... described) {
        return e -> {
            assertThat(e.getStatus().getCode()).as("%s", e.getStatus()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(described).doesNotContain("\tat ");
        };
    }

    private static void assertRefusedByTls(ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode())
                                .as("%s", e.getStatus())
                                .isIn(Status.Code.UNAVAILABLE, Status.Code.UNAUTHENTICATED));
    }

    private static Duration scaled(Duration d) {
        return Duration.ofMillis(
                Math.round(d.toMillis() * Double.parseDouble(System.getProperty("tandem.timing.multiple", "1"))));
    }

    /** The node wrote exactly one audit line, for this operation with this outcome. */
    private static void assertOnlyAuditLine(TestNode node, String op, String outcome) throws IOException {
        assertThat(node.audit()).singleElement().satisfies(line -> {
            assertThat(line.get("op").asText()).isEqualTo(op);
            assertThat(line.get("outcome").asText()).isEqualTo(outcome);
        });
    }
}
