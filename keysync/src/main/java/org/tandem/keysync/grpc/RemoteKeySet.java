package org.tandem.keysync.grpc;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.WrappedKey;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyProtos;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyTag;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.proof.KeyCheck;
import org.tandem.keysync.proof.KeySetMatcher;
import org.tandem.keysync.proof.KeySetReport;
import org.tandem.keysync.proof.KeyStatus;
import org.tandem.keysync.proof.PossessionProof;
import org.tandem.proto.keysync.v1.ExportWrappedKeyRequest;
import org.tandem.proto.keysync.v1.HsmInventory;
import org.tandem.proto.keysync.v1.HsmKeyProof;
import org.tandem.proto.keysync.v1.ImportWrappedKeyRequest;
import org.tandem.proto.keysync.v1.ImportWrappedKeyResponse;
import org.tandem.proto.keysync.v1.InventoryRequest;
import org.tandem.proto.keysync.v1.InventoryResponse;
import org.tandem.proto.keysync.v1.KeyDescriptor;
import org.tandem.proto.keysync.v1.KeySyncGrpc;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The client side of {@code KeySync}: the key-set verdict on another node's HSMs, and moving a
 * wrapped key between nodes.
 *
 * <p>{@link #verify} gives exactly the verdicts the local {@link
 * org.tandem.keysync.proof.KeySetVerifier} gives for the same HSM content (both use {@link
 * KeySetMatcher}), but from the node's {@code Inventory} answer. IMPORTANT: the answer is never
 * trusted. A key matches a manifest key only by the fingerprint computed here from the public key
 * the node reports; every proof RRSIG is verified here, over the caller's own nonce, with the
 * <em>manifest's</em> public key. A node that lies about its public keys cannot make a key look
 * proven, and an old proof cannot be replayed against a fresh nonce.
 *
 * <p>Contracts: every call carries the given deadline; a failed call or an answer that does not
 * hold together throws {@link RemoteCallException} (never a report that could read as key-synced).
 * The caller owns the stub's channel. Stateless and thread-safe.
 */
public final class RemoteKeySet {
    private RemoteKeySet() {}

