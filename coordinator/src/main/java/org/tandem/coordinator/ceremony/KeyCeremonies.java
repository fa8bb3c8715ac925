package org.tandem.coordinator.ceremony;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.tandem.coordinator.CoordinatorException;
import org.tandem.coordinator.config.NodeEndpoint;
import org.tandem.coordinator.view.ClusterView;
import org.tandem.coordinator.view.FoundKey;
import org.tandem.coordinator.view.HsmKeys;
import org.tandem.coordinator.view.KeyFacts;
import org.tandem.coordinator.view.ManifestKey;
import org.tandem.coordinator.view.NodeKeys;
import org.tandem.proto.coordinator.v1.ClusterKekStatus;
import org.tandem.proto.coordinator.v1.ClusterKey;
import org.tandem.proto.coordinator.v1.EnrolKekOrder;
import org.tandem.proto.coordinator.v1.GenerateKeyOrder;
import org.tandem.proto.coordinator.v1.GenerateKeyResult;
import org.tandem.proto.coordinator.v1.KekOrderResult;
import org.tandem.proto.coordinator.v1.KeyPresence;
import org.tandem.proto.coordinator.v1.KeyPresenceProblem;
import org.tandem.proto.coordinator.v1.NodeKek;
import org.tandem.proto.coordinator.v1.SyncKeysResult;
import org.tandem.proto.keysync.v1.BeginKekEnrolmentRequest;
import org.tandem.proto.keysync.v1.CompleteKekEnrolmentRequest;
import org.tandem.proto.keysync.v1.ExportKekRequest;
import org.tandem.proto.keysync.v1.ExportWrappedKeyRequest;
import org.tandem.proto.keysync.v1.GenerateKeyRequest;
import org.tandem.proto.keysync.v1.GenerateKeyResponse;
import org.tandem.proto.keysync.v1.GetKekStatusRequest;
import org.tandem.proto.keysync.v1.HsmKek;
import org.tandem.proto.keysync.v1.HsmKeyProof;
import org.tandem.proto.keysync.v1.ImportWrappedKeyRequest;
import org.tandem.proto.keysync.v1.ImportWrappedKeyResponse;
import org.tandem.proto.keysync.v1.InitKekRequest;
import org.tandem.proto.keysync.v1.KekCheckValue;
import org.tandem.proto.keysync.v1.KekStatus;
import org.tandem.proto.keysync.v1.KeyRole;
import org.tandem.proto.keysync.v1.TransportPublicKey;
import org.tandem.proto.keysync.v1.WrappedKek;
import org.tandem.proto.keysync.v1.WrappedKey;
import org.xbill.DNS.TextParseException;

/**
 * The key ceremonies across sites, on an operator's order, through the nodes' KeySync services:
 * the cluster KEK ({@link #initKek}, {@link #enrolKek}, {@link #kekStatus}), key generation
 * ({@link #generateKey}) and the key sync ({@link #syncKeys}). The coordinator carries only public
 * halves, wrapped blobs, check values and proofs; it verifies every proof itself over a nonce of its
 * own with the manifest's DNSKEY ({@link ClusterView}, {@link KeyFacts}), never trusting a node's
 * word that a key is there.
 *
 * <p>Authorization and the audit log are the caller's (the gRPC service): this class carries out an
 * order and passes the operator's certificate CN to every node as {@code ordered_by}. One ceremony at
 * a time (synchronized); {@link #kekStatus} reads and runs beside them. A node's failure is a {@link
 * CeremonyException} naming the step, node and HSM.
 */
public final class KeyCeremonies {
    /** Deadline of the KEK calls (an RSA transport pair is generated inside an HSM). */
    static final Duration KEK_DEADLINE = Duration.ofSeconds(60);
    /** Deadline of GetKekStatus. */
    static final Duration STATUS_DEADLINE = Duration.ofSeconds(10);
    /** Deadline of GenerateKey (generates inside the HSM and updates the manifest). */
    static final Duration GENERATE_DEADLINE = Duration.ofSeconds(60);
    /** Deadline of ExportWrappedKey and ImportWrappedKey. */
    static final Duration COPY_DEADLINE = Duration.ofSeconds(60);

