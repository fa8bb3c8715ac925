package org.tandem.keysync.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyProtos;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.proof.KeySetReport;
import org.tandem.keysync.proof.KeyStatus;
import org.tandem.keysync.proof.PossessionProof;
import org.tandem.proto.keysync.v1.ExportWrappedKeyRequest;
import org.tandem.proto.keysync.v1.HsmInventory;
import org.tandem.proto.keysync.v1.HsmKeyProof;
import org.tandem.proto.keysync.v1.InventoryRequest;
import org.tandem.proto.keysync.v1.InventoryResponse;
import org.tandem.proto.keysync.v1.KeySyncGrpc;
import org.tandem.proto.keysync.v1.WrappedKey;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Section;

/**
 * The client never trusts a node's answer: in-process fake nodes (software keys, no HSM) answer
 * with what a broken or lying node could send.
 */
class RemoteKeySetTest {
    private static final ZoneName ZONE = ZoneName.of("example.test");
    private static final Instant NOW = Instant.parse("2026-05-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final byte[] NONCE = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private Server server;
    private ManagedChannel channel;

    /** A software key pair standing in for an HSM key. */
    record SoftKey(DnssecKey key, KeyPair pair) {
        static SoftKey generate(KeyRole role) throws Exception {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = g.generateKeyPair();
            return new SoftKey(DnssecKey.of(ZONE, role, Algorithm.ECDSAP256SHA256, pair.getPublic()), pair);
        }

        /** Signs the proof RRset of {@code nonce} as {@code as}, valid from {@code from} to {@code to}. */
        byte[] proof(DnssecKey as, byte[] nonce, Instant from, Instant to) throws Exception {
            RRSIGRecord rrsig =
                    DNSSEC.sign(PossessionProof.proofRrset(ZONE, nonce), as.dnskey(0), pair.getPrivate(), from, to);
            return rrsig.toWire(Section.ANSWER);
        }

        byte[] proof(byte[] nonce) throws Exception {
            return proof(key, nonce, NOW.minusSeconds(7200), NOW.minusSeconds(3600));
        }
    }

    /** A node that answers every Inventory with what {@code answer} makes of the request. */
    private KeySyncGrpc.KeySyncBlockingStub node(Function<InventoryRequest, InventoryResponse> answer)
            throws Exception {
        return node(new KeySyncGrpc.KeySyncImplBase() {
            @Override
            public void inventory(InventoryRequest request, StreamObserver<InventoryResponse> responses) {
                responses.onNext(answer.apply(request));
                responses.onCompleted();
            }
        });
    }

    private KeySyncGrpc.KeySyncBlockingStub node(KeySyncGrpc.KeySyncImplBase service) throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name)
                .directExecutor()
                .addService(service)
                .build()
                .start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        return KeySyncGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static ZoneKeySet manifest(DnssecKey... keys) {
        return new ZoneKeySet(
                ZONE,
                1,
                Arrays.stream(keys)
                        .map(k -> new ZoneKeySet.Entry(k, KeyState.ACTIVE, NOW, "dc1-hsm1"))
                        .toList());
    }

    private static InventoryResponse oneHsm(HsmKeyProof... keys) {
        return InventoryResponse.newBuilder()
                .setNode("dc2-signer1")
                .addHsms(HsmInventory.newBuilder().setHsm("dc2-hsm1").addAllKeys(List.of(keys)))
                .build();
    }

    private static HsmKeyProof reported(DnssecKey as, byte[] proof) {
        return HsmKeyProof.newBuilder()
                .setKey(KeyProtos.toProto(as))
                .setObjectId(ByteString.copyFrom(as.fingerprint().bytes()))
                .setLabel("tandem:" + ZONE + ":" + as.role() + ":13:" + as.keyTag())
                .setProofRrsig(ByteString.copyFrom(proof))
                .build();
    }

    private static byte[] nonceOf(InventoryRequest request) {
        return request.getNonce().toByteArray();
    }

    @Test
    void keyProvenOverTheCallersNonceIsOk() throws Exception {
        SoftKey zsk = SoftKey.generate(KeyRole.ZSK);
        var stub = node(r -> oneHsm(reported(zsk.key(), sign(() -> zsk.proof(nonceOf(r))))));

        KeySetReport report = RemoteKeySet.verify(stub, manifest(zsk.key()), NONCE, CLOCK, DEADLINE);

        assertThat(report.keySynced()).as("%s", report.checks()).isTrue();
        assertThat(report.hsms()).containsExactly(new HsmId("dc2-hsm1"));
    }

    @Test
    void proofReplayedFromAnotherNonceIsAPrivateKeyMismatch() throws Exception {
        SoftKey zsk = SoftKey.generate(KeyRole.ZSK);
        byte[] old = zsk.proof("an earlier nonce, 32 bytes long!".getBytes(StandardCharsets.US_ASCII));
        var stub = node(r -> oneHsm(reported(zsk.key(), old)));

        KeySetReport report = RemoteKeySet.verify(stub, manifest(zsk.key()), NONCE, CLOCK, DEADLINE);

        assertThat(report.checks())
                .singleElement()
                .satisfies(c -> assertThat(c.status()).isEqualTo(KeyStatus.PRIVATE_KEY_MISMATCH));
    }