    /**
     * Verifies a node's HSMs against the manifest with the caller's nonce.
     *
     * @param stub a stub on a mutual-TLS channel to the node ({@link MtlsChannels})
     * @param manifest the zone's desired key set
     * @param nonce fresh random bytes, 16 to 64, chosen by the caller for this call only
     * @param clock the time against which proof RRSIGs must be valid
     * @param deadline how long the call may take
     * @return one check per live manifest key per HSM of the node, plus one per extra key
     * @throws RemoteCallException when the call fails (unreachable, deadline, refused) or the answer
     *     is malformed (no HSMs, unnamed or repeated HSMs, keys without role or algorithm)
     * @throws IllegalArgumentException when the nonce is not 16 to 64 bytes
     */
    public static KeySetReport verify(
            KeySyncGrpc.KeySyncBlockingStub stub, ZoneKeySet manifest, byte[] nonce, Clock clock, Duration deadline)
            throws RemoteCallException {
        Objects.requireNonNull(stub, "stub");
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(clock, "clock");
        byte[] ours = Objects.requireNonNull(nonce, "nonce").clone();
        PossessionProof.proofRrset(manifest.zone(), ours); // checks the nonce's length before any call
        String asked = "zone " + manifest.zone();
        InventoryResponse answer;
        try {
            answer = withDeadline(stub, deadline)
                    .inventory(InventoryRequest.newBuilder()
                            .setZone(manifest.zone().toString())
                            .setNonce(ByteString.copyFrom(ours))
                            .build());
        } catch (StatusRuntimeException e) {
            throw RemoteCallException.failed("Inventory", asked, e);
        }
        if (answer.getHsmsCount() == 0) {
            throw RemoteCallException.malformed("Inventory", asked, "node '" + answer.getNode() + "' reported no HSMs");
        }
        List<HsmId> hsms = new ArrayList<>();
        List<KeyCheck> checks = new ArrayList<>();
        Set<HsmId> seen = new HashSet<>();
        for (HsmInventory inventory : answer.getHsmsList()) {
            HsmId hsm = hsmId("Inventory", inventory.getHsm(), asked);
            if (!seen.add(hsm)) {
                throw RemoteCallException.malformed("Inventory", asked, "HSM '" + hsm + "' reported twice");
            }
            hsms.add(hsm);
            if (!inventory.getError().isEmpty()) {
                checks.addAll(KeySetMatcher.unreadable(manifest, hsm, inventory.getError()));
                continue;
            }
            List<KeySetMatcher.FoundKey> views = new ArrayList<>();
            for (HsmKeyProof key : inventory.getKeysList()) {
                views.add(view(key, hsm, asked));
            }
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < views.size(); i++) {
                order.add(i);
            }
            checks.addAll(KeySetMatcher.check(
                    manifest,
                    hsm,
                    order,
                    views::get,
                    (i, expected) -> proof(inventory.getKeys(i), expected, ours, clock)));
        }
        return new KeySetReport(manifest.zone(), manifest.version(), hsms, checks);
    }

    /**
     * Has the node wrap one key under the cluster KEK. The answer is checked: its descriptor must
     * hold together and be the key asked for (same fingerprint), so that the returned {@link
     * WrappedKey#key()} can be trusted as far as {@code fingerprint} can.
     *
     * @throws RemoteCallException when the call fails ({@code NOT_FOUND}: no HSM of the node holds
     *     the key with a valid proof; {@code FAILED_PRECONDITION}: no KEK) or answers another key
     */
    public static WrappedKey export(
            KeySyncGrpc.KeySyncBlockingStub stub, ZoneName zone, Fingerprint fingerprint, Duration deadline)
            throws RemoteCallException {
        Objects.requireNonNull(stub, "stub");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(fingerprint, "fingerprint");
        String asked = "zone " + zone + " fp " + fingerprint.hex();
        org.tandem.proto.keysync.v1.WrappedKey answer;
        try {
            answer = withDeadline(stub, deadline)
                    .exportWrappedKey(ExportWrappedKeyRequest.newBuilder()
                            .setZone(zone.toString())
                            .setFingerprint(ByteString.copyFrom(fingerprint.bytes()))
                            .build());
        } catch (StatusRuntimeException e) {
            throw RemoteCallException.failed("ExportWrappedKey", asked, e);
        }
        WrappedKey wrapped;
        try {
            wrapped = WrappedKeys.fromProto(answer);
        } catch (IllegalArgumentException e) {
            throw RemoteCallException.malformed("ExportWrappedKey", asked, e.getMessage());
        }
        if (!wrapped.key().fingerprint().equals(fingerprint)
                || !wrapped.key().zone().equals(zone)) {
            throw RemoteCallException.malformed(
                    "ExportWrappedKey",
                    asked,
                    "the node sent another key: " + wrapped.key().describe());
        }
        return wrapped;
    }

    /**
     * Has the node unwrap a key into one of its HSMs (or all of them, when {@code hsm} is empty) and
     * verifies each returned proof, over the caller's nonce, with {@code wrapped.key()}: pass a
     * wrapped key whose public key is the manifest's (as {@link #export} checks).
     *
     * @param nonce fresh random bytes, 16 to 64, chosen by the caller for this call only
     * @return the HSMs that now hold the key, proven (imported now or held already)
     * @throws RemoteCallException when the call fails ({@code FAILED_PRECONDITION}: KEK differs or
     *     the proof failed there; {@code ALREADY_EXISTS}: another key claims the identity; {@code
     *     NOT_FOUND}: no such HSM), or when a returned proof does not verify
     * @throws IllegalArgumentException when the nonce is not 16 to 64 bytes
     */
    public static List<HsmId> importKey(
            KeySyncGrpc.KeySyncBlockingStub stub,
            WrappedKey wrapped,
            Optional<HsmId> hsm,
            byte[] nonce,
            Clock clock,
            Duration deadline)
            throws RemoteCallException {
        Objects.requireNonNull(stub, "stub");
        Objects.requireNonNull(wrapped, "wrapped");
        Objects.requireNonNull(hsm, "hsm");
        Objects.requireNonNull(clock, "clock");
        byte[] ours = Objects.requireNonNull(nonce, "nonce").clone();
        DnssecKey key = wrapped.key();
        PossessionProof.proofRrset(key.zone(), ours);
        String asked = key.describe() + " into " + hsm.map(HsmId::name).orElse("every HSM");
        ImportWrappedKeyResponse answer;
        try {
            answer = withDeadline(stub, deadline)
                    .importWrappedKey(ImportWrappedKeyRequest.newBuilder()
                            .setWrapped(WrappedKeys.toProto(wrapped))
                            .setHsm(hsm.map(HsmId::name).orElse(""))
                            .setNonce(ByteString.copyFrom(ours))
                            .build());
        } catch (StatusRuntimeException e) {
            throw RemoteCallException.failed("ImportWrappedKey", asked, e);
        }
        if (answer.getImportedCount() == 0 || answer.getImportedCount() != answer.getHsmsCount()) {
            throw RemoteCallException.malformed(
                    "ImportWrappedKey",
                    asked,
                    answer.getImportedCount() + " proof(s) for " + answer.getHsmsCount() + " HSM(s)");
        }
        List<HsmId> proven = new ArrayList<>();
        for (int i = 0; i < answer.getImportedCount(); i++) {
            HsmId on = hsmId("ImportWrappedKey", answer.getHsms(i), asked);
            if (hsm.isPresent() && !hsm.get().equals(on)) {
                throw RemoteCallException.malformed("ImportWrappedKey", asked, "the node imported into HSM " + on);
            }
            KeySetMatcher.Proof proof = proof(answer.getImported(i), key, ours, clock);
            if (proof.status() != KeyStatus.OK) {
                throw RemoteCallException.malformed(
                        "ImportWrappedKey",
                        asked,
                        "the proof from HSM " + on + " does not verify with " + key.describe() + ": " + proof.reason());
            }
            proven.add(on);
        }
        return List.copyOf(proven);
    }

    private static KeySyncGrpc.KeySyncBlockingStub withDeadline(
            KeySyncGrpc.KeySyncBlockingStub stub, Duration deadline) {
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive, got " + deadline);
        }
        return stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
    }

    private static HsmId hsmId(String method, String name, String asked) throws RemoteCallException {
        if (name.isBlank()) {
            throw RemoteCallException.malformed(method, asked, "an HSM without a name");
        }
        return new HsmId(name);
    }

    /**
     * What the matcher may know of a reported key: the label's claims, the {@code CKA_ID}, and the
     * fingerprint computed here from the reported public key (never the one the node states).
     */
    private static KeySetMatcher.FoundKey view(HsmKeyProof key, HsmId hsm, String asked) throws RemoteCallException {
        KeyDescriptor d = key.getKey();
        KeyRole role;
        Algorithm algorithm;
        KeyTag tag;
        try {
            role = KeyProtos.fromProto(d.getRole());
            algorithm = Algorithm.of(d.getAlgorithm());
            tag = new KeyTag(d.getKeyTag());
        } catch (IllegalArgumentException e) {
            throw RemoteCallException.malformed(
                    "Inventory", asked, "HSM " + hsm + " object '" + key.getLabel() + "': " + e.getMessage());
        }
        Optional<Fingerprint> fingerprint = Optional.empty();
        Optional<String> problem;
        if (d.getPublicKey().isEmpty()) {
            problem = Optional.of(key.getProofError().isEmpty() ? "public key unreadable" : key.getProofError());
        } else {
            try {
                fingerprint = Optional.of(KeyProtos.fromProto(d).fingerprint());
                problem = Optional.empty();
            } catch (IllegalArgumentException e) {
                problem = Optional.of(
                        "the node's description of its public key does not hold together: " + e.getMessage());
            }
        }
        return new KeySetMatcher.FoundKey(
                key.getLabel(), key.getObjectId().toByteArray(), role, algorithm, tag, fingerprint, problem);
    }

    /** Checks the node's proof RRSIG over our nonce with the key we expect (the manifest's). */
    private static KeySetMatcher.Proof proof(HsmKeyProof key, DnssecKey expected, byte[] nonce, Clock clock) {
        if (!key.getProofError().isEmpty()) {
            return KeySetMatcher.Proof.hsmError("cannot sign the proof: " + key.getProofError());
        }
        if (key.getProofRrsig().isEmpty()) {
            return KeySetMatcher.Proof.hsmError("the node sent no proof for this key");
        }
        Record record;
        try {
            record = Record.fromWire(key.getProofRrsig().toByteArray(), Section.ANSWER);
        } catch (IOException | RuntimeException e) {
            // dnsjava reports some malformed RDATA as unchecked exceptions: either way, no proof.
            return KeySetMatcher.Proof.hsmError("the node's proof is not a readable RRSIG record: " + e.getMessage());
        }
        if (!(record instanceof RRSIGRecord rrsig)) {
            return KeySetMatcher.Proof.hsmError(
                    "the node's proof is a " + Type.string(record.getType()) + " record, not an RRSIG");
        }
        Optional<String> window = PossessionProof.windowProblem(rrsig, clock.instant());
        if (window.isPresent()) {
            return KeySetMatcher.Proof.hsmError("the node's proof: " + window.get());
        }
        return PossessionProof.verify(expected, nonce, rrsig, clock)
                .map(KeySetMatcher.Proof::mismatch)
                .orElseGet(KeySetMatcher.Proof::valid);
    }
}
