package org.tandem.coordinator.ceremony;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tandem.coordinator.testing.FakeCluster;
import org.tandem.coordinator.testing.FakeKey;
import org.tandem.coordinator.testing.FakeNode;
import org.tandem.proto.coordinator.v1.ClusterKekStatus;
import org.tandem.proto.coordinator.v1.EnrolKekOrder;
import org.tandem.proto.coordinator.v1.GenerateKeyOrder;
import org.tandem.proto.coordinator.v1.GenerateKeyResult;
import org.tandem.proto.coordinator.v1.KekOrderResult;
import org.tandem.proto.coordinator.v1.KeyPresenceProblem;
import org.tandem.proto.coordinator.v1.SyncKeysResult;
import org.tandem.proto.keysync.v1.BeginKekEnrolmentRequest;
import org.tandem.proto.keysync.v1.CompleteKekEnrolmentRequest;
import org.tandem.proto.keysync.v1.ExportKekRequest;
import org.tandem.proto.keysync.v1.GenerateKeyRequest;
import org.tandem.proto.keysync.v1.ImportWrappedKeyRequest;
import org.tandem.proto.keysync.v1.InitKekRequest;
import org.tandem.proto.keysync.v1.KeyRole;
import org.tandem.proto.keysync.v1.KeyState;

/** The key ceremonies' orchestration against fake nodes behind in-process KeySync servers. */
class KeyCeremoniesTest {
    private static final String ZONE = "example.test.";
    private final FakeCluster cluster = new FakeCluster();

    @AfterEach
    void close() {
        cluster.close();
    }

    private KeyCeremonies ceremonies() {
        return new KeyCeremonies(cluster.view());
    }

    // ---- KEK

    @Test
    void enrolKekCarriesOnlyTheTransportPublicKeyAndTheWrappedKekAndReturnsBothCheckValues() throws Exception {
        FakeNode a = cluster.node("node-a", "hsm-a");
        FakeNode b = cluster.node("node-b", "hsm-b");
        a.keks.put("hsm-a", new byte[] {0x12, 0x34, 0x56});

        KekOrderResult r = ceremonies()
                .enrolKek(
                        EnrolKekOrder.newBuilder()
                                .setFrom("node-a")
                                .setTo("node-b")
                                .build(),
                        "alice");

        assertThat(r.getMatch()).isTrue();
        assertThat(r.getFromCheckValue()).isEqualTo("123456");
        assertThat(r.getToCheckValue()).isEqualTo("123456");
        assertThat(r.getFrom() + "/" + r.getFromHsm() + " " + r.getTo() + "/" + r.getToHsm())
                .isEqualTo("node-a/hsm-a node-b/hsm-b");
        BeginKekEnrolmentRequest begin =
                b.requests(BeginKekEnrolmentRequest.class).get(0);
        ExportKekRequest export = a.requests(ExportKekRequest.class).get(0);
        CompleteKekEnrolmentRequest complete =
                b.requests(CompleteKekEnrolmentRequest.class).get(0);
        assertThat(export.getTransport().getModulus().toStringUtf8())
                .as("the target's public half reaches the holder")
                .isEqualTo("modulus of node-b");
        assertThat(complete.getWrapped().getBlob().toStringUtf8()).isEqualTo("kek wrapped under modulus of node-b");
        assertThat(complete.getEnrolmentId()).isEqualTo(export.getTransport().getEnrolmentId());
        assertThat(begin.getOrderedBy()).isEqualTo("alice");
        assertThat(export.getOrderedBy()).isEqualTo("alice");
        assertThat(complete.getOrderedBy()).isEqualTo("alice");
        assertThat(b.keks.get("hsm-b")).containsExactly(0x12, 0x34, 0x56);
        assertThat(ceremonies().kekStatus().getConsistent()).isTrue();
    }

