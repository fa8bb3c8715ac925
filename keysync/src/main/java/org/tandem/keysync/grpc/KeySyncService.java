package org.tandem.keysync.grpc;

import com.google.protobuf.ByteString;
import io.grpc.BindableService;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.KeySync;
import org.tandem.keysync.KeySyncException;
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
import org.tandem.keysync.hsm.TransportKey;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyProtos;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ManifestException;
import org.tandem.keysync.manifest.ManifestStore;
import org.tandem.keysync.manifest.VersionedManifest;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.proof.KeySetVerifier;
import org.tandem.keysync.proof.PossessionProof;
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
import org.tandem.proto.keysync.v1.KeyDescriptor;
import org.tandem.proto.keysync.v1.KeySyncGrpc;
import org.tandem.proto.keysync.v1.TransportPublicKey;
import org.tandem.proto.keysync.v1.WrappedKek;
import org.tandem.proto.keysync.v1.WrappedKey;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Section;

/**
 * The {@code KeySync} gRPC service of one node: what the node's HSMs hold, each key proven by
 * signing the caller's nonce ({@code Inventory}); a proven key of the zone's manifest wrapped under
 * the cluster KEK for another node ({@code ExportWrappedKey}); such a key unwrapped into the node's
 * HSMs, made from the manifest's entry and proven there ({@code ImportWrappedKey}); the HSMs' KEK
 * check values ({@code GetKekStatus}); and, on the coordinator's order, a key generated once on
 * one HSM and added to the manifest as GENERATED ({@code GenerateKey}), the cluster KEK generated
 * ({@code InitKek}) or carried from a holder to a new HSM under an RSA transport key made inside
 * the new HSM ({@code BeginKekEnrolment} on the new node, {@code ExportKek} on the holder, {@code
 * CompleteKekEnrolment} on the new node).
 *
 * <p>Contracts:
 *
 * <ul>
 *   <li>Served only through {@link MtlsServers} (use {@link KeySyncServer}, or hand it to {@link
 *       MtlsServers} with other services): every call is made by a caller whose certificate the
 *       cluster CA issued; its CN ({@link CallerIdentity}) is written into the audit log as part of
 *       the actor. A call without a caller identity is refused with {@code UNAUTHENTICATED} and not
 *       audited. {@link #bindService()} puts {@link KeySyncAuthorization} in front of every method,
 *       so the role rules hold wherever the service is served: a caller without the role is {@code
 *       PERMISSION_DENIED} and audited, and never reaches the methods below.
 *   <li>Keys cross nodes only as the zone's manifest (read from the {@link ManifestStore}, never
 *       written here except by {@code GenerateKey}) allows: {@code ExportWrappedKey} hands out only a
 *       key that is live in the manifest; {@code ImportWrappedKey} accepts only a key the manifest
 *       lists live with the blob's fingerprint, role and algorithm, and makes the object (label,
 *       {@code CKA_ID}, role, algorithm) from the manifest's entry, never from the caller's
 *       descriptor. Anything else is {@code FAILED_PRECONDITION} ({@code NOT_IN_MANIFEST}), audited.
 *   <li>Every call that gets in is audited: one {@code VERIFY} line per {@code Inventory} and {@code
 *       GetKekStatus}, one {@code WRAP} line per {@code ExportWrappedKey}, one {@code UNWRAP} line
 *       per HSM an {@code ImportWrappedKey} acted on, {@code GENERATE}, {@code KEK_INIT} and {@code
 *       KEK_ENROL} lines for the ceremonies (their actor adds {@code ordered_by=<who>}), or one
 *       {@code REFUSED}/{@code FAILED} line when a call was refused or failed. When the audit log
 *       cannot be written the call fails with {@code INTERNAL}; an export then hands out nothing.
 *   <li>{@code Inventory} never fails for one HSM: an HSM that cannot be listed is reported in its
 *       {@code HsmInventory.error}, a key that cannot sign in its {@code proof_error}. The service
 *       reports, it does not judge: the caller verifies each proof against its own manifest.
 *   <li>A KEK enrolment begun here is kept in memory for {@value #DEFAULT_ENROLMENT_TTL_SECONDS} s
 *       under a random 16-byte id; then its transport key is destroyed in the HSM (swept), and a
 *       {@code CompleteKekEnrolment} naming it is refused. A restart forgets every pending
 *       enrolment (the transport keys are session objects and go with the sessions).
 *   <li>Errors are translated here and only here: {@code INVALID_ARGUMENT} (bad nonce, zone,
 *       fingerprint, descriptor or transport key), {@code NOT_FOUND} (no proven key, unknown HSM),
 *       {@code ALREADY_EXISTS} (another key holds the identity), {@code FAILED_PRECONDITION} (not in
 *       the manifest, KEK differs, missing or already there, proof failed after import, unknown or
 *       expired enrolment), {@code ABORTED} (the manifest kept changing), {@code UNAVAILABLE} (HSM or
 *       ZooKeeper gone), {@code INTERNAL} (other HSM failures, audit log). The description names
 *       zone, HSM, role, key tag and fingerprint where known; the details carry a {@code
 *       google.rpc.ErrorInfo} (domain {@code keysync.tandem.org}, reason such as {@code
 *       KEK_MISMATCH}). Never a stack trace.
 * </ul>
 *
 * <p>Thread-safety: safe for concurrent calls (the HSM port, the store and the audit log are; the
 * pending enrolments are a concurrent map, each taken out once). Does not own the HSMs, the store or
 * the audit log: whoever opened them closes them, after the server has stopped.
 *
 * <p>IMPORTANT: an {@code ImportWrappedKey} that cannot prove the unwrapped key with the caller's
 * nonce destroys the object it just created; a key that was already there is never destroyed or
 * replaced by this service. A {@code CompleteKekEnrolment} whose KEK check value differs from the
 * holder's destroys the KEK it just unwrapped.
 */
public final class KeySyncService implements KeySyncGrpc.AsyncService, BindableService {
    private static final Logger LOG = LoggerFactory.getLogger(KeySyncService.class);
    /** Shortest nonce accepted: 128 bits, so that a proof can never be precomputed or replayed. */
    static final int MIN_NONCE_BYTES = 16;
    /** Longest nonce accepted (the proto contract). */
    static final int MAX_NONCE_BYTES = 64;

