package org.tandem.keysync.grpc;

import com.google.protobuf.ByteString;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.audit.AuditEvent;
import org.tandem.keysync.audit.AuditLog;
import org.tandem.keysync.audit.AuditLogException;
import org.tandem.keysync.audit.AuditOperation;
import org.tandem.keysync.audit.AuditOutcome;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.HsmUnavailableException;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyProtos;
import org.tandem.keysync.key.ZoneName;
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
import org.tandem.proto.keysync.v1.WrappedKey;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Section;

/**
 * The {@code KeySync} gRPC service of one node: what the node's HSMs hold, each key proven by
 * signing the caller's nonce ({@code Inventory}); a proven key wrapped under the cluster KEK for
 * another node ({@code ExportWrappedKey}); and such a key unwrapped into the node's HSMs and proven
 * there ({@code ImportWrappedKey}).
 *
 * <p>Contracts:
 *
 * <ul>
 *   <li>Served only through {@link MtlsServers} (use {@link KeySyncServer}): every call is made by a
 *       caller whose certificate the cluster CA issued; its CN ({@link CallerIdentity}) is written
 *       into the audit log as part of the actor. A call without a caller identity is refused with
 *       {@code UNAUTHENTICATED} and not audited.
 *   <li>Every call that gets in is audited: one {@code VERIFY} line per {@code Inventory}, one
 *       {@code WRAP} line per {@code ExportWrappedKey}, one {@code UNWRAP} line per HSM an {@code
 *       ImportWrappedKey} acted on (or one {@code REFUSED} line when it was refused before that).
 *       When the audit log cannot be written the call fails with {@code INTERNAL}; an export then
 *       hands out nothing.
 *   <li>{@code Inventory} never fails for one HSM: an HSM that cannot be listed is reported in its
 *       {@code HsmInventory.error}, a key that cannot sign in its {@code proof_error}. The service
 *       reports, it does not judge: the caller verifies each proof against its own manifest.
 *   <li>Errors are translated here and only here: {@code INVALID_ARGUMENT} (bad nonce, zone,
 *       fingerprint or descriptor), {@code NOT_FOUND} (no proven key, unknown HSM), {@code
 *       ALREADY_EXISTS} (another key holds the identity), {@code FAILED_PRECONDITION} (KEK differs
 *       or missing, proof failed after import), {@code UNAVAILABLE} (HSM gone), {@code INTERNAL}
 *       (other HSM failures, audit log). The description names zone, HSM, role, key tag and
 *       fingerprint where known; the details carry a {@code google.rpc.ErrorInfo} (domain {@code
 *       keysync.tandem.org}, reason such as {@code KEK_MISMATCH}). Never a stack trace.
 * </ul>
 *
 * <p>Thread-safety: safe for concurrent calls (the HSM port and the audit log are). Does not own the
 * HSMs or the audit log: whoever opened them closes them, after the server has stopped.
 *
 * <p>IMPORTANT: an {@code ImportWrappedKey} that cannot prove the unwrapped key with the caller's
 * nonce destroys the object it just created; a key that was already there is never destroyed or
 * replaced by this service.
 */