    @Test
    void enrolKekReportsAMismatchOfTheCheckValuesAsNoMatch() throws Exception {
        FakeNode a = cluster.node("node-a", "hsm-a");
        FakeNode b = cluster.node("node-b", "hsm-b");
        a.keks.put("hsm-a", new byte[] {0x12, 0x34, 0x56});
        b.completedCheckValue = new byte[] {0x65, 0x43, 0x21};

        KekOrderResult r = ceremonies()
                .enrolKek(
                        EnrolKekOrder.newBuilder()
                                .setFrom("node-a")
                                .setTo("node-b")
                                .build(),
                        "alice");

        assertThat(r.getMatch()).isFalse();
        assertThat(r.getFromCheckValue()).isEqualTo("123456");
        assertThat(r.getToCheckValue()).isEqualTo("654321");
        ClusterKekStatus status = ceremonies().kekStatus();
        assertThat(status.getConsistent()).isFalse();
        assertThat(status.getNodesList())
                .extracting(k -> k.getNode() + "/" + k.getHsm() + "=" + k.getCheckValue())
                .containsExactly("node-a/hsm-a=123456", "node-b/hsm-b=654321");
    }

    @Test
    void enrolKekRelaysTheHoldersRefusalNamingTheStep() throws Exception {
        FakeNode a = cluster.node("node-a", "hsm-a");
        cluster.node("node-b", "hsm-b");
        a.keks.put("hsm-a", new byte[] {0x12, 0x34, 0x56});
        KeyCeremonies c = ceremonies();
        // the holder has no KEK on the named HSM: its refusal comes back as the coordinator's
        assertThatThrownBy(() -> c.enrolKek(
                        EnrolKekOrder.newBuilder()
                                .setFrom("node-a")
                                .setFromHsm("hsm-x")
                                .setTo("node-b")
                                .build(),
                        "alice"))
                .isInstanceOf(CeremonyException.class)
                .hasMessageContaining("ExportKek on node-a/hsm-x")
                .hasMessageContaining("FAILED_PRECONDITION")
                .satisfies(e -> assertThat(((CeremonyException) e).code()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    }

    @Test
    void enrolKekNamesAnUnreachableNode() throws Exception {
        cluster.node("node-a", "hsm-a").keks.put("hsm-a", new byte[] {1, 2, 3});
        cluster.unreachable("node-b");
        KeyCeremonies c = ceremonies();
        assertThatThrownBy(() -> c.enrolKek(
                        EnrolKekOrder.newBuilder()
                                .setFrom("node-a")
                                .setTo("node-b")
                                .build(),
                        "alice"))
                .isInstanceOf(CeremonyException.class)
                .hasMessageContaining("BeginKekEnrolment on node-b")
                .satisfies(e -> {
                    assertThat(((CeremonyException) e).code()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(((CeremonyException) e).unreachableNode()).isEqualTo("node-b");
                });
        assertThatThrownBy(() -> c.enrolKek(
                        EnrolKekOrder.newBuilder()
                                .setFrom("node-a")
                                .setTo("node-c")
                                .build(),
                        "alice"))
                .isInstanceOf(KeyCeremonies.UnknownNodeException.class)
                .hasMessageContaining("node-c");
    }

    @Test
    void initKekIsRefusedWhileAnyNodeHoldsAKekOrCannotTell() throws Exception {
        FakeNode a = cluster.node("node-a", "hsm-a");
        FakeNode b = cluster.node("node-b", "hsm-b");
        b.keks.put("hsm-b", new byte[] {9, 9, 9});
        KeyCeremonies c = ceremonies();
        assertThatThrownBy(() -> c.initKek("node-a", "", "alice"))
                .isInstanceOf(CeremonyException.class)
                .hasMessageContaining("node-b/hsm-b holds one with check value 090909")
                .hasMessageContaining("kek enrol --config signerctl.yaml --from node-b --to node-a");
        assertThat(a.requests(InitKekRequest.class)).isEmpty();

        b.keks.clear();
        b.failure = Status.UNAVAILABLE.withDescription("down");
        assertThatThrownBy(() -> c.initKek("node-a", "", "alice"))
                .isInstanceOf(CeremonyException.class)
                .hasMessageContaining("cannot tell whether node-b");
        assertThat(a.requests(InitKekRequest.class)).isEmpty();

        b.failure = null;
        KekOrderResult r = c.initKek("node-a", "hsm-a", "alice");
        assertThat(r.getFromCheckValue()).isEqualTo("0a0b0c");
        assertThat(a.requests(InitKekRequest.class).get(0).getOrderedBy()).isEqualTo("alice");
    }

    // ---- keys

    @Test
    void generateKeyOrdersTheNodeAndComputesTheFingerprintItself() throws Exception {
        FakeNode a = cluster.node("node-a", "hsm-a");
        cluster.node("node-b", "hsm-b");
        a.next = FakeKey.generate(ZONE, KeyRole.ZSK);
        GenerateKeyResult r = ceremonies()
                .generateKey(
                        GenerateKeyOrder.newBuilder()
                                .setZone("Example.Test")
                                .setRole(KeyRole.ZSK)
                                .setOn("node-a")
                                .build(),
                        "alice");
        assertThat(r.getFingerprint()).isEqualTo(a.next.fingerprint);
        assertThat(r.getNode() + "/" + r.getHsm()).isEqualTo("node-a/hsm-a");
        GenerateKeyRequest sent = a.requests(GenerateKeyRequest.class).get(0);
        assertThat(sent.getZone()).isEqualTo(ZONE);
        assertThat(sent.getAlgorithm()).isEqualTo(13);
        assertThat(sent.getOrderedBy()).isEqualTo("alice");
        KeyCeremonies c = ceremonies();
        assertThatThrownBy(() -> c.generateKey(
                        GenerateKeyOrder.newBuilder()
                                .setZone(ZONE)
                                .setOn("node-a")
                                .build(),
                        "a"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("KSK, ZSK or CSK");
    }

    @Test
    void syncKeysCopiesAMissingKeyFromTheNodeThatHoldsItAndVerifiesTheProofItself() throws Exception {
        FakeKey ksk = FakeKey.generate(ZONE, KeyRole.KSK);
        FakeKey zsk = FakeKey.generate(ZONE, KeyRole.ZSK);
        FakeNode a = cluster.node("node-a", "hsm-a").hold("hsm-a", ksk).hold("hsm-a", zsk);
        FakeNode b = cluster.node("node-b", "hsm-b").hold("hsm-b", ksk);
        cluster.records.manifest(
                ZONE, ksk.manifestEntry(KeyState.ACTIVE, "hsm-a"), zsk.manifestEntry(KeyState.GENERATED, "hsm-a"));

        SyncKeysResult r = ceremonies().syncKeys("example.test", "alice");

        assertThat(r.getKeySynced()).as(r.toString()).isTrue();
        assertThat(r.getUnresolvedList()).isEmpty();
        assertThat(r.getActionsList())
                .singleElement()
                .asString()
                .contains("copied ZSK " + zsk.keyTag)
                .contains("from node-a to node-b/hsm-b")
                .contains("proven");
        assertThat(b.holds("hsm-b", zsk.fingerprint)).isTrue();
        ImportWrappedKeyRequest imp = b.requests(ImportWrappedKeyRequest.class).get(0);
        assertThat(imp.getHsm()).isEqualTo("hsm-b");
        assertThat(imp.getNonce().size()).isEqualTo(32);
        assertThat(r.getAfter().getKeysList())
                .allSatisfy(k -> assertThat(k.getPresenceList())
                        .extracting(p -> p.getNode() + ":" + p.getVerdict())
                        .containsExactly("node-a:ok", "node-b:ok"));
        assertThat(a.requests(ImportWrappedKeyRequest.class)).isEmpty();
    }

    @Test
    void syncKeysDoesNotTrustAnImportedKeysProofThatDoesNotVerify() throws Exception {
        FakeKey ksk = FakeKey.generate(ZONE, KeyRole.KSK);
        cluster.node("node-a", "hsm-a").hold("hsm-a", ksk);
        FakeNode b = cluster.node("node-b", "hsm-b");
        b.importSigner = FakeKey.generate(ZONE, KeyRole.KSK).pair;
        cluster.records.manifest(ZONE, ksk.manifestEntry(KeyState.ACTIVE, "hsm-a"));

        SyncKeysResult r = ceremonies().syncKeys(ZONE, "alice");

        assertThat(r.getKeySynced()).isFalse();
        assertThat(r.getActionsList()).isEmpty();
        KeyPresenceProblem p = r.getUnresolved(0);
        assertThat(p.getNode() + "/" + p.getHsm()).isEqualTo("node-b/hsm-b");
        assertThat(p.getVerdict()).isEqualTo("private-key-mismatch");
        assertThat(p.getFingerprint()).isEqualTo(ksk.fingerprint);
        assertThat(p.getFix()).contains("--replace-diverged");
        assertThat(p.getDetail())
                .contains("the copy failed")
                .contains("is not proven")
                .contains("does not verify");
    }

    @Test
    void syncKeysReportsAnUnreachableNodeAndAnotherKeyPairUnderAKeysIdentityAsUnresolved() throws Exception {
        FakeKey ksk = FakeKey.generate(ZONE, KeyRole.KSK);
        FakeKey zsk = FakeKey.generate(ZONE, KeyRole.ZSK);
        FakeKey impostor = FakeKey.generate(ZONE, KeyRole.ZSK);
        cluster.node("node-a", "hsm-a").hold("hsm-a", ksk).hold("hsm-a", zsk);
        FakeNode b = cluster.node("node-b", "hsm-b").hold("hsm-b", ksk).holdImpostor("hsm-b", zsk, impostor);
        cluster.unreachable("node-c");
        cluster.records.manifest(
                ZONE, ksk.manifestEntry(KeyState.ACTIVE, "hsm-a"), zsk.manifestEntry(KeyState.ACTIVE, "hsm-a"));

        SyncKeysResult r = ceremonies().syncKeys(ZONE, "alice");

        assertThat(r.getKeySynced()).isFalse();
        assertThat(r.getActionsList())
                .as("nothing copied over another key pair")
                .isEmpty();
        assertThat(b.requests(ImportWrappedKeyRequest.class)).isEmpty();
        assertThat(b.holds("hsm-b", impostor.fingerprint)).as("never touched").isTrue();
        KeyPresenceProblem denic = r.getUnresolvedList().stream()
                .filter(p -> p.getNode().equals("node-b"))
                .findFirst()
                .orElseThrow();
        assertThat(denic.getVerdict()).isEqualTo("different-public-key");
        assertThat(denic.getRole()).isEqualTo(KeyRole.ZSK);
        assertThat(denic.getKeyTag()).isEqualTo(zsk.keyTag);
        assertThat(denic.getFingerprint()).isEqualTo(zsk.fingerprint);
        assertThat(denic.getHsm()).isEqualTo("hsm-b");
        assertThat(denic.getDetail()).contains(impostor.fingerprint);
        assertThat(denic.getFix())
                .contains("keys delete")
                .contains("--fingerprint " + impostor.fingerprint)
                .contains("keys sync --config signerctl.yaml --zone " + ZONE);
        assertThat(r.getUnresolvedList())
                .filteredOn(p -> p.getNode().equals("node-c"))
                .extracting(p -> p.getVerdict() + " " + p.getFingerprint())
                .containsExactlyInAnyOrder("unreachable " + ksk.fingerprint, "unreachable " + zsk.fingerprint);
        assertThat(r.getUnresolvedList())
                .filteredOn(p -> p.getNode().equals("node-c"))
                .allSatisfy(p -> assertThat(p.getFix()).contains("reachable"));
        assertThat(r.getAfter().getExtraList())
                .as("the impostor is the ZSK's verdict, not an extra key")
                .isEmpty();
    }

    @Test
    void syncKeysReportsAKeyNoNodeHoldsProven() throws Exception {
        FakeKey ksk = FakeKey.generate(ZONE, KeyRole.KSK);
        FakeKey lost = FakeKey.generate(ZONE, KeyRole.ZSK);
        cluster.node("node-a", "hsm-a").hold("hsm-a", ksk);
        cluster.node("node-b", "hsm-b").hold("hsm-b", ksk);
        cluster.records.manifest(
                ZONE, ksk.manifestEntry(KeyState.ACTIVE, "hsm-a"), lost.manifestEntry(KeyState.PUBLISHED, "hsm-a"));

        SyncKeysResult r = ceremonies().syncKeys(ZONE, "alice");

        assertThat(r.getKeySynced()).isFalse();
        assertThat(r.getUnresolvedList())
                .extracting(p -> p.getNode() + " " + p.getVerdict() + " " + p.getKeyTag())
                .containsExactly("node-a missing " + lost.keyTag, "node-b missing " + lost.keyTag);
        assertThat(r.getUnresolved(0).getFix()).contains("no node holds this key proven");
    }

    @Test
    void syncKeysOfAZoneWithoutManifestIsRefused() throws Exception {
        cluster.node("node-a", "hsm-a");
        KeyCeremonies c = ceremonies();
        assertThatThrownBy(() -> c.syncKeys("nowhere.test", "alice"))
                .isInstanceOf(CeremonyException.class)
                .hasMessageContaining("nowhere.test. has no live key");
    }
}