    private static final HexFormat HEX = HexFormat.of();

    private final ClusterView view;

    public KeyCeremonies(ClusterView view) {
        this.view = Objects.requireNonNull(view, "view");
    }

    // ---- the cluster KEK

    /**
     * Generates the cluster KEK inside one HSM of {@code node}. Refused (FAILED_PRECONDITION) when any
     * HSM of any node holds a KEK already, or when a node cannot tell (unreachable, HSM error): a
     * second KEK would split the cluster.
     */
    public synchronized KekOrderResult initKek(String node, String hsm, String orderedBy) throws CoordinatorException {
        requireNode(node, "node");
        ClusterKekStatus status = kekStatus();
        for (NodeKek k : status.getNodesList()) {
            if (!k.getCheckValue().isEmpty()) {
                throw new CeremonyException(
                        Status.Code.FAILED_PRECONDITION,
                        "the cluster KEK exists already: "
                                + where(k.getNode(), k.getHsm()) + " holds one with check value " + k.getCheckValue()
                                + "; enrol the other HSMs instead: signerctl kek enrol --config signerctl.yaml --from "
                                + k.getNode() + " --to " + node);
            }
        }
        for (NodeKek k : status.getNodesList()) {
            if (!k.getError().isEmpty()) {
                throw new CeremonyException(
                        Status.Code.FAILED_PRECONDITION,
                        "cannot tell whether "
                                + where(k.getNode(), k.getHsm()) + " holds a KEK (" + k.getError()
                                + "); not generating what"
                                + " could be a second cluster KEK: make it readable and retry");
            }
        }
        KekCheckValue kcv;
        try {
            kcv = view.nodes()
                    .keySync(node, KEK_DEADLINE)
                    .initKek(InitKekRequest.newBuilder()
                            .setHsm(hsm)
                            .setOrderedBy(orderedBy)
                            .build());
        } catch (StatusRuntimeException e) {
            throw CeremonyException.fromNode(node, "InitKek on " + where(node, hsm), e);
        }
        String value = HEX.formatHex(kcv.getCheckValue().toByteArray());
        return KekOrderResult.newBuilder()
                .setFrom(node)
                .setFromHsm(kcv.getHsm())
                .setFromCheckValue(value)
                .setMatch(!value.isEmpty())
                .build();
    }