    private static final int SELF_PROOF_NONCE_BYTES = 32;
    /** Longest caller-supplied text copied into an audit line or a description. */
    private static final int MAX_ECHO = 256;
    /** How long a begun KEK enrolment waits for its wrapped KEK (the proto's ttl_seconds). */
    static final long DEFAULT_ENROLMENT_TTL_SECONDS = 300;
    /** Pending enrolments at once: each holds an RSA key pair in an HSM session. */
    static final int MAX_PENDING_ENROLMENTS = 8;
    /** Smallest transport modulus {@code ExportKek} wraps the KEK under (NIST SP 800-57: 112-bit strength). */
    static final int MIN_TRANSPORT_BITS = 2048;

    private static final int ENROLMENT_ID_BYTES = 16;

    private final String node;
    private final List<Hsm> hsms;
    private final Clock clock;
    private final AuditLog audit;
    private final String actorPrefix;
    private final ManifestStore store;
    private final KeySetVerifier verifier;
    private final KeySyncAuthorization authorization;
    private final SecureRandom random = new SecureRandom();
    private final ConcurrentMap<String, PendingEnrolment> enrolments = new ConcurrentHashMap<>();
    /**
     * Held from an import's first look at the HSMs to its last write: the leader's replicator and
     * an operator's {@code keys sync} may import the same key at the same moment, and two unwraps
     * under one identity would leave a second key pair behind it.
     */
    private final Object imports = new Object();

    private volatile Duration enrolmentTtl = Duration.ofSeconds(DEFAULT_ENROLMENT_TTL_SECONDS);

    /** A begun KEK enrolment: the transport key whose private half waits in {@code hsm}. */
    private record PendingEnrolment(String id, Hsm hsm, TransportKey transport, Instant expires, String actor) {}

    /**
     * @param node the node's name from its configuration, returned in {@code Inventory}
     * @param hsms the node's HSMs, in configuration order (at least one, names unique); not owned
     * @param clock the time of proofs, audit lines and enrolment expiry
     * @param audit the node's audit log; not owned
     * @param actorPrefix who serves, for the audit log ({@code tandem@dc1-signer1 keysync-server});
     *     each line's actor is this, the method and {@code caller=<CN>}
     * @param store the cluster's manifests: read for every export and import, written only by {@code
     *     GenerateKey}; not owned
     * @param verifier what {@link KeySync} proves keys with
     */
    public KeySyncService(
            String node,
            List<? extends Hsm> hsms,
            Clock clock,
            AuditLog audit,
            String actorPrefix,
            ManifestStore store,
            KeySetVerifier verifier) {
        this.node = Objects.requireNonNull(node, "node");
        this.hsms = List.copyOf(hsms);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.actorPrefix = Objects.requireNonNull(actorPrefix, "actorPrefix");
        this.store = Objects.requireNonNull(store, "store");
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        if (node.isBlank() || actorPrefix.isBlank()) {
            throw new IllegalArgumentException("node name and actor prefix must not be blank");
        }
        if (this.hsms.isEmpty()) {
            throw new IllegalArgumentException("node " + node + " has no HSMs");
        }
        if (new HashSet<>(this.hsms.stream().map(Hsm::id).toList()).size() != this.hsms.size()) {
            throw new IllegalArgumentException("node " + node + " lists an HSM name twice: " + names());
        }
        this.authorization = new KeySyncAuthorization(node, audit, clock, actorPrefix);
    }

    /** The service's methods behind {@link KeySyncAuthorization}: the role rules travel with the service. */
    @Override
    public ServerServiceDefinition bindService() {
        return ServerInterceptors.intercept(KeySyncGrpc.bindService(this), authorization);
    }

