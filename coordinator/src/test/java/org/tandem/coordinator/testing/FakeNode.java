package org.tandem.coordinator.testing;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.security.KeyPair;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.tandem.proto.keysync.v1.BeginKekEnrolmentRequest;
import org.tandem.proto.keysync.v1.CompleteKekEnrolmentRequest;
import org.tandem.proto.keysync.v1.ExportKekRequest;
import org.tandem.proto.keysync.v1.ExportWrappedKeyRequest;
import org.tandem.proto.keysync.v1.GenerateKeyRequest;
import org.tandem.proto.keysync.v1.GenerateKeyResponse;
import org.tandem.proto.keysync.v1.GetKekStatusRequest;
import org.tandem.proto.keysync.v1.HsmInventory;
import org.tandem.proto.keysync.v1.HsmKek;
import org.tandem.proto.keysync.v1.HsmKeyProof;
import org.tandem.proto.keysync.v1.ImportWrappedKeyRequest;
import org.tandem.proto.keysync.v1.ImportWrappedKeyResponse;
import org.tandem.proto.keysync.v1.InitKekRequest;
import org.tandem.proto.keysync.v1.InventoryRequest;
import org.tandem.proto.keysync.v1.InventoryResponse;
import org.tandem.proto.keysync.v1.KekCheckValue;
import org.tandem.proto.keysync.v1.KekStatus;
import org.tandem.proto.keysync.v1.KeySyncGrpc;
import org.tandem.proto.keysync.v1.TransportPublicKey;
import org.tandem.proto.keysync.v1.WrappedKek;
import org.tandem.proto.keysync.v1.WrappedKey;
import org.tandem.proto.signer.v1.GetStatusRequest;
import org.tandem.proto.signer.v1.NodeStatus;
import org.tandem.proto.signer.v1.SelfTestRequest;
import org.tandem.proto.signer.v1.SelfTestResponse;
import org.tandem.proto.signer.v1.SignerNodeGrpc;
import org.tandem.proto.signer.v1.StepDownRequest;
import org.tandem.proto.signer.v1.StepDownResponse;

/**
 * A signer node for the coordinator's unit tests: KeySync over HSMs that are maps of {@link
 * FakeKey}s (a "wrapped" key is the key's fingerprint, unwrapped from the shared {@code vault}), a
 * KEK per HSM that is only its check value, and a SignerNode that answers what the test sets. Records
 * every request. With {@link #failure} set every call fails with that status.
 */
public final class FakeNode {
    /** One object on an HSM: the key it describes, the private key that signs, CKA_ID and label. */
    public record Held(FakeKey key, KeyPair signer, byte[] objectId, String label) {}

    public final String name;
    public final Map<String, Map<String, Held>> hsms = new LinkedHashMap<>();
    public final Map<String, byte[]> keks = new LinkedHashMap<>();
    public final List<Object> requests = new CopyOnWriteArrayList<>();
    public volatile Status failure;
    /** Overrides the check value CompleteKekEnrolment reports (a node whose unwrap went wrong). */
    public volatile byte[] completedCheckValue;
    /** Makes ImportWrappedKey create an object whose private key is this one, not the key's. */
    public volatile KeyPair importSigner;

    public volatile NodeStatus status = NodeStatus.getDefaultInstance();
    public volatile SelfTestResponse selfTest = SelfTestResponse.getDefaultInstance();
    public volatile StepDownResponse stepDown = StepDownResponse.getDefaultInstance();
    /** The key GenerateKey makes. */
    public volatile FakeKey next;

    private final Map<String, FakeKey> vault;
    private final Clock clock;
    private final Map<ByteString, String> enrolments = new LinkedHashMap<>();

    public FakeNode(String name, Map<String, FakeKey> vault, Clock clock, String... hsmNames) {
        this.name = name;
        this.vault = vault;
        this.clock = clock;
        for (String h : hsmNames) {
            hsms.put(h, new LinkedHashMap<>());
        }
    }

    /** Puts the key, proven, on the HSM. */
    public FakeNode hold(String hsm, FakeKey key) {
        vault.put(key.fingerprint, key);
        hsms.get(hsm).put(key.fingerprint, new Held(key, key.pair, key.fingerprintBytes(), "tandem-" + key.role));
        return this;
    }