    /**
     * Enrols an HSM of {@code to} with the KEK held by {@code from}: BeginKekEnrolment on {@code to}
     * (an RSA transport pair made inside its HSM; only the public half comes back), ExportKek on
     * {@code from} under that public key, CompleteKekEnrolment on {@code to}. Both check values are
     * returned; {@code match} is false when they differ (the order failed).
     */
    public synchronized KekOrderResult enrolKek(EnrolKekOrder order, String orderedBy) throws CoordinatorException {
        String from = order.getFrom();
        String to = order.getTo();
        requireNode(from, "from");
        requireNode(to, "to");
        if (from.equals(to) && (order.getToHsm().isEmpty() || order.getToHsm().equals(order.getFromHsm()))) {
            throw new IllegalArgumentException("'from' and 'to' name the same node " + from
                    + "; to enrol another HSM of it, name both HSMs (from_hsm, to_hsm)");
        }
        TransportPublicKey transport;
        try {
            transport = view.nodes()
                    .keySync(to, KEK_DEADLINE)
                    .beginKekEnrolment(BeginKekEnrolmentRequest.newBuilder()
                            .setHsm(order.getToHsm())
                            .setOrderedBy(orderedBy)
                            .build());
        } catch (StatusRuntimeException e) {
            throw CeremonyException.fromNode(to, "BeginKekEnrolment on " + where(to, order.getToHsm()), e);
        }
        WrappedKek wrapped;
        try {
            wrapped = view.nodes()
                    .keySync(from, KEK_DEADLINE)
                    .exportKek(ExportKekRequest.newBuilder()
                            .setHsm(order.getFromHsm())
                            .setTransport(transport)
                            .setOrderedBy(orderedBy)
                            .build());
        } catch (StatusRuntimeException e) {
            throw CeremonyException.fromNode(
                    from,
                    "ExportKek on " + where(from, order.getFromHsm()) + " for " + where(to, transport.getHsm()),
                    e);
        }
        String fromValue = HEX.formatHex(wrapped.getCheckValue().toByteArray());
        String fromHsm = wrapped.getHsm().isEmpty() ? order.getFromHsm() : wrapped.getHsm();
        KekCheckValue done;
        try {
            done = view.nodes()
                    .keySync(to, KEK_DEADLINE)
                    .completeKekEnrolment(CompleteKekEnrolmentRequest.newBuilder()
                            .setEnrolmentId(transport.getEnrolmentId())
                            .setWrapped(wrapped)
                            .setOrderedBy(orderedBy)
                            .build());
        } catch (StatusRuntimeException e) {
            throw CeremonyException.fromNode(
                    to,
                    "CompleteKekEnrolment on " + where(to, transport.getHsm()) + " (the holder " + where(from, fromHsm)
                            + " has check value " + fromValue + ")",
                    e);
        }
        String toValue = HEX.formatHex(done.getCheckValue().toByteArray());
        return KekOrderResult.newBuilder()
                .setFrom(from)
                .setFromHsm(fromHsm)
                .setFromCheckValue(fromValue)
                .setTo(to)
                .setToHsm(done.getHsm().isEmpty() ? transport.getHsm() : done.getHsm())
                .setToCheckValue(toValue)
                .setMatch(!fromValue.isEmpty()
                        && Arrays.equals(
                                wrapped.getCheckValue().toByteArray(),
                                done.getCheckValue().toByteArray()))
                .build();
    }

    /** Every node's and HSM's KEK check value; a node that cannot be asked is one entry with its error. */
    public ClusterKekStatus kekStatus() {
        ClusterKekStatus.Builder b = ClusterKekStatus.newBuilder();
        boolean consistent = true;
        Set<String> values = new LinkedHashSet<>();
        for (NodeEndpoint n : view.nodes().nodes()) {
            KekStatus s;
            try {
                s = view.nodes()
                        .keySync(n.name(), STATUS_DEADLINE)
                        .getKekStatus(GetKekStatusRequest.getDefaultInstance());
            } catch (StatusRuntimeException e) {
                b.addNodes(NodeKek.newBuilder()
                        .setNode(n.name())
                        .setError("GetKekStatus on " + n.name() + " failed: " + ClusterView.describe(e)));
                consistent = false;
                continue;
            }
            if (s.getHsmsCount() == 0) {
                b.addNodes(NodeKek.newBuilder().setNode(n.name()).setError("node " + n.name() + " reported no HSMs"));
                consistent = false;
            }
            for (HsmKek h : s.getHsmsList()) {
                String value = HEX.formatHex(h.getCheckValue().toByteArray());
                b.addNodes(NodeKek.newBuilder()
                        .setNode(n.name())
                        .setHsm(h.getHsm())
                        .setCheckValue(value)
                        .setError(h.getError()));
                if (!h.getError().isEmpty() || value.isEmpty()) {
                    consistent = false;
                } else {
                    values.add(value);
                }
            }
        }
        return b.setConsistent(consistent && values.size() == 1).build();
    }

    // ---- keys