    @Test
    void nodeThatReportsTheManifestKeyButSignsWithAnotherIsAPrivateKeyMismatch() throws Exception {
        SoftKey zsk = SoftKey.generate(KeyRole.ZSK);
        SoftKey impostor = SoftKey.generate(KeyRole.ZSK);
        var stub = node(r -> oneHsm(reported(
                zsk.key(),
                sign(() -> impostor.proof(zsk.key(), nonceOf(r), NOW.minusSeconds(7200), NOW.minusSeconds(3600))))));

        KeySetReport report = RemoteKeySet.verify(stub, manifest(zsk.key()), NONCE, CLOCK, DEADLINE);

        assertThat(report.checks())
                .singleElement()
                .satisfies(c -> assertThat(c.status()).isEqualTo(KeyStatus.PRIVATE_KEY_MISMATCH));
    }

    @Test
    void fingerprintTheNodeStatesIsNotBelievedOverItsPublicKey() throws Exception {
        SoftKey zsk = SoftKey.generate(KeyRole.ZSK);
        SoftKey stray = SoftKey.generate(KeyRole.ZSK);
        var stub = node(r -> {
            HsmKeyProof honest = reported(stray.key(), sign(() -> stray.proof(nonceOf(r))));
            // claims the manifest key's fingerprint (and CKA_ID) for the stray public key
            return oneHsm(honest.toBuilder()
                    .setKey(honest.getKey().toBuilder()
                            .setFingerprint(
                                    ByteString.copyFrom(zsk.key().fingerprint().bytes())))
                    .setObjectId(ByteString.copyFrom(zsk.key().fingerprint().bytes()))
                    .build());
        });

        KeySetReport report = RemoteKeySet.verify(stub, manifest(zsk.key()), NONCE, CLOCK, DEADLINE);

        assertThat(report.checks()).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(KeyStatus.DIFFERENT_PUBLIC_KEY);
            assertThat(c.detail()).contains("does not hold together");
        });
    }

    @Test
    void proofOutsideItsValidityIsAnHsmErrorThatPointsAtTheClocks() throws Exception {
        SoftKey zsk = SoftKey.generate(KeyRole.ZSK);
        var stub = node(r -> oneHsm(reported(
                zsk.key(),
                sign(() -> zsk.proof(zsk.key(), nonceOf(r), NOW.minusSeconds(4 * 3600), NOW.minusSeconds(3 * 3600))))));

        KeySetReport report = RemoteKeySet.verify(stub, manifest(zsk.key()), NONCE, CLOCK, DEADLINE);

        assertThat(report.checks()).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(KeyStatus.HSM_ERROR);
            assertThat(c.detail()).contains("clocks");
        });
    }

    @Test
    void proofThatIsALiveDnssecSignatureIsRefused() throws Exception {
        // A node that signs the nonce RRset with a window around now hands out a signature a
        // validator would accept: the client refuses it even though the signature is good.
        SoftKey zsk = SoftKey.generate(KeyRole.ZSK);
        var stub = node(r -> oneHsm(reported(
                zsk.key(),
                sign(() -> zsk.proof(zsk.key(), nonceOf(r), NOW.minusSeconds(1800), NOW.plusSeconds(1800))))));

        KeySetReport report = RemoteKeySet.verify(stub, manifest(zsk.key()), NONCE, CLOCK, DEADLINE);

        assertThat(report.checks()).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(KeyStatus.HSM_ERROR);
            assertThat(c.detail()).contains("live DNSSEC signature");
        });
    }

    @Test
    void proofErrorAndGarbageProofAreHsmErrors() throws Exception {
        SoftKey ksk = SoftKey.generate(KeyRole.KSK);
        SoftKey zsk = SoftKey.generate(KeyRole.ZSK);
        var stub = node(r -> oneHsm(
                reported(ksk.key(), new byte[0]).toBuilder()
                        .setProofError("HSM dc2-hsm1: CKR_DEVICE_ERROR")
                        .build(),
                reported(zsk.key(), new byte[] {1, 2, 3})));

        KeySetReport report = RemoteKeySet.verify(stub, manifest(ksk.key(), zsk.key()), NONCE, CLOCK, DEADLINE);

        assertThat(report.checks())
                .extracting(c -> c.status())
                .containsExactly(KeyStatus.HSM_ERROR, KeyStatus.HSM_ERROR);
        assertThat(report.checks().get(0).detail()).isEqualTo("cannot sign the proof: HSM dc2-hsm1: CKR_DEVICE_ERROR");
    }

    @Test
    void unreadableHsmMakesEveryManifestKeyAnHsmErrorThere() throws Exception {
        SoftKey zsk = SoftKey.generate(KeyRole.ZSK);
        var stub = node(r -> InventoryResponse.newBuilder()
                .addHsms(HsmInventory.newBuilder().setHsm("dc2-hsm1").setError("HSM dc2-hsm1: token removed"))
                .build());

        KeySetReport report = RemoteKeySet.verify(stub, manifest(zsk.key()), NONCE, CLOCK, DEADLINE);

        assertThat(report.checks()).singleElement().satisfies(c -> {
            assertThat(c.status()).isEqualTo(KeyStatus.HSM_ERROR);
            assertThat(c.detail()).isEqualTo("HSM dc2-hsm1: token removed");
        });
    }

    @Test
    void answerWithoutHsmsIsRefusedRatherThanReadAsKeySynced() throws Exception {
        SoftKey zsk = SoftKey.generate(KeyRole.ZSK);
        var stub =
                node(r -> InventoryResponse.newBuilder().setNode("dc2-signer1").build());

        assertThatThrownBy(() -> RemoteKeySet.verify(stub, manifest(zsk.key()), NONCE, CLOCK, DEADLINE))
                .isInstanceOf(RemoteCallException.class)
                .hasMessageContaining("no HSMs");
    }

    @Test
    void answerNamingAnHsmTwiceIsRefused() throws Exception {
        SoftKey zsk = SoftKey.generate(KeyRole.ZSK);
        var stub = node(r -> InventoryResponse.newBuilder()
                .addHsms(HsmInventory.newBuilder().setHsm("dc2-hsm1"))
                .addHsms(HsmInventory.newBuilder().setHsm("dc2-hsm1"))
                .build());

        assertThatThrownBy(() -> RemoteKeySet.verify(stub, manifest(zsk.key()), NONCE, CLOCK, DEADLINE))
                .isInstanceOf(RemoteCallException.class)
                .hasMessageContaining("reported twice");
    }

    @Test
    void refusalCarriesTheNodesErrorInfo() throws Exception {
        SoftKey zsk = SoftKey.generate(KeyRole.ZSK);
        var stub = node(new KeySyncGrpc.KeySyncImplBase() {
            @Override
            public void exportWrappedKey(ExportWrappedKeyRequest request, StreamObserver<WrappedKey> responses) {
                responses.onError(Failure.of(Failure.Reason.NO_KEK)
                        .hsm(new HsmId("dc2-hsm1"))
                        .key(zsk.key())
                        .because("holds no cluster KEK"));
            }
        });

        assertThatThrownBy(() -> RemoteKeySet.export(stub, ZONE, zsk.key().fingerprint(), DEADLINE))
                .isInstanceOfSatisfying(RemoteCallException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.method()).isEqualTo("ExportWrappedKey");
                    assertThat(e.reason()).isEqualTo("NO_KEK");
                    assertThat(e.metadata())
                            .containsEntry("hsm", "dc2-hsm1")
                            .containsEntry("zone", "example.test.")
                            .containsEntry("role", "ZSK")
                            .containsEntry("key_tag", zsk.key().keyTag().toString())
                            .containsEntry(
                                    "fingerprint", zsk.key().fingerprint().hex());
                    assertThat(e.getMessage())
                            .contains("zone example.test. HSM dc2-hsm1 ZSK "
                                    + zsk.key().keyTag() + " fp "
                                    + zsk.key().fingerprint().hex() + ": holds no cluster KEK");
                });
    }

    @Test
    void exportAnsweringAnotherKeyIsRefused() throws Exception {
        SoftKey asked = SoftKey.generate(KeyRole.ZSK);
        SoftKey other = SoftKey.generate(KeyRole.ZSK);
        var stub = node(new KeySyncGrpc.KeySyncImplBase() {
            @Override
            public void exportWrappedKey(ExportWrappedKeyRequest request, StreamObserver<WrappedKey> responses) {
                responses.onNext(WrappedKey.newBuilder()
                        .setKey(KeyProtos.toProto(other.key()))
                        .setMechanism(0x210A)
                        .setBlob(ByteString.copyFrom(new byte[40]))
                        .setKekCheckValue(ByteString.copyFrom(new byte[3]))
                        .build());
                responses.onCompleted();
            }
        });

        assertThatThrownBy(() -> RemoteKeySet.export(stub, ZONE, asked.key().fingerprint(), DEADLINE))
                .isInstanceOf(RemoteCallException.class)
                .hasMessageContaining("another key");
    }

    @Test
    void unreachableNodeIsARemoteCallExceptionWithTheStatusCode() throws Exception {
        SoftKey zsk = SoftKey.generate(KeyRole.ZSK);
        channel = InProcessChannelBuilder.forName(InProcessServerBuilder.generateName())
                .build();
        var stub = KeySyncGrpc.newBlockingStub(channel);

        assertThatThrownBy(() -> RemoteKeySet.verify(stub, manifest(zsk.key()), NONCE, CLOCK, DEADLINE))
                .isInstanceOfSatisfying(RemoteCallException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getMessage()).contains("KeySync/Inventory", "example.test.");
                });
    }

    @FunctionalInterface
    private interface Signing {
        byte[] run() throws Exception;
    }

    /** Lets a fake node's lambda sign; a signing failure is a broken test, not a node answer. */
    private static byte[] sign(Signing signing) {
        try {
            return signing.run();
        } catch (Exception e) {
            throw new IllegalStateException("test signing failed: " + e, e);
        }
    }
}