    /** For tests: how long a begun enrolment waits (default {@value #DEFAULT_ENROLMENT_TTL_SECONDS} s). */
    void enrolmentTtl(Duration ttl) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("enrolment TTL must be positive, got " + ttl);
        }
        this.enrolmentTtl = ttl;
    }

    /** How many KEK enrolments are pending (begun, neither completed nor expired). */
    int pendingEnrolments() {
        return enrolments.size();
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

    @Override
    public void getKekStatus(GetKekStatusRequest request, StreamObserver<KekStatus> responses) {
        serve("GetKekStatus", responses, this::kekStatus);
    }

    @Override
    public void generateKey(GenerateKeyRequest request, StreamObserver<GenerateKeyResponse> responses) {
        serve("GenerateKey", responses, actor -> generate(request, ordered(actor, request.getOrderedBy())));
    }

    @Override
    public void initKek(InitKekRequest request, StreamObserver<KekCheckValue> responses) {
        serve("InitKek", responses, actor -> initKek(request, ordered(actor, request.getOrderedBy())));
    }

    @Override
    public void beginKekEnrolment(BeginKekEnrolmentRequest request, StreamObserver<TransportPublicKey> responses) {
        serve("BeginKekEnrolment", responses, actor -> beginEnrolment(request, ordered(actor, request.getOrderedBy())));
    }

    @Override
    public void exportKek(ExportKekRequest request, StreamObserver<WrappedKek> responses) {
        serve("ExportKek", responses, actor -> exportKek(request, ordered(actor, request.getOrderedBy())));
    }

    @Override
    public void completeKekEnrolment(CompleteKekEnrolmentRequest request, StreamObserver<KekCheckValue> responses) {
        serve(
                "CompleteKekEnrolment",
                responses,
                actor -> completeEnrolment(request, ordered(actor, request.getOrderedBy())));
    }

    /** The actor of an ordered ceremony: who serves, the method, the caller and who ordered it. */
    private static String ordered(String actor, String orderedBy) {
        String who = orderedBy.isBlank() ? "unstated" : echo(orderedBy.strip());
        return actor + " ordered_by=" + who;
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
            LOG.warn(
                    "grpc method={} caller={} node={} status={} {}",
                    method,
                    caller,
                    node,
                    e.getStatus().getCode(),
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
            HsmInventory.Builder inventory =
                    HsmInventory.newBuilder().setHsm(hsm.id().name());
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
        record(
                AuditOperation.VERIFY,
                complete ? AuditOutcome.OK : AuditOutcome.FAILED,
                zone.toString(),
                String.join(",", names()),
                null,
                "inventory with proofs over nonce " + shortHex(nonce) + ": " + String.join("; ", summary),
                actor);
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
            LOG.warn(
                    "zone={} key={} hsm={} inventory: cannot sign the proof: {}",
                    pub.zone(),
                    pub.fingerprint().shortHex(),
                    hsm.id(),
                    error);
            proof.setProofError(error);
        }
        return proof.build();
    }

    // ---------------------------------------------------------------------------------------------
    // ExportWrappedKey

    private WrappedKey export(ExportWrappedKeyRequest request, String actor) throws StatusException {
        ZoneName zone = zone(request.getZone(), AuditOperation.WRAP, actor);
        if (request.getFingerprint().size() != Fingerprint.LENGTH) {
            throw refuse(
                    Failure.of(Failure.Reason.INVALID_REQUEST).zone(zone),
                    "fingerprint must be " + Fingerprint.LENGTH + " bytes, got "
                            + request.getFingerprint().size(),
                    AuditOperation.WRAP,
                    actor);
        }
        Fingerprint fp = Fingerprint.of(request.getFingerprint().toByteArray());
        ZoneKeySet manifest = manifest(zone, AuditOperation.WRAP, actor);
        Optional<ZoneKeySet.Entry> listed = manifest.find(fp);
        if (listed.isEmpty() || listed.get().state().gone()) {
            Failure failure = Failure.of(Failure.Reason.NOT_IN_MANIFEST).zone(zone);
            listed.ifPresentOrElse(e -> failure.key(e.key()), () -> failure.fingerprint(fp));
            throw refuse(
                    failure,
                    (listed.isPresent() ? "is " + listed.get().state() + " in" : "is not in") + " the zone's manifest"
                            + manifestVersion(manifest)
                            + "; only a live manifest key leaves this node; refused, nothing exported",
                    AuditOperation.WRAP,
                    actor);
        }
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
                    LOG.warn(
                            "zone={} key={} hsm={} export: not exported from here, proof failed: {}",
                            zone,
                            fp.shortHex(),
                            hsm.id(),
                            unproven.get());
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
                record(
                        AuditOperation.WRAP,
                        AuditOutcome.OK,
                        zone.toString(),
                        hsm.id().name(),
                        pub,
                        "proven, then wrapped under the cluster KEK (check value " + kcvHex + ") for export",
                        actor);
                LOG.info(
                        "zone={} key={} tag={} role={} hsm={} kek={} exported wrapped",
                        zone,
                        fp.shortHex(),
                        pub.keyTag(),
                        pub.role(),
                        hsm.id(),
                        kcvHex);
                return WrappedKeys.toProto(wrapped);
            }
        }
        Failure.Reason reason = noKek
                ? Failure.Reason.NO_KEK
                : unavailable ? Failure.Reason.HSM_UNAVAILABLE : Failure.Reason.KEY_NOT_FOUND;
        Failure failure = Failure.of(reason).zone(zone).fingerprint(fp);
        String what = "no HSM of node " + node + " (" + String.join(", ", names())
                + ") holds this key with a valid proof" + (notes.isEmpty() ? "" : ": " + String.join("; ", notes));
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
        WrappedKey blob = request.getWrapped();
        KeyDescriptor claimed = blob.getKey();
        ZoneName zone = zone(claimed.getZone(), AuditOperation.UNWRAP, actor);
        byte[] nonce = nonce(request.getNonce(), zone, AuditOperation.UNWRAP, actor);
        Failure invalid = Failure.of(Failure.Reason.INVALID_REQUEST).zone(zone);
        if (!blob.hasKey() || claimed.getFingerprint().size() != Fingerprint.LENGTH) {
            throw refuse(
                    invalid,
                    "wrapped key refused: its descriptor must carry the key's fingerprint (" + Fingerprint.LENGTH
                            + " bytes), got " + claimed.getFingerprint().size(),
                    AuditOperation.UNWRAP,
                    actor);
        }
        Fingerprint fp = Fingerprint.of(claimed.getFingerprint().toByteArray());
        String claimedRole = roleName(claimed.getRole());
        invalid.claimed(claimedRole, claimed.getKeyTag()).fingerprint(fp);
        if (blob.getBlob().isEmpty() || blob.getKekCheckValue().isEmpty()) {
            throw refuse(
                    invalid,
                    "wrapped key refused: "
                            + (blob.getBlob().isEmpty() ? "the blob is empty" : "it carries no KEK check value"),
                    AuditOperation.UNWRAP,
                    actor);
        }
        // Only the manifest says what may enter this node's HSMs; the caller's descriptor only names it.
        ZoneKeySet manifest = manifest(zone, AuditOperation.UNWRAP, actor);
        Optional<ZoneKeySet.Entry> entry = manifest.find(fp);
        if (entry.isEmpty() || entry.get().state().gone()) {
            throw refuse(
                    Failure.of(Failure.Reason.NOT_IN_MANIFEST)
                            .zone(zone)
                            .claimed(claimedRole, claimed.getKeyTag())
                            .fingerprint(fp),
                    (entry.isPresent() ? "is " + entry.get().state() + " in" : "is not in") + " the zone's manifest"
                            + manifestVersion(manifest) + "; refused, nothing imported",
                    AuditOperation.UNWRAP,
                    actor);
        }
        DnssecKey key = entry.get().key();
        List<String> differs = new ArrayList<>();
        if (!claimedRole.equals(key.role().name())) {
            differs.add("role " + claimedRole);
        }
        if (claimed.getAlgorithm() != key.algorithm().number()) {
            differs.add("algorithm " + claimed.getAlgorithm());
        }
        if (!key.samePublicKey(claimed.getPublicKey().toByteArray())) {
            differs.add("another public key");
        }
        if (!differs.isEmpty()) {
            throw refuse(
                    Failure.of(Failure.Reason.NOT_IN_MANIFEST).key(key),
                    "the manifest" + manifestVersion(manifest)
                            + " lists this fingerprint as " + key.role() + " algorithm "
                            + key.algorithm().number()
                            + ", the caller's descriptor says " + String.join(", ", differs)
                            + ": not in the manifest as described; refused, nothing imported",
                    AuditOperation.UNWRAP,
                    actor);
        }
        org.tandem.keysync.hsm.WrappedKey wrapped = new org.tandem.keysync.hsm.WrappedKey(
                key,
                blob.getMechanism(),
                blob.getBlob().toByteArray(),
                blob.getKekCheckValue().toByteArray());
        List<Hsm> targets = targets(request.getHsm(), key, actor);

        synchronized (imports) {
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
    }

    /** The role as the descriptor names it ({@code ZSK}), or the proto's name for an unset or unknown one. */
    private static String roleName(org.tandem.proto.keysync.v1.KeyRole role) {
        try {
            return KeyProtos.fromProto(role).name();
        } catch (IllegalArgumentException e) {
            return role.name();
        }
    }

    /** The zone's manifest as the store has it now (an empty one, version -1, when it has none). */
    private ZoneKeySet manifest(ZoneName zone, AuditOperation op, String actor) throws StatusException {
        Optional<VersionedManifest> read;
        try {
            read = store.read(zone.toString());
        } catch (ManifestException e) {
            throw fail(Failure.of(e).zone(zone), "cannot read the zone's manifest: " + e.getMessage(), op, actor);
        }
        try {
            return read.map(v -> ZoneKeySet.fromProto(v.manifest(), v.version()))
                    .orElseGet(() -> ZoneKeySet.empty(zone));
        } catch (IllegalArgumentException e) {
            throw fail(
                    Failure.of(Failure.Reason.MANIFEST_ERROR).zone(zone),
                    "the zone's stored manifest does not hold" + " together: " + e.getMessage(),
                    op,
                    actor);
        }
    }

    private static String manifestVersion(ZoneKeySet manifest) {
        return manifest.exists()
                ? " (version " + manifest.version() + ", " + manifest.live().size() + " live key(s))"
                : " (the zone has no manifest)";
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
        throw refuse(
                Failure.of(Failure.Reason.UNKNOWN_HSM).hsm(echo(name)).key(key),
                "node " + node + " has no HSM named '" + echo(name) + "' (it has: " + String.join(", ", names()) + ")",
                AuditOperation.UNWRAP,
                actor);
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
            throw fail(
                    Failure.of(e).key(key),
                    "cannot check before importing: " + e.getMessage(),
                    AuditOperation.UNWRAP,
                    actor);
        }
        Optional<HsmKey> exact = keys.stream().filter(k -> k.holds(fp)).findFirst();
        if (exact.isPresent()) {
            return exact;
        }
        Optional<HsmKey> claimant = keys.stream().filter(k -> k.claims(key)).findFirst();
        if (claimant.isPresent()) {
            HsmKey other = claimant.get();
            throw refuse(
                    Failure.of(Failure.Reason.KEY_CONFLICT).hsm(hsm.id()).key(key),
                    "HSM " + hsm.id()
                            + " already holds object '" + other.label() + "' (" + other.role() + " "
                            + other.claimedTag()
                            + ", fp "
                            + other.fingerprint()
                                    .map(Fingerprint::hex)
                                    .orElse("unknown: " + other.problem().orElse("?"))
                            + ") claiming the identity of " + key.role() + " " + key.keyTag() + " fp " + fp.hex()
                            + "; not imported. Replace the stray key deliberately: signerctl keys sync --zone "
                            + key.zone()
                            + " --replace-diverged",
                    AuditOperation.UNWRAP,
                    actor);
        }
        if (kcv.isEmpty()) {
            throw refuse(
                    Failure.of(Failure.Reason.NO_KEK).hsm(hsm.id()).key(key),
                    "HSM " + hsm.id() + " holds no cluster KEK; enrol it first: signerctl kek enrol --to " + hsm.id(),
                    AuditOperation.UNWRAP,
                    actor);
        }
        if (!Arrays.equals(kcv.get(), wrapped.kekCheckValue())) {
            throw refuse(
                    Failure.of(Failure.Reason.KEK_MISMATCH).hsm(hsm.id()).key(key),
                    "KEK differs: HSM " + hsm.id()
                            + " has check value " + HexFormat.of().formatHex(kcv.get()) + ", the key was wrapped under "
                            + HexFormat.of().formatHex(wrapped.kekCheckValue())
                            + " (enrol this HSM with the cluster KEK: signerctl"
                            + " kek enrol); nothing was imported",
                    AuditOperation.UNWRAP,
                    actor);
        }
        return Optional.empty();
    }

    /** Unwraps (unless already held), proves with the caller's nonce, and destroys what it added if the proof fails. */
    private HsmKeyProof importInto(
            Hsm hsm, org.tandem.keysync.hsm.WrappedKey wrapped, Optional<HsmKey> held, byte[] nonce, String actor)
            throws StatusException {
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
            throw fail(
                    Failure.of(e).key(key),
                    added + " but cannot sign the proof: " + e.getMessage() + cleanup,
                    AuditOperation.UNWRAP,
                    actor);
        }
        Optional<String> invalid = PossessionProof.verify(key, nonce, rrsig, clock);
        if (invalid.isPresent()) {
            String consequence = held.isPresent()
                    ? "; the object was already there and is left alone: signerctl keys sync --zone " + key.zone()
                            + " --replace-diverged"
                    : destroyUnproven(hsm, object, key, actor);
            throw fail(
                    Failure.of(Failure.Reason.PROOF_FAILED).hsm(hsm.id()).key(key),
                    added + " but the proof failed: " + invalid.get() + consequence,
                    AuditOperation.UNWRAP,
                    actor);
        }
        record(
                AuditOperation.UNWRAP,
                AuditOutcome.OK,
                key.zone().toString(),
                hsm.id().name(),
                key,
                added + "; proven with the caller's nonce " + shortHex(nonce),
                actor);
        LOG.info(
                "zone={} key={} tag={} role={} hsm={} import: {}, proven",
                key.zone(),
                key.fingerprint().shortHex(),
                key.keyTag(),
                key.role(),
                hsm.id(),
                added);
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
            LOG.error(
                    "zone={} key={} hsm={} the unproven imported object could not be destroyed: {}",
                    key.zone(),
                    key.fingerprint().shortHex(),
                    hsm.id(),
                    e.getMessage());
            return "; the unwrapped object could NOT be destroyed (" + e.getMessage() + "): remove it by hand";
        }
        record(
                AuditOperation.DELETE,
                AuditOutcome.OK,
                key.zone().toString(),
                hsm.id().name(),
                key,
                "destroyed the object just unwrapped: its proof failed",
                actor);
        return "; the unwrapped object was destroyed";
    }

    // ---------------------------------------------------------------------------------------------
    // GetKekStatus

    private KekStatus kekStatus(String actor) throws StatusException {
        KekStatus.Builder out = KekStatus.newBuilder().setNode(node);
        List<String> summary = new ArrayList<>();
        boolean complete = true;
        for (Hsm hsm : hsms) {
            HsmKek.Builder kek = HsmKek.newBuilder().setHsm(hsm.id().name());
            try {
                Optional<byte[]> kcv = hsm.kekCheckValue();
                kcv.ifPresent(v -> kek.setCheckValue(ByteString.copyFrom(v)));
                summary.add(hsm.id() + " " + kcv.map(HexFormat.of()::formatHex).orElse("no KEK"));
            } catch (HsmException | RuntimeException e) {
                // gRPC boundary: one HSM's failure, whatever it is, is reported for that HSM only.
                String error = message(hsm.id(), e);
                LOG.warn("node={} hsm={} KEK status unreadable: {}", node, hsm.id(), error);
                kek.setError(error);
                summary.add(hsm.id() + " unreadable: " + error);
                complete = false;
            }
            out.addHsms(kek);
        }
        record(
                AuditOperation.VERIFY,
                complete ? AuditOutcome.OK : AuditOutcome.FAILED,
                "",
                String.join(",", names()),
                null,
                "KEK status: " + String.join("; ", summary),
                actor);
        return out.build();
    }

    // ---------------------------------------------------------------------------------------------
    // GenerateKey

    private GenerateKeyResponse generate(GenerateKeyRequest request, String actor) throws StatusException {
        ZoneName zone = zone(request.getZone(), AuditOperation.GENERATE, actor);
        KeyRole role;
        Algorithm algorithm;
        try {
            role = KeyProtos.fromProto(request.getRole());
            algorithm = Algorithm.of(
                    request.getAlgorithm() == 0 ? Algorithm.ECDSAP256SHA256.number() : request.getAlgorithm());
        } catch (IllegalArgumentException e) {
            throw refuse(
                    Failure.of(Failure.Reason.INVALID_REQUEST).zone(zone),
                    "GenerateKey refused: " + e.getMessage(),
                    AuditOperation.GENERATE,
                    actor);
        }
        Hsm hsm = hsm(request.getHsm(), zone, AuditOperation.GENERATE, actor);
        Optional<byte[]> kcv;
        try {
            kcv = hsm.kekCheckValue();
        } catch (HsmException e) {
            throw fail(
                    Failure.of(e).zone(zone),
                    "cannot read the KEK before generating: " + e.getMessage(),
                    AuditOperation.GENERATE,
                    actor);
        }
        if (kcv.isEmpty()) {
            throw refuse(
                    Failure.of(Failure.Reason.NO_KEK).zone(zone).hsm(hsm.id()),
                    "HSM " + hsm.id() + " of node " + node
                            + " holds no cluster KEK: a " + role
                            + " generated there could never be replicated to the other"
                            + " nodes; init or enrol the KEK first (signerctl kek). Nothing generated",
                    AuditOperation.GENERATE,
                    actor);
        }
        DnssecKey key;
        try {
            // KeySync writes the manifest (GENERATED) and the GENERATE audit line under this actor.
            key = new KeySync(hsms, store, audit, clock, actor, verifier).generate(zone, role, algorithm, hsm.id());
        } catch (KeySyncException e) {
            throw fail(
                    Failure.of(e).zone(zone).hsm(hsm.id()),
                    "cannot generate a " + role + " (algorithm " + algorithm.number() + "): " + e.getMessage(),
                    AuditOperation.GENERATE,
                    actor);
        } catch (IllegalArgumentException e) {
            // ZoneKeySet.fromProto: the stored manifest does not hold together
            throw fail(
                    Failure.of(Failure.Reason.MANIFEST_ERROR).zone(zone).hsm(hsm.id()),
                    "cannot generate a " + role + ": " + e.getMessage(),
                    AuditOperation.GENERATE,
                    actor);
        }
        LOG.info(
                "zone={} key={} tag={} role={} hsm={} generated on order actor=\"{}\"",
                zone,
                key.fingerprint().shortHex(),
                key.keyTag(),
                role,
                hsm.id(),
                actor);
        return GenerateKeyResponse.newBuilder()
                .setNode(node)
                .setHsm(hsm.id().name())
                .setKey(KeyProtos.toProto(key))
                .build();
    }

    // ---------------------------------------------------------------------------------------------
    // InitKek

    private KekCheckValue initKek(InitKekRequest request, String actor) throws StatusException {
        Hsm hsm = hsm(request.getHsm(), null, AuditOperation.KEK_INIT, actor);
        List<String> holders = new ArrayList<>();
        for (Hsm h : hsms) {
            try {
                h.kekCheckValue()
                        .ifPresent(v -> holders.add(
                                h.id() + " (check value " + HexFormat.of().formatHex(v) + ")"));
            } catch (HsmException e) {
                throw fail(
                        Failure.of(e),
                        "cannot tell whether HSM " + h.id() + " holds a cluster KEK, so none is" + " generated: "
                                + e.getMessage(),
                        AuditOperation.KEK_INIT,
                        actor);
            }
        }
        if (!holders.isEmpty()) {
            throw refuse(
                    Failure.of(Failure.Reason.KEK_EXISTS).hsm(hsm.id()),
                    "node " + node + " already holds the cluster"
                            + " KEK on " + String.join(", ", holders)
                            + "; a cluster has one KEK: enrol other HSMs from it."
                            + " Nothing generated",
                    AuditOperation.KEK_INIT,
                    actor);
        }
        byte[] kcv;
        try {
            kcv = hsm.generateKek();
        } catch (HsmException e) {
            throw fail(
                    Failure.of(e),
                    "cannot generate the cluster KEK: " + e.getMessage(),
                    AuditOperation.KEK_INIT,
                    actor);
        }
        String hex = HexFormat.of().formatHex(kcv);
        record(
                AuditOperation.KEK_INIT,
                AuditOutcome.OK,
                "",
                hsm.id().name(),
                null,
                "cluster KEK generated inside," + " check value " + hex,
                actor);
        LOG.info("node={} hsm={} kek={} cluster KEK generated actor=\"{}\"", node, hsm.id(), hex, actor);
        return KekCheckValue.newBuilder()
                .setNode(node)
                .setHsm(hsm.id().name())
                .setCheckValue(ByteString.copyFrom(kcv))
                .build();
    }

    // ---------------------------------------------------------------------------------------------
    // KEK enrolment: BeginKekEnrolment (new node), ExportKek (holder), CompleteKekEnrolment (new node)

    private TransportPublicKey beginEnrolment(BeginKekEnrolmentRequest request, String actor) throws StatusException {
        Hsm hsm = hsm(request.getHsm(), null, AuditOperation.KEK_ENROL, actor);
        sweepExpired();
        if (enrolments.size() >= MAX_PENDING_ENROLMENTS) {
            throw refuse(
                    Failure.of(Failure.Reason.TOO_MANY_ENROLMENTS).hsm(hsm.id()),
                    "node " + node + " has "
                            + enrolments.size() + " KEK enrolments pending already (at most " + MAX_PENDING_ENROLMENTS
                            + "); complete them or wait " + enrolmentTtl.toSeconds() + " s for them to expire",
                    AuditOperation.KEK_ENROL,
                    actor);
        }
        Optional<byte[]> kcv;
        try {
            kcv = hsm.kekCheckValue();
        } catch (HsmException e) {
            throw fail(
                    Failure.of(e),
                    "cannot read the KEK before enrolling: " + e.getMessage(),
                    AuditOperation.KEK_ENROL,
                    actor);
        }
        if (kcv.isPresent()) {
            throw refuse(
                    Failure.of(Failure.Reason.KEK_EXISTS).hsm(hsm.id()),
                    "HSM " + hsm.id() + " of node " + node
                            + " already holds a cluster KEK (check value "
                            + HexFormat.of().formatHex(kcv.get())
                            + "); nothing to enrol",
                    AuditOperation.KEK_ENROL,
                    actor);
        }
        TransportKey transport;
        try {
            transport = hsm.newTransportKey();
        } catch (HsmException e) {
            throw fail(
                    Failure.of(e),
                    "cannot make a key-transport key: " + e.getMessage(),
                    AuditOperation.KEK_ENROL,
                    actor);
        }
        byte[] idBytes = new byte[ENROLMENT_ID_BYTES];
        random.nextBytes(idBytes);
        String id = HexFormat.of().formatHex(idBytes);
        Duration ttl = enrolmentTtl;
        PendingEnrolment pending =
                new PendingEnrolment(id, hsm, transport, clock.instant().plus(ttl), actor);
        enrolments.put(id, pending);
        CompletableFuture.delayedExecutor(ttl.toMillis(), TimeUnit.MILLISECONDS).execute(() -> expire(id));
        try {
            record(
                    AuditOperation.KEK_ENROL,
                    AuditOutcome.OK,
                    "",
                    hsm.id().name(),
                    null,
                    "enrolment " + id + " begun: RSA-"
                            + transport.modulus().bitLength() + " transport key " + transportId(transport.modulus())
                            + " made inside, its public half handed out for " + ttl.toSeconds() + " s",
                    actor);
        } catch (StatusException e) {
            discard(pending, "its audit line could not be written");
            throw e;
        }
        LOG.info(
                "node={} hsm={} enrolment={} transport={} KEK enrolment begun ttl_s={} actor=\"{}\"",
                node,
                hsm.id(),
                id,
                transportId(transport.modulus()),
                ttl.toSeconds(),
                actor);
        return TransportPublicKey.newBuilder()
                .setEnrolmentId(ByteString.copyFrom(idBytes))
                .setNode(node)
                .setHsm(hsm.id().name())
                .setModulus(ByteString.copyFrom(unsigned(transport.modulus())))
                .setPublicExponent(ByteString.copyFrom(unsigned(transport.publicExponent())))
                .setTtlSeconds((int) Math.min(ttl.toSeconds(), Integer.MAX_VALUE))
                .build();
    }

    private WrappedKek exportKek(ExportKekRequest request, String actor) throws StatusException {
        TransportPublicKey t = request.getTransport();
        BigInteger modulus = new BigInteger(1, t.getModulus().toByteArray());
        BigInteger exponent = new BigInteger(1, t.getPublicExponent().toByteArray());
        String target = (t.getNode().isBlank() ? "an unnamed node" : echo(t.getNode())) + "/"
                + (t.getHsm().isBlank() ? "?" : echo(t.getHsm()));
        Failure invalid = Failure.of(Failure.Reason.INVALID_REQUEST).hsm(echo(request.getHsm()));
        if (!request.hasTransport() || modulus.bitLength() < MIN_TRANSPORT_BITS) {
            throw refuse(
                    invalid,
                    "the transport public key of " + target + " has a modulus of " + modulus.bitLength()
                            + " bits; the KEK is wrapped only under at least " + MIN_TRANSPORT_BITS + " bits",
                    AuditOperation.KEK_ENROL,
                    actor);
        }
        if (exponent.compareTo(BigInteger.valueOf(3)) < 0 || !exponent.testBit(0) || exponent.bitLength() > 256) {
            throw refuse(
                    invalid,
                    "the transport public key of " + target + " has public exponent " + exponent
                            + "; it must be odd, at least 3",
                    AuditOperation.KEK_ENROL,
                    actor);
        }
        Hsm hsm;
        byte[] kcv;
        if (request.getHsm().isEmpty()) {
            hsm = null;
            kcv = null;
            for (Hsm h : hsms) {
                Optional<byte[]> v = kekOf(h, actor);
                if (v.isPresent()) {
                    hsm = h;
                    kcv = v.get();
                    break;
                }
            }
            if (hsm == null) {
                throw refuse(
                        Failure.of(Failure.Reason.NO_KEK),
                        "no HSM of node " + node + " (" + String.join(", ", names())
                                + ") holds the cluster KEK; nothing exported",
                        AuditOperation.KEK_ENROL,
                        actor);
            }
        } else {
            hsm = hsm(request.getHsm(), null, AuditOperation.KEK_ENROL, actor);
            Optional<byte[]> v = kekOf(hsm, actor);
            if (v.isEmpty()) {
                throw refuse(
                        Failure.of(Failure.Reason.NO_KEK).hsm(hsm.id()),
                        "HSM " + hsm.id() + " of node " + node + " holds no cluster KEK; nothing exported",
                        AuditOperation.KEK_ENROL,
                        actor);
            }
            kcv = v.get();
        }
        byte[] blob;
        try {
            blob = hsm.exportKek(TransportKey.publicHalf(new HsmId(target), modulus, exponent));
        } catch (HsmException e) {
            throw fail(
                    Failure.of(e),
                    "cannot wrap the cluster KEK for " + target + ": " + e.getMessage(),
                    AuditOperation.KEK_ENROL,
                    actor);
        }
        String hex = HexFormat.of().formatHex(kcv);
        record(
                AuditOperation.KEK_ENROL,
                AuditOutcome.OK,
                "",
                hsm.id().name(),
                null,
                "cluster KEK (check value " + hex
                        + ") wrapped (RSA-OAEP) under transport key " + transportId(modulus) + " of " + target
                        + ", enrolment "
                        + HexFormat.of().formatHex(t.getEnrolmentId().toByteArray()),
                actor);
        LOG.info(
                "node={} hsm={} kek={} transport={} for={} KEK exported wrapped actor=\"{}\"",
                node,
                hsm.id(),
                hex,
                transportId(modulus),
                target,
                actor);
        return WrappedKek.newBuilder()
                .setBlob(ByteString.copyFrom(blob))
                .setCheckValue(ByteString.copyFrom(kcv))
                .setNode(node)
                .setHsm(hsm.id().name())
                .build();
    }

    private KekCheckValue completeEnrolment(CompleteKekEnrolmentRequest request, String actor) throws StatusException {
        String id = HexFormat.of().formatHex(request.getEnrolmentId().toByteArray());
        WrappedKek wrapped = request.getWrapped();
        if (wrapped.getBlob().isEmpty() || wrapped.getCheckValue().isEmpty()) {
            throw refuse(
                    Failure.of(Failure.Reason.INVALID_REQUEST),
                    "enrolment " + echo(id) + ": the wrapped KEK "
                            + (wrapped.getBlob().isEmpty() ? "is empty" : "carries no check value")
                            + "; the enrolment still waits",
                    AuditOperation.KEK_ENROL,
                    actor);
        }
        PendingEnrolment pending = enrolments.remove(id);
        if (pending == null) {
            throw refuse(
                    Failure.of(Failure.Reason.ENROLMENT_UNKNOWN),
                    "node " + node + " has no pending KEK enrolment "
                            + echo(id) + " (expired after " + enrolmentTtl.toSeconds()
                            + " s, completed already, or begun on"
                            + " another node); begin again",
                    AuditOperation.KEK_ENROL,
                    actor);
        }
        Hsm hsm = pending.hsm();
        if (clock.instant().isAfter(pending.expires())) {
            discard(pending, "completed too late");
            throw refuse(
                    Failure.of(Failure.Reason.ENROLMENT_UNKNOWN).hsm(hsm.id()),
                    "KEK enrolment " + id + " of HSM " + hsm.id() + " expired at " + pending.expires()
                            + "; its transport key is destroyed; begin again",
                    AuditOperation.KEK_ENROL,
                    actor);
        }
        String holder = echo(wrapped.getNode()) + "/" + echo(wrapped.getHsm());
        String expected = HexFormat.of().formatHex(wrapped.getCheckValue().toByteArray());
        byte[] kcv;
        try {
            kcv = hsm.importKek(
                    pending.transport(),
                    wrapped.getBlob().toByteArray(),
                    wrapped.getCheckValue().toByteArray());
        } catch (HsmException e) {
            throw fail(
                    Failure.of(e),
                    "enrolment " + id + ": cannot unwrap the KEK from " + holder + " (the transport key"
                            + " is destroyed; begin again): " + e.getMessage(),
                    AuditOperation.KEK_ENROL,
                    actor);
        }
        String hex = HexFormat.of().formatHex(kcv);
        if (!Arrays.equals(kcv, wrapped.getCheckValue().toByteArray())) {
            String consequence;
            try {
                hsm.destroyKek(kcv);
                consequence = "the KEK just unwrapped was destroyed again, HSM " + hsm.id() + " holds no KEK; begin the"
                        + " enrolment again from a holder of the cluster KEK";
            } catch (HsmException e) {
                LOG.error(
                        "node={} hsm={} kek={} the wrong KEK could not be destroyed: {}",
                        node,
                        hsm.id(),
                        hex,
                        e.getMessage());
                consequence = "the wrong KEK could NOT be destroyed (" + e.getMessage()
                        + "): remove the KEK object from"
                        + " HSM " + hsm.id() + " by hand before enrolling it again; until then every import into it is"
                        + " refused with KEK_MISMATCH";
            }
            throw fail(
                    Failure.of(Failure.Reason.KEK_MISMATCH).hsm(hsm.id()),
                    "KEK enrolment " + id + " produced check" + " value " + hex + " but the holder " + holder
                            + " reports " + expected + ": refused; " + consequence,
                    AuditOperation.KEK_ENROL,
                    actor);
        }
        record(
                AuditOperation.KEK_ENROL,
                AuditOutcome.OK,
                "",
                hsm.id().name(),
                null,
                "enrolment " + id + " complete: the"
                        + " cluster KEK from " + holder + " unwrapped inside under transport key "
                        + transportId(pending.transport().modulus()) + ", check value " + hex + " equals the holder's",
                actor);
        LOG.info(
                "node={} hsm={} kek={} enrolment={} from={} KEK enrolled actor=\"{}\"",
                node,
                hsm.id(),
                hex,
                id,
                holder,
                actor);
        return KekCheckValue.newBuilder()
                .setNode(node)
                .setHsm(hsm.id().name())
                .setCheckValue(ByteString.copyFrom(kcv))
                .build();
    }

    private Optional<byte[]> kekOf(Hsm hsm, String actor) throws StatusException {
        try {
            return hsm.kekCheckValue();
        } catch (HsmException e) {
            throw fail(
                    Failure.of(e), "cannot read the cluster KEK: " + e.getMessage(), AuditOperation.KEK_ENROL, actor);
        }
    }

    /** Drops every pending enrolment whose time is up (the clock's), destroying its transport key. */
    private void sweepExpired() {
        Instant now = clock.instant();
        for (PendingEnrolment p : List.copyOf(enrolments.values())) {
            if (now.isAfter(p.expires()) && enrolments.remove(p.id(), p)) {
                discard(p, "expired after " + enrolmentTtl.toSeconds() + " s");
            }
        }
    }

    /** The delayed sweep of one enrolment, off any call: it is gone already when it was completed. */
    private void expire(String id) {
        PendingEnrolment p = enrolments.remove(id);
        if (p != null) {
            discard(p, "no CompleteKekEnrolment within its " + enrolmentTtl.toSeconds() + " s");
        }
    }

    /** Destroys an unused transport key and audits why; never throws (runs on sweeps as well). */
    private void discard(PendingEnrolment p, String why) {
        String outcome;
        try {
            p.hsm().destroyTransportKey(p.transport());
            outcome = "its transport key was destroyed";
        } catch (HsmException | RuntimeException e) {
            // a sweep runs outside any call: report, never throw
            outcome = "its transport key could not be destroyed (" + e.getMessage() + "); it goes when the HSM session"
                    + " closes";
        }
        LOG.warn(
                "node={} hsm={} enrolment={} KEK enrolment abandoned: {}; {}",
                node,
                p.hsm().id(),
                p.id(),
                why,
                outcome);
        try {
            record(
                    AuditOperation.KEK_ENROL,
                    AuditOutcome.FAILED,
                    "",
                    p.hsm().id().name(),
                    null,
                    "enrolment " + p.id() + " abandoned: " + why + "; " + outcome,
                    p.actor());
        } catch (StatusException e) {
            LOG.error(
                    "node={} enrolment={} abandonment not audited: {}",
                    node,
                    p.id(),
                    e.getStatus().getDescription());
        }
    }

    /** Names a transport key in logs and audit lines of both nodes: {@code rsa:<first 8 bytes of SHA-256(modulus)>}. */
    private static String transportId(BigInteger modulus) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(unsigned(modulus));
            return "rsa:" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    /** Unsigned big-endian bytes, as the proto carries RSA numbers. */
    private static byte[] unsigned(BigInteger n) {
        byte[] b = n.toByteArray();
        return b.length > 1 && b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
    }

    /** The named HSM, or the node's first when the name is empty; refused when the node has none of that name. */
    private Hsm hsm(String name, ZoneName zone, AuditOperation op, String actor) throws StatusException {
        if (name.isEmpty()) {
            return hsms.get(0);
        }
        for (Hsm hsm : hsms) {
            if (hsm.id().name().equals(name)) {
                return hsm;
            }
        }
        Failure f = Failure.of(Failure.Reason.UNKNOWN_HSM).hsm(echo(name));
        if (zone != null) {
            f.zone(zone);
        }
        throw refuse(
                f,
                "node " + node + " has no HSM named '" + echo(name) + "' (it has: " + String.join(", ", names()) + ")",
                op,
                actor);
    }

    // ---------------------------------------------------------------------------------------------
    // Validation, refusals, audit

    private ZoneName zone(String text, AuditOperation op, String actor) throws StatusException {
        try {
            ZoneName zone = ZoneName.of(text);
            PossessionProof.proofRrset(zone, new byte[MIN_NONCE_BYTES]); // the proof owner name must fit too
            return zone;
        } catch (IllegalArgumentException e) {
            throw refuse(
                    Failure.of(Failure.Reason.INVALID_REQUEST).zone(echo(text)),
                    "zone '" + echo(text) + "' refused: " + e.getMessage(),
                    op,
                    actor);
        }
    }

    private byte[] nonce(ByteString nonce, ZoneName zone, AuditOperation op, String actor) throws StatusException {
        if (nonce.size() < MIN_NONCE_BYTES || nonce.size() > MAX_NONCE_BYTES) {
            throw refuse(
                    Failure.of(Failure.Reason.INVALID_REQUEST).zone(zone),
                    "nonce must be " + MIN_NONCE_BYTES + " to " + MAX_NONCE_BYTES + " fresh random bytes, got "
                            + nonce.size(),
                    op,
                    actor);
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

    private StatusException audited(
            Failure failure, String what, AuditOperation op, AuditOutcome outcome, String actor) {
        StatusException status = failure.because(what);
        String tag = failure.get("key_tag");
        try {
            append(new AuditEvent(
                    clock.instant(),
                    op,
                    failure.get("zone"),
                    failure.get("hsm"),
                    failure.get("fingerprint"),
                    tag.isEmpty() ? null : Integer.valueOf(tag),
                    failure.get("role"),
                    outcome,
                    failure.reason() + ": " + status.getStatus().getDescription(),
                    actor));
        } catch (StatusException auditFailure) {
            return Failure.of(Failure.Reason.AUDIT_FAILED)
                    .because(auditFailure.getStatus().getDescription() + "; the call had failed already: "
                            + status.getStatus().getDescription());
        }
        return status;
    }

    private void record(
            AuditOperation op,
            AuditOutcome outcome,
            String zone,
            String hsm,
            DnssecKey key,
            String detail,
            String actor)
            throws StatusException {
        append(new AuditEvent(
                clock.instant(),
                op,
                zone,
                hsm,
                key == null ? "" : key.fingerprint().hex(),
                key == null ? null : key.keyTag().value(),
                key == null ? "" : key.role().name(),
                outcome,
                detail,
                actor));
    }

    private void append(AuditEvent event) throws StatusException {
        try {
            audit.append(event);
        } catch (AuditLogException e) {
            LOG.error(
                    "node={} audit log unwritable, {} of zone={} hsm={} not answered: {}",
                    node,
                    event.operation(),
                    event.zone(),
                    event.hsm(),
                    e.getMessage());
            throw Failure.of(Failure.Reason.AUDIT_FAILED)
                    .because("node " + node + " cannot write its audit log (see the" + " node's log); "
                            + event.operation() + " not answered");
        }
    }

    private List<String> names() {
        return hsms.stream().map(h -> h.id().name()).toList();
    }

    private static String message(HsmId hsm, Exception e) {
        if (e instanceof HsmException) {
            return e.getMessage();
        }
        return "HSM " + hsm + ": " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private static String shortHex(byte[] nonce) {
        return HexFormat.of().formatHex(nonce, 0, Math.min(4, nonce.length)) + "…";
    }

    /** Caller text for messages: at most {@value #MAX_ECHO} characters. */
    private static String echo(String text) {
        if (text.length() <= MAX_ECHO) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(MAX_ECHO - 1)) ? MAX_ECHO - 1 : MAX_ECHO; // keep pairs whole
        return text.substring(0, end) + "…";
    }
}