    /** Generates a key inside one HSM of the order's node; the node adds it to the manifest as GENERATED. */
    public synchronized GenerateKeyResult generateKey(GenerateKeyOrder order, String orderedBy)
            throws CoordinatorException {
        String zone = ClusterView.absolute(order.getZone());
        if (order.getRole() != KeyRole.KSK && order.getRole() != KeyRole.ZSK && order.getRole() != KeyRole.CSK) {
            throw new IllegalArgumentException("role must be KSK, ZSK or CSK, not " + order.getRole());
        }
        requireNode(order.getOn(), "on");
        int algorithm = order.getAlgorithm() == 0 ? 13 : order.getAlgorithm();
        GenerateKeyResponse r;
        try {
            r = view.nodes()
                    .keySync(order.getOn(), GENERATE_DEADLINE)
                    .generateKey(GenerateKeyRequest.newBuilder()
                            .setZone(zone)
                            .setRole(order.getRole())
                            .setAlgorithm(algorithm)
                            .setHsm(order.getHsm())
                            .setOrderedBy(orderedBy)
                            .build());
        } catch (StatusRuntimeException e) {
            throw CeremonyException.fromNode(
                    order.getOn(),
                    "GenerateKey of a " + order.getRole() + " for zone " + zone + " on "
                            + where(order.getOn(), order.getHsm()),
                    e);
        }
        String fingerprint;
        try {
            fingerprint = KeyFacts.fingerprint(r.getKey());
        } catch (TextParseException | RuntimeException e) {
            throw new CeremonyException(
                    Status.Code.INTERNAL,
                    "GenerateKey on " + order.getOn() + " answered an unusable" + " public key for zone " + zone + ": "
                            + e.getMessage());
        }
        if (r.getKey().getRole() != order.getRole() || r.getKey().getAlgorithm() != algorithm) {
            throw new CeremonyException(
                    Status.Code.INTERNAL,
                    "GenerateKey on " + order.getOn() + " answered a "
                            + r.getKey().getRole() + " of algorithm "
                            + r.getKey().getAlgorithm() + " (fp " + fingerprint
                            + ") for an order of a " + order.getRole() + " of algorithm " + algorithm + " in zone "
                            + zone);
        }
        return GenerateKeyResult.newBuilder()
                .setNode(r.getNode().isEmpty() ? order.getOn() : r.getNode())
                .setHsm(r.getHsm())
                .setKey(r.getKey())
                .setFingerprint(fingerprint)
                .build();
    }