    /** Puts another key pair under {@code victim}'s CKA_ID and label on the HSM (DENIC 2026). */
    public FakeNode holdImpostor(String hsm, FakeKey victim, FakeKey impostor) {
        hsms.get(hsm)
                .put(
                        impostor.fingerprint,
                        new Held(impostor, impostor.pair, victim.fingerprintBytes(), "tandem-" + victim.role));
        return this;
    }

    public boolean holds(String hsm, String fingerprint) {
        return hsms.get(hsm).containsKey(fingerprint);
    }

    public <T> List<T> requests(Class<T> type) {
        return requests.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private boolean failed(Object request, StreamObserver<?> out) {
        requests.add(request);
        if (failure != null) {
            out.onError(failure.asRuntimeException());
            return true;
        }
        return false;
    }

    private static <T> void answer(StreamObserver<T> out, T value) {
        out.onNext(value);
        out.onCompleted();
    }

    private HsmKeyProof proof(Held h, byte[] nonce, KeyPair signer) {
        try {
            return HsmKeyProof.newBuilder()
                    .setKey(h.key().descriptor)
                    .setObjectId(ByteString.copyFrom(h.objectId()))
                    .setLabel(h.label())
                    .setProofRrsig(ByteString.copyFrom(h.key().prove(signer, nonce, clock.instant())))
                    .build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String hsmOrFirst(String hsm) {
        return hsm.isEmpty() ? hsms.keySet().iterator().next() : hsm;
    }

    /** The KeySync service. */
    public final KeySyncGrpc.KeySyncImplBase keySync = new KeySyncGrpc.KeySyncImplBase() {
        @Override
        public void inventory(InventoryRequest r, StreamObserver<InventoryResponse> out) {
            if (failed(r, out)) {
                return;
            }
            InventoryResponse.Builder b = InventoryResponse.newBuilder().setNode(name);
            for (var e : hsms.entrySet()) {
                HsmInventory.Builder h = HsmInventory.newBuilder().setHsm(e.getKey());
                for (Held k : e.getValue().values()) {
                    if (k.key().zone.equals(r.getZone())) {
                        h.addKeys(proof(k, r.getNonce().toByteArray(), k.signer()));
                    }
                }
                b.addHsms(h);
            }
            answer(out, b.build());
        }

        @Override
        public void exportWrappedKey(ExportWrappedKeyRequest r, StreamObserver<WrappedKey> out) {
            if (failed(r, out)) {
                return;
            }
            String fp = HexFormat.of().formatHex(r.getFingerprint().toByteArray());
            Optional<Held> held = hsms.values().stream()
                    .map(m -> m.get(fp))
                    .filter(h -> h != null && h.signer() == h.key().pair)
                    .findFirst();
            if (held.isEmpty()) {
                out.onError(Status.NOT_FOUND
                        .withDescription("no proven key " + fp + " on " + name)
                        .asRuntimeException());
                return;
            }
            answer(
                    out,
                    WrappedKey.newBuilder()
                            .setKey(held.get().key().descriptor)
                            .setMechanism(0x210A)
                            .setBlob(ByteString.copyFrom(held.get().key().fingerprintBytes()))
                            .build());
        }

        @Override
        public void importWrappedKey(ImportWrappedKeyRequest r, StreamObserver<ImportWrappedKeyResponse> out) {
            if (failed(r, out)) {
                return;
            }
            FakeKey key =
                    vault.get(HexFormat.of().formatHex(r.getWrapped().getBlob().toByteArray()));
            String hsm = hsmOrFirst(r.getHsm());
            hold(hsm, key);
            if (importSigner != null) { // the unwrapped object's private key is not the key's
                hsms.get(hsm)
                        .put(
                                key.fingerprint,
                                new Held(key, importSigner, key.fingerprintBytes(), "tandem-" + key.role));
            }
            Held h = hsms.get(hsm).get(key.fingerprint);
            answer(
                    out,
                    ImportWrappedKeyResponse.newBuilder()
                            .addImported(proof(h, r.getNonce().toByteArray(), h.signer()))
                            .addHsms(hsm)
                            .build());
        }

        @Override
        public void getKekStatus(GetKekStatusRequest r, StreamObserver<KekStatus> out) {
            if (failed(r, out)) {
                return;
            }
            KekStatus.Builder b = KekStatus.newBuilder().setNode(name);
            for (String h : hsms.keySet()) {
                byte[] kek = keks.get(h);
                b.addHsms(HsmKek.newBuilder()
                        .setHsm(h)
                        .setCheckValue(kek == null ? ByteString.EMPTY : ByteString.copyFrom(kek)));
            }
            answer(out, b.build());
        }

        @Override
        public void generateKey(GenerateKeyRequest r, StreamObserver<GenerateKeyResponse> out) {
            if (failed(r, out)) {
                return;
            }
            String hsm = hsmOrFirst(r.getHsm());
            hold(hsm, next);
            answer(
                    out,
                    GenerateKeyResponse.newBuilder()
                            .setNode(name)
                            .setHsm(hsm)
                            .setKey(next.descriptor)
                            .build());
        }

        @Override
        public void initKek(InitKekRequest r, StreamObserver<KekCheckValue> out) {
            if (failed(r, out)) {
                return;
            }
            String hsm = hsmOrFirst(r.getHsm());
            keks.put(hsm, new byte[] {0x0a, 0x0b, 0x0c});
            answer(
                    out,
                    KekCheckValue.newBuilder()
                            .setNode(name)
                            .setHsm(hsm)
                            .setCheckValue(ByteString.copyFrom(keks.get(hsm)))
                            .build());
        }

        @Override
        public void beginKekEnrolment(BeginKekEnrolmentRequest r, StreamObserver<TransportPublicKey> out) {
            if (failed(r, out)) {
                return;
            }
            String hsm = hsmOrFirst(r.getHsm());
            ByteString id = ByteString.copyFromUtf8("enrolment-" + name + "-" + enrolments.size());
            enrolments.put(id, hsm);
            answer(
                    out,
                    TransportPublicKey.newBuilder()
                            .setEnrolmentId(id)
                            .setNode(name)
                            .setHsm(hsm)
                            .setModulus(ByteString.copyFromUtf8("modulus of " + name))
                            .setPublicExponent(ByteString.copyFrom(new byte[] {1, 0, 1}))
                            .setTtlSeconds(300)
                            .build());
        }

        @Override
        public void exportKek(ExportKekRequest r, StreamObserver<WrappedKek> out) {
            if (failed(r, out)) {
                return;
            }
            String hsm =
                    r.getHsm().isEmpty() ? keks.keySet().stream().findFirst().orElse("") : r.getHsm();
            byte[] kek = keks.get(hsm);
            if (kek == null) {
                out.onError(Status.FAILED_PRECONDITION
                        .withDescription("no KEK on " + name)
                        .asRuntimeException());
                return;
            }
            answer(
                    out,
                    WrappedKek.newBuilder()
                            .setBlob(ByteString.copyFromUtf8("kek wrapped under "
                                    + r.getTransport().getModulus().toStringUtf8()))
                            .setCheckValue(ByteString.copyFrom(kek))
                            .setNode(name)
                            .setHsm(hsm)
                            .build());
        }

        @Override
        public void completeKekEnrolment(CompleteKekEnrolmentRequest r, StreamObserver<KekCheckValue> out) {
            if (failed(r, out)) {
                return;
            }
            String hsm = enrolments.remove(r.getEnrolmentId());
            if (hsm == null) {
                out.onError(
                        Status.NOT_FOUND.withDescription("no pending enrolment").asRuntimeException());
                return;
            }
            byte[] kek = completedCheckValue != null
                    ? completedCheckValue
                    : r.getWrapped().getCheckValue().toByteArray();
            keks.put(hsm, kek);
            answer(
                    out,
                    KekCheckValue.newBuilder()
                            .setNode(name)
                            .setHsm(hsm)
                            .setCheckValue(ByteString.copyFrom(kek))
                            .build());
        }
    };

    /** The SignerNode service. */
    public final SignerNodeGrpc.SignerNodeImplBase signerNode = new SignerNodeGrpc.SignerNodeImplBase() {
        @Override
        public void getStatus(GetStatusRequest r, StreamObserver<NodeStatus> out) {
            if (!failed(r, out)) {
                answer(out, status);
            }
        }

        @Override
        public void selfTest(SelfTestRequest r, StreamObserver<SelfTestResponse> out) {
            if (!failed(r, out)) {
                answer(out, selfTest);
            }
        }

        @Override
        public void stepDown(StepDownRequest r, StreamObserver<StepDownResponse> out) {
            if (!failed(r, out)) {
                answer(out, stepDown);
            }
        }
    };

    /** Every key's fingerprint on the HSM. */
    public List<String> fingerprints(String hsm) {
        return new ArrayList<>(hsms.get(hsm).keySet());
    }
}