public final class KeySyncService extends KeySyncGrpc.KeySyncImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(KeySyncService.class);
    /** Shortest nonce accepted: 128 bits, so that a proof can never be precomputed or replayed. */
    static final int MIN_NONCE_BYTES = 16;
    /** Longest nonce accepted (the proto contract). */
    static final int MAX_NONCE_BYTES = 64;
    private static final int SELF_PROOF_NONCE_BYTES = 32;
    /** Longest caller-supplied text copied into an audit line or a description. */
    private static final int MAX_ECHO = 256;

    private final String node;
    private final List<Hsm> hsms;
    private final Clock clock;
    private final AuditLog audit;
    private final String actorPrefix;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param node the node's name from its configuration, returned in {@code Inventory}
     * @param hsms the node's HSMs, in configuration order (at least one, names unique); not owned
     * @param clock the time of proofs and audit lines
     * @param audit the node's audit log; not owned
     * @param actorPrefix who serves, for the audit log ({@code tandem@dc1-signer1 keysync-server});
     *     each line's actor is this, the method and {@code caller=<CN>}
     */
    public KeySyncService(String node, List<? extends Hsm> hsms, Clock clock, AuditLog audit, String actorPrefix) {
        this.node = Objects.requireNonNull(node, "node");
        this.hsms = List.copyOf(hsms);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.actorPrefix = Objects.requireNonNull(actorPrefix, "actorPrefix");
        if (node.isBlank() || actorPrefix.isBlank()) {
            throw new IllegalArgumentException("node name and actor prefix must not be blank");
        }
        if (this.hsms.isEmpty()) {
            throw new IllegalArgumentException("node " + node + " has no HSMs");
        }
        if (new HashSet<>(this.hsms.stream().map(Hsm::id).toList()).size() != this.hsms.size()) {
            throw new IllegalArgumentException("node " + node + " lists an HSM name twice: " + names());
        }
    }

    @Override
    public void inventory(InventoryRequest request, StreamObserver<InventoryResponse> responses) {
        serve("Inventory", responses, actor -> inventory(request, actor));
    }

    @Override
    public void exportWrappedKey(ExportWrappedKeyRequest request, StreamObserver<WrappedKey> responses) {
        serve("ExportWrappedKey", responses, actor -> export(request, actor));
    }

    @Override
    public void importWrappedKey(ImportWrappedKeyRequest request, StreamObserver<ImportWrappedKeyResponse> responses) {
        serve("ImportWrappedKey", responses, actor -> importKey(request, actor));
    }

    @FunctionalInterface
    private interface Call<T> {
        T answer(String actor) throws StatusException;
    }

    /** The gRPC boundary: runs the call as the verified caller and sends its answer or its status. */
    private <T> void serve(String method, StreamObserver<T> responses, Call<T> call) {
        String caller = CallerIdentity.CURRENT.get();
        if (caller == null) {
            // MtlsServers always sets it; without it the service was wired up without mutual TLS.
            LOG.warn("grpc method={} refused: no caller identity (not served through MtlsServers)", method);
            responses.onError(Failure.of(Failure.Reason.UNAUTHENTICATED)
                    .because("no verified client certificate; KeySync is served only over mutual TLS"));
            return;
        }
        T answer;
        try {
            answer = call.answer(actorPrefix + " " + method + " caller=" + caller);
        } catch (StatusException e) {
            LOG.warn("grpc method={} caller={} node={} status={} {}", method, caller, node, e.getStatus().getCode(),
                    e.getStatus().getDescription());
            responses.onError(e);
            return;
        }
        responses.onNext(answer);
        responses.onCompleted();
    }

    // ---------------------------------------------------------------------------------------------
    // Inventory

    private InventoryResponse inventory(InventoryRequest request, String actor) throws StatusException {
        ZoneName zone = zone(request.getZone(), AuditOperation.VERIFY, actor);
        byte[] nonce = nonce(request.getNonce(), zone, AuditOperation.VERIFY, actor);
        InventoryResponse.Builder out = InventoryResponse.newBuilder().setNode(node);
        List<String> summary = new ArrayList<>();
        boolean complete = true;
        for (Hsm hsm : hsms) {
            HsmInventory.Builder inventory = HsmInventory.newBuilder().setHsm(hsm.id().name());
            List<HsmKey> keys;
            try {
                keys = hsm.list(zone);
            } catch (HsmException | RuntimeException e) {
                // gRPC boundary: one HSM's failure, whatever it is, is reported for that HSM only.
                String error = message(hsm.id(), e);
                LOG.warn("zone={} hsm={} inventory: cannot list: {}", zone, hsm.id(), error);
                out.addHsms(inventory.setError(error));
                summary.add(hsm.id() + " unreadable: " + error);
                complete = false;
                continue;
            }
            int signed = 0;
            for (HsmKey key : keys) {
                HsmKeyProof proof = inventoryProof(hsm, key, nonce);
                inventory.addKeys(proof);
                if (proof.getProofError().isEmpty()) {
                    signed++;
                }
            }
            out.addHsms(inventory);
            summary.add(hsm.id() + " " + keys.size() + " key(s), " + signed + " signed");
            complete &= signed == keys.size();
        }
        record(AuditOperation.VERIFY, complete ? AuditOutcome.OK : AuditOutcome.FAILED, zone.toString(),
                String.join(",", names()), null, "inventory with proofs over nonce " + shortHex(nonce) + ": "
                        + String.join("; ", summary), actor);
        return out.build();
    }

    /** One key as the HSM holds it, its private key signing the nonce as the key its public object holds. */
    private HsmKeyProof inventoryProof(Hsm hsm, HsmKey key, byte[] nonce) {
        HsmKeyProof.Builder proof = HsmKeyProof.newBuilder()
                .setObjectId(ByteString.copyFrom(key.ref().objectId()))
                .setLabel(key.label());
        if (key.publicKey().isEmpty()) {
            // Only what the label claims; the caller's verdict is "claims the key but ..." or "extra key".
            return proof.setKey(KeyDescriptor.newBuilder()
                            .setZone(key.zone().toString())
                            .setRole(KeyProtos.toProto(key.role()))
                            .setAlgorithm(key.algorithm().number())
                            .setFlags(key.role().flags())
                            .setKeyTag(key.claimedTag().value()))
                    .setProofError(key.problem().orElse("public key unreadable"))
                    .build();
        }
        DnssecKey pub = key.publicKey().get();
        proof.setKey(KeyProtos.toProto(pub));
        try {
            RRSIGRecord rrsig = PossessionProof.sign(hsm, key.ref(), pub, nonce, clock);
            proof.setProofRrsig(ByteString.copyFrom(rrsig.toWire(Section.ANSWER)));
        } catch (HsmException | RuntimeException e) {
            // gRPC boundary: a key that cannot sign is reported for that key only.
            String error = message(hsm.id(), e);
            LOG.warn("zone={} key={} hsm={} inventory: cannot sign the proof: {}", pub.zone(), pub.fingerprint().shortHex(),
                    hsm.id(), error);
            proof.setProofError(error);
        }
        return proof.build();
    }

    // ---------------------------------------------------------------------------------------------
    // ExportWrappedKey

    private WrappedKey export(ExportWrappedKeyRequest request, String actor) throws StatusException {
        ZoneName zone = zone(request.getZone(), AuditOperation.WRAP, actor);
        if (request.getFingerprint().size() != Fingerprint.LENGTH) {
            throw refuse(Failure.of(Failure.Reason.INVALID_REQUEST).zone(zone), "fingerprint must be " + Fingerprint.LENGTH
                    + " bytes, got " + request.getFingerprint().size(), AuditOperation.WRAP, actor);
        }
        Fingerprint fp = Fingerprint.of(request.getFingerprint().toByteArray());
        List<String> notes = new ArrayList<>();
        boolean unavailable = false;
        boolean noKek = false;
        for (Hsm hsm : hsms) {
            List<HsmKey> keys;
            try {
                keys = hsm.list(zone);
            } catch (HsmException e) {
                notes.add(e.getMessage());
                unavailable |= e instanceof HsmUnavailableException;
                continue;
            }
            for (HsmKey key : keys) {
                if (key.fingerprint().filter(fp::equals).isEmpty()) {
                    continue;
                }
                DnssecKey pub = key.publicKey().orElseThrow();
                Optional<String> unproven = selfProof(hsm, key, pub);
                if (unproven.isPresent()) {
                    LOG.warn("zone={} key={} hsm={} export: not exported from here, proof failed: {}", zone, fp.shortHex(),
                            hsm.id(), unproven.get());
                    notes.add("HSM " + hsm.id() + " holds it (label '" + key.label() + "') but " + unproven.get());
                    continue;
                }
                Optional<byte[]> kcv;
                try {
                    kcv = hsm.kekCheckValue();
                } catch (HsmException e) {
                    notes.add(e.getMessage());
                    unavailable |= e instanceof HsmUnavailableException;
                    continue;
                }
                if (kcv.isEmpty()) {
                    noKek = true;
                    notes.add("HSM " + hsm.id() + " holds it, proven, but holds no cluster KEK to wrap it under");
                    continue;
                }
                org.tandem.keysync.hsm.WrappedKey wrapped;
                try {
                    wrapped = hsm.wrap(key);
                } catch (HsmException e) {
                    throw fail(Failure.of(e).key(pub), "cannot wrap: " + e.getMessage(), AuditOperation.WRAP, actor);
                }
                String kcvHex = HexFormat.of().formatHex(wrapped.kekCheckValue());
                record(AuditOperation.WRAP, AuditOutcome.OK, zone.toString(), hsm.id().name(), pub,
                        "proven, then wrapped under the cluster KEK (check value " + kcvHex + ") for export", actor);
                LOG.info("zone={} key={} tag={} role={} hsm={} kek={} exported wrapped", zone, fp.shortHex(), pub.keyTag(),
                        pub.role(), hsm.id(), kcvHex);
                return WrappedKeys.toProto(wrapped);
            }
        }
        Failure.Reason reason = noKek ? Failure.Reason.NO_KEK
                : unavailable ? Failure.Reason.HSM_UNAVAILABLE : Failure.Reason.KEY_NOT_FOUND;
        Failure failure = Failure.of(reason).zone(zone).fingerprint(fp);
        String what = "no HSM of node " + node + " (" + String.join(", ", names()) + ") holds this key with a valid proof"
                + (notes.isEmpty() ? "" : ": " + String.join("; ", notes));
        throw reason == Failure.Reason.HSM_UNAVAILABLE
                ? fail(failure, what, AuditOperation.WRAP, actor)
                : refuse(failure, what, AuditOperation.WRAP, actor);
    }

    /** Signs a fresh nonce with the key and verifies it with the key's public object; empty when it holds. */
    private Optional<String> selfProof(Hsm hsm, HsmKey key, DnssecKey pub) {
        byte[] nonce = new byte[SELF_PROOF_NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            return PossessionProof.verify(pub, nonce, PossessionProof.sign(hsm, key.ref(), pub, nonce, clock), clock);
        } catch (HsmException e) {
            return Optional.of("cannot sign the proof: " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // ImportWrappedKey

    private ImportWrappedKeyResponse importKey(ImportWrappedKeyRequest request, String actor) throws StatusException {
        org.tandem.keysync.hsm.WrappedKey wrapped;
        try {
            wrapped = WrappedKeys.fromProto(request.getWrapped());
        } catch (IllegalArgumentException e) {
            KeyDescriptor d = request.getWrapped().getKey();
            Failure f = Failure.of(Failure.Reason.INVALID_REQUEST).zone(echo(d.getZone()));
            throw refuse(f, "wrapped key refused: " + e.getMessage(), AuditOperation.UNWRAP, actor);
        }
        DnssecKey key = wrapped.key();
        byte[] nonce = nonce(request.getNonce(), key.zone(), AuditOperation.UNWRAP, actor);
        List<Hsm> targets = targets(request.getHsm(), key, actor);

        // First check every target, so that a refusal leaves every HSM as it was.
        Map<Hsm, Optional<HsmKey>> held = new LinkedHashMap<>();
        for (Hsm hsm : targets) {
            held.put(hsm, precheck(hsm, wrapped, actor));
        }
        ImportWrappedKeyResponse.Builder out = ImportWrappedKeyResponse.newBuilder();
        for (Map.Entry<Hsm, Optional<HsmKey>> target : held.entrySet()) {
            out.addImported(importInto(target.getKey(), wrapped, target.getValue(), nonce, actor));
            out.addHsms(target.getKey().id().name());
        }
        return out.build();
    }

    private List<Hsm> targets(String name, DnssecKey key, String actor) throws StatusException {
        if (name.isEmpty()) {
            return hsms;
        }
        for (Hsm hsm : hsms) {
            if (hsm.id().name().equals(name)) {
                return List.of(hsm);
            }
        }
        throw refuse(Failure.of(Failure.Reason.UNKNOWN_HSM).hsm(echo(name)).key(key), "node " + node + " has no HSM named '"
                + echo(name) + "' (it has: " + String.join(", ", names()) + ")", AuditOperation.UNWRAP, actor);
    }

    /**
     * Whether the HSM already holds exactly this key (then it is not imported again), else that
     * nothing else claims its identity and that the HSM holds the KEK the key was wrapped under.
     */
    private Optional<HsmKey> precheck(Hsm hsm, org.tandem.keysync.hsm.WrappedKey wrapped, String actor)
            throws StatusException {
        DnssecKey key = wrapped.key();
        Fingerprint fp = key.fingerprint();
        List<HsmKey> keys;
        Optional<byte[]> kcv;
        try {
            keys = hsm.list(key.zone());
            kcv = hsm.kekCheckValue();
        } catch (HsmException e) {
            throw fail(Failure.of(e).key(key), "cannot check before importing: " + e.getMessage(), AuditOperation.UNWRAP,
                    actor);
        }
        Optional<HsmKey> exact = keys.stream().filter(k -> k.fingerprint().filter(fp::equals).isPresent()).findFirst();
        if (exact.isPresent()) {
            return exact;
        }
        Optional<HsmKey> claimant = keys.stream()
                .filter(k -> k.idClaims(fp)
                        || (k.role() == key.role() && k.algorithm() == key.algorithm() && k.claimedTag().equals(key.keyTag())))
                .findFirst();
        if (claimant.isPresent()) {
            HsmKey other = claimant.get();
            throw refuse(Failure.of(Failure.Reason.KEY_CONFLICT).hsm(hsm.id()).key(key), "HSM " + hsm.id()
                            + " already holds object '" + other.label() + "' (" + other.role() + " " + other.claimedTag()
                            + ", fp " + other.fingerprint().map(Fingerprint::hex).orElse("unknown: " + other.problem().orElse("?"))
                            + ") claiming the identity of " + key.role() + " " + key.keyTag() + " fp " + fp.hex()
                            + "; not imported. Replace the stray key deliberately: signerctl keys sync --zone " + key.zone()
                            + " --replace-diverged",
                    AuditOperation.UNWRAP, actor);
        }
        if (kcv.isEmpty()) {
            throw refuse(Failure.of(Failure.Reason.NO_KEK).hsm(hsm.id()).key(key), "HSM " + hsm.id()
                    + " holds no cluster KEK; enrol it first: signerctl kek enrol --to " + hsm.id(), AuditOperation.UNWRAP,
                    actor);
        }
        if (!Arrays.equals(kcv.get(), wrapped.kekCheckValue())) {
            throw refuse(Failure.of(Failure.Reason.KEK_MISMATCH).hsm(hsm.id()).key(key), "KEK differs: HSM " + hsm.id()
                    + " has check value " + HexFormat.of().formatHex(kcv.get()) + ", the key was wrapped under "
                    + HexFormat.of().formatHex(wrapped.kekCheckValue()) + " (enrol this HSM with the cluster KEK: signerctl"
                    + " kek enrol); nothing was imported", AuditOperation.UNWRAP, actor);
        }
        return Optional.empty();
    }

    /** Unwraps (unless already held), proves with the caller's nonce, and destroys what it added if the proof fails. */
    private HsmKeyProof importInto(Hsm hsm, org.tandem.keysync.hsm.WrappedKey wrapped, Optional<HsmKey> held, byte[] nonce,
            String actor) throws StatusException {
        DnssecKey key = wrapped.key();
        HsmKey object;
        if (held.isPresent()) {
            object = held.get();
        } else {
            try {
                object = hsm.unwrap(wrapped);
            } catch (HsmException e) {
                throw fail(Failure.of(e).key(key), "cannot unwrap: " + e.getMessage(), AuditOperation.UNWRAP, actor);
            }
        }
        String added = held.isPresent() ? "already held, not imported again" : "unwrapped";
        RRSIGRecord rrsig;
        try {
            rrsig = PossessionProof.sign(hsm, object.ref(), key, nonce, clock);
        } catch (HsmException e) {
            String cleanup = held.isPresent() ? "" : destroyUnproven(hsm, object, key, actor);
            throw fail(Failure.of(e).key(key), added + " but cannot sign the proof: " + e.getMessage() + cleanup,
                    AuditOperation.UNWRAP, actor);
        }
        Optional<String> invalid = PossessionProof.verify(key, nonce, rrsig, clock);
        if (invalid.isPresent()) {
            String consequence = held.isPresent()
                    ? "; the object was already there and is left alone: signerctl keys sync --zone " + key.zone()
                            + " --replace-diverged"
                    : destroyUnproven(hsm, object, key, actor);
            throw fail(Failure.of(Failure.Reason.PROOF_FAILED).hsm(hsm.id()).key(key), added + " but the proof failed: "
                    + invalid.get() + consequence, AuditOperation.UNWRAP, actor);
        }
        record(AuditOperation.UNWRAP, AuditOutcome.OK, key.zone().toString(), hsm.id().name(), key,
                added + "; proven with the caller's nonce " + shortHex(nonce), actor);
        LOG.info("zone={} key={} tag={} role={} hsm={} import: {}, proven", key.zone(), key.fingerprint().shortHex(),
                key.keyTag(), key.role(), hsm.id(), added);
        return HsmKeyProof.newBuilder()
                .setKey(KeyProtos.toProto(key))
                .setObjectId(ByteString.copyFrom(object.ref().objectId()))
                .setLabel(object.label())
                .setProofRrsig(ByteString.copyFrom(rrsig.toWire(Section.ANSWER)))
                .build();
    }

    /** Destroys an object this call unwrapped and could not prove; returns what happened, for the status. */
    private String destroyUnproven(Hsm hsm, HsmKey object, DnssecKey key, String actor) throws StatusException {
        try {
            hsm.delete(object.ref());
        } catch (HsmException e) {
            LOG.error("zone={} key={} hsm={} the unproven imported object could not be destroyed: {}", key.zone(),
                    key.fingerprint().shortHex(), hsm.id(), e.getMessage());
            return "; the unwrapped object could NOT be destroyed (" + e.getMessage() + "): remove it by hand";
        }
        record(AuditOperation.DELETE, AuditOutcome.OK, key.zone().toString(), hsm.id().name(), key,
                "destroyed the object just unwrapped: its proof failed", actor);
        return "; the unwrapped object was destroyed";
    }

    // ---------------------------------------------------------------------------------------------
    // Validation, refusals, audit

    private ZoneName zone(String text, AuditOperation op, String actor) throws StatusException {
        try {
            ZoneName zone = ZoneName.of(text);
            PossessionProof.proofRrset(zone, new byte[MIN_NONCE_BYTES]); // the proof owner name must fit too
            return zone;
        } catch (IllegalArgumentException e) {
            throw refuse(Failure.of(Failure.Reason.INVALID_REQUEST).zone(echo(text)), "zone '" + echo(text) + "' refused: "
                    + e.getMessage(), op, actor);
        }
    }

    private byte[] nonce(ByteString nonce, ZoneName zone, AuditOperation op, String actor) throws StatusException {
        if (nonce.size() < MIN_NONCE_BYTES || nonce.size() > MAX_NONCE_BYTES) {
            throw refuse(Failure.of(Failure.Reason.INVALID_REQUEST).zone(zone), "nonce must be " + MIN_NONCE_BYTES + " to "
                    + MAX_NONCE_BYTES + " fresh random bytes, got " + nonce.size(), op, actor);
        }
        return nonce.toByteArray();
    }

    /** Audits a refusal (nothing was changed) under the failure's facts and returns the status to throw. */
    private StatusException refuse(Failure failure, String what, AuditOperation op, String actor) {
        return audited(failure, what, op, AuditOutcome.REFUSED, actor);
    }

    /** Audits a failed operation under the failure's facts and returns the status to throw. */
    private StatusException fail(Failure failure, String what, AuditOperation op, String actor) {
        return audited(failure, what, op, AuditOutcome.FAILED, actor);
    }

    private StatusException audited(Failure failure, String what, AuditOperation op, AuditOutcome outcome, String actor) {
        StatusException status = failure.because(what);
        String tag = failure.get("key_tag");
        try {
            append(new AuditEvent(clock.instant(), op, failure.get("zone"), failure.get("hsm"), failure.get("fingerprint"),
                    tag.isEmpty() ? null : Integer.valueOf(tag), failure.get("role"), outcome,
                    failure.reason() + ": " + status.getStatus().getDescription(), actor));
        } catch (StatusException auditFailure) {
            return Failure.of(Failure.Reason.AUDIT_FAILED).because(auditFailure.getStatus().getDescription()
                    + "; the call had failed already: " + status.getStatus().getDescription());
        }
        return status;
    }

    private void record(AuditOperation op, AuditOutcome outcome, String zone, String hsm, DnssecKey key, String detail,
            String actor) throws StatusException {
        append(new AuditEvent(clock.instant(), op, zone, hsm, key == null ? "" : key.fingerprint().hex(),
                key == null ? null : key.keyTag().value(), key == null ? "" : key.role().name(), outcome, detail, actor));
    }

    private void append(AuditEvent event) throws StatusException {
        try {
            audit.append(event);
        } catch (AuditLogException e) {
            LOG.error("node={} audit log unwritable, {} of zone={} hsm={} not answered: {}", node, event.operation(),
                    event.zone(), event.hsm(), e.getMessage());
            throw Failure.of(Failure.Reason.AUDIT_FAILED).because("node " + node + " cannot write its audit log (see the"
                    + " node's log); " + event.operation() + " not answered");
        }
    }

    private List<String> names() {
        return hsms.stream().map(h -> h.id().name()).toList();
    }

    private static String message(HsmId hsm, Exception e) {
        if (e instanceof HsmException) {
            return e.getMessage();
        }
        return "HSM " + hsm + ": " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private static String shortHex(byte[] nonce) {
        return HexFormat.of().formatHex(nonce, 0, Math.min(4, nonce.length)) + "…";
    }

    /** Caller text for messages: at most {@value #MAX_ECHO} characters. */
    private static String echo(String text) {
        return text.length() <= MAX_ECHO ? text : text.substring(0, MAX_ECHO) + "…";
    }
}