    /**
     * Copies every live manifest key that an HSM of a node lacks from a node that holds it proven:
     * every node proves every key over a fresh nonce; a key an HSM lacks (neither the key nor another
     * key pair under its identity) is exported wrapped under the KEK by a node where it is proven and
     * imported on the node that lacks it, with a fresh nonce, and the returned proof is verified here
     * with the manifest's DNSKEY; then every node proves every key again over a new nonce ({@code
     * after}). What this does not repair is in {@code unresolved}, each with its fix: another key
     * pair under a key's identity (DENIC 2026), a private key that is not the manifest's, a key no
     * node holds proven, an unreachable node or HSM, a key the manifest does not list.
     */
    public synchronized SyncKeysResult syncKeys(String zoneName, String orderedBy) throws CoordinatorException {
        Objects.requireNonNull(orderedBy, "orderedBy");
        String zone = ClusterView.absolute(zoneName);
        List<ManifestKey> manifest = view.manifestKeys(zone);
        List<ManifestKey> live = manifest.stream().filter(ManifestKey::live).toList();
        if (live.isEmpty()) {
            throw new CeremonyException(
                    Status.Code.FAILED_PRECONDITION,
                    "zone " + zone + " has no live key in its manifest: generate its keys first: signerctl keys "
                            + "generate --config signerctl.yaml --zone "
                            + zone
                            + " --role ksk --on NODE");
        }
        byte[] nonce = view.nonce();
        List<NodeKeys> before = new ArrayList<>();
        for (NodeEndpoint n : view.nodes().nodes()) {
            before.add(view.inventory(n.name(), zone, manifest, nonce));
        }
        List<String> actions = new ArrayList<>();
        Map<String, String> attempts = new LinkedHashMap<>();
        for (ManifestKey m : live) {
            List<String> sources = sources(before, m);
            Exported exported = null;
            for (NodeKeys nk : before) {
                if (nk.unreachable().isPresent()) {
                    continue;
                }
                for (HsmKeys h : nk.hsms()) {
                    if (!h.error().isEmpty() || !lacks(h, m) || sources.isEmpty()) {
                        continue; // the check afterwards names each of these with its fix
                    }
                    try {
                        if (exported == null) {
                            exported = export(zone, m, sources);
                        }
                        actions.add(importInto(zone, m, exported, nk.node(), h.hsm()));
                    } catch (CeremonyException e) {
                        attempts.put(attemptKey(m.fingerprint(), nk.node(), h.hsm()), e.getMessage());
                    }
                }
            }
        }
        ClusterView.ZoneKeysAnswer after = view.zoneKeys(zone, view.nonce());
        List<KeyPresenceProblem> unresolved = new ArrayList<>();
        boolean everyKeyJudged = true;
        for (ClusterKey k : after.keys().getKeysList()) {
            if (k.getState().equals("removed")) {
                continue;
            }
            everyKeyJudged &= k.getPresenceCount() > 0;
            for (KeyPresence p : k.getPresenceList()) {
                if (!p.getVerdict().equals("ok")) {
                    unresolved.add(
                            problem(k, p, attempts.get(attemptKey(k.getFingerprint(), p.getNode(), p.getHsm()))));
                }
            }
        }
        for (ClusterKey k : after.keys().getExtraList()) {
            for (KeyPresence p : k.getPresenceList()) {
                unresolved.add(problem(k, p, null));
            }
        }
        return SyncKeysResult.newBuilder()
                .setZone(zone)
                .addAllActions(actions)
                .addAllUnresolved(unresolved)
                .setAfter(after.keys())
                .setKeySynced(unresolved.isEmpty() && everyKeyJudged)
                .build();
    }

    /** A key exported wrapped under the KEK, and the node that exported it. */
    private record Exported(WrappedKey wrapped, String node) {}

    /** The nodes that hold the key proven, in configuration order. */
    private static List<String> sources(List<NodeKeys> all, ManifestKey m) {
        List<String> out = new ArrayList<>();
        for (NodeKeys nk : all) {
            boolean proven = nk.hsms().stream()
                    .flatMap(h -> h.keys().stream())
                    .anyMatch(f -> f.proven()
                            && f.fingerprint().filter(m.fingerprint()::equals).isPresent());
            if (proven) {
                out.add(nk.node());
            }
        }
        return out;
    }

    /** The HSM holds neither the key nor another object claiming its identity. */
    private static boolean lacks(HsmKeys h, ManifestKey m) {
        for (FoundKey f : h.keys()) {
            if (f.fingerprint().filter(m.fingerprint()::equals).isPresent() || ClusterView.claims(f, m)) {
                return false;
            }
        }
        return true;
    }

    /** Exports the key from the first source node that does; the blob must carry the manifest's key. */
    private Exported export(String zone, ManifestKey m, List<String> sources) throws CeremonyException {
        List<String> failures = new ArrayList<>();
        for (String node : sources) {
            WrappedKey w;
            try {
                w = view.nodes()
                        .keySync(node, COPY_DEADLINE)
                        .exportWrappedKey(ExportWrappedKeyRequest.newBuilder()
                                .setZone(zone)
                                .setFingerprint(ByteString.copyFrom(HEX.parseHex(m.fingerprint())))
                                .build());
            } catch (StatusRuntimeException e) {
                failures.add("ExportWrappedKey on " + node + ": " + ClusterView.describe(e));
                continue;
            }
            String fp;
            try {
                fp = KeyFacts.fingerprint(w.getKey());
            } catch (TextParseException | RuntimeException e) {
                fp = "unreadable";
            }
            if (!fp.equals(m.fingerprint())) {
                failures.add("ExportWrappedKey on " + node + " answered another key (fp " + fp + ")");
                continue;
            }
            return new Exported(w, node);
        }
        throw new CeremonyException(
                Status.Code.FAILED_PRECONDITION,
                "zone " + zone + ": " + m.describe() + " could not be exported from any node that holds it proven: "
                        + String.join("; ", failures));
    }

    /** Imports into one HSM of {@code node} with a fresh nonce and verifies the proof here. */
    private String importInto(String zone, ManifestKey m, Exported exported, String node, String hsm)
            throws CeremonyException {
        byte[] nonce = view.nonce();
        String target = where(node, hsm);
        ImportWrappedKeyResponse r;
        try {
            r = view.nodes()
                    .keySync(node, COPY_DEADLINE)
                    .importWrappedKey(ImportWrappedKeyRequest.newBuilder()
                            .setWrapped(exported.wrapped())
                            .setHsm(hsm)
                            .setNonce(ByteString.copyFrom(nonce))
                            .build());
        } catch (StatusRuntimeException e) {
            throw CeremonyException.fromNode(
                    node,
                    "zone " + zone + ": ImportWrappedKey of " + m.describe() + " from " + exported.node() + " into "
                            + target,
                    e);
        }
        Optional<HsmKeyProof> proof = Optional.empty();
        int at = r.getHsmsList().indexOf(hsm);
        if (at >= 0 && at < r.getImportedCount()) {
            proof = Optional.of(r.getImported(at));
        } else if (r.getImportedCount() == 1) {
            proof = Optional.of(r.getImported(0));
        }
        if (proof.isEmpty()) {
            throw new CeremonyException(
                    Status.Code.INTERNAL,
                    "zone " + zone + ": ImportWrappedKey of " + m.describe() + " into " + target
                            + " returned no proof for HSM " + hsm);
        }
        Optional<String> problem = !proof.get().getProofError().isEmpty()
                ? Optional.of("the HSM could not sign the proof: " + proof.get().getProofError())
                : KeyFacts.verifyProof(
                        m.descriptor(),
                        nonce,
                        proof.get().getProofRrsig().toByteArray(),
                        view.clock().instant());
        if (problem.isPresent()) {
            throw new CeremonyException(
                    Status.Code.FAILED_PRECONDITION,
                    "zone " + zone + ": " + m.describe() + " imported into " + target + " is not proven: "
                            + problem.get());
        }
        return "copied " + m.describe() + " from " + exported.node() + " to " + target
                + ", proven there over a fresh nonce with the manifest's DNSKEY";
    }

    private static KeyPresenceProblem problem(ClusterKey k, KeyPresence p, String attempt) {
        String detail = p.getDetail();
        if (attempt != null) {
            detail = (detail.isEmpty() ? "" : detail + "; ") + "the copy failed: " + attempt;
        }
        return KeyPresenceProblem.newBuilder()
                .setRole(k.getRole())
                .setKeyTag(k.getKeyTag())
                .setFingerprint(k.getFingerprint())
                .setNode(p.getNode())
                .setHsm(p.getHsm())
                .setVerdict(p.getVerdict())
                .setDetail(detail)
                .setFix(p.getFix())
                .build();
    }

    private static String attemptKey(String fingerprint, String node, String hsm) {
        return fingerprint + " " + node + " " + hsm;
    }

    private void requireNode(String node, String field) {
        if (node.isBlank()) {
            throw new IllegalArgumentException("'" + field + "' names a node of coordinator.yaml");
        }
        if (!view.nodes().knows(node)) {
            throw new UnknownNodeException(
                    node, view.nodes().nodes().stream().map(NodeEndpoint::name).toList());
        }
    }

    private static String where(String node, String hsm) {
        return hsm.isEmpty() ? node : node + "/" + hsm;
    }

    /** A node the order names that coordinator.yaml does not list (NOT_FOUND). */
    public static final class UnknownNodeException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        UnknownNodeException(String node, List<String> known) {
            super("node '" + node + "' is not in coordinator.yaml (nodes: " + known + ")");
        }
    }
}
