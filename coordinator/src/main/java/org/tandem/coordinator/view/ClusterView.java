package org.tandem.coordinator.view;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.tandem.coordinator.CoordinatorException;
import org.tandem.coordinator.config.NodeEndpoint;
import org.tandem.proto.coordinator.v1.ClusterKey;
import org.tandem.proto.coordinator.v1.ClusterKeys;
import org.tandem.proto.coordinator.v1.ClusterStatus;
import org.tandem.proto.coordinator.v1.KeyPresence;
import org.tandem.proto.coordinator.v1.NodeRole;
import org.tandem.proto.coordinator.v1.NodeView;
import org.tandem.proto.coordinator.v1.NodeZoneView;
import org.tandem.proto.coordinator.v1.ZoneKeys;
import org.tandem.proto.coordinator.v1.ZoneView;
import org.tandem.proto.keysync.v1.InventoryRequest;
import org.tandem.proto.keysync.v1.KeyManifest;
import org.tandem.proto.keysync.v1.KeyState;
import org.tandem.proto.signer.v1.CheckState;
import org.tandem.proto.signer.v1.GetStatusRequest;
import org.tandem.proto.signer.v1.NodeStatus;
import org.tandem.proto.signer.v1.Role;
import org.tandem.proto.signer.v1.ZoneStatus;

/**
 * Takes the cluster view: ZooKeeper (epoch, ledger, manifests) and every node's {@code GetStatus}
 * and {@code Inventory} (with a fresh nonce of the coordinator's). A node that does not answer is
 * part of the view ({@code UNREACHABLE} with the reason), never an error. Thread-safe.
 */
public final class ClusterView {
    /** Deadline of GetStatus (answers from memory). */
    public static final Duration STATUS_DEADLINE = Duration.ofSeconds(5);
    /** Deadline of Inventory (signs with every key on every HSM). */
    public static final Duration INVENTORY_DEADLINE = Duration.ofSeconds(30);

    private final ClusterRecords zk;
    private final NodeClients nodes;
    private final Clock clock;
    private final Nonces nonces;

    public ClusterView(ClusterRecords zk, NodeClients nodes, Clock clock, Nonces nonces) {
        this.zk = Objects.requireNonNull(zk, "zk");
        this.nodes = Objects.requireNonNull(nodes, "nodes");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.nonces = Objects.requireNonNull(nonces, "nonces");
    }

    /** Fresh random nonces for proofs of possession. */
    @FunctionalInterface
    public interface Nonces {
        /** 32 fresh random bytes. */
        byte[] next();
    }

    /** ZooKeeper's records: epoch, manifests, ledger. */
    public ClusterRecords records() {
        return zk;
    }

    /** A fresh nonce for proofs of possession. */
    public byte[] nonce() {
        return nonces.next();
    }

    /** The coordinator's clock. */
    public Clock clock() {
        return clock;
    }

    public NodeClients nodes() {
        return nodes;
    }

    /** A node's status, or why it could not be had. */
    public record Answer<T>(String node, Optional<T> value, String error) {
        public static <T> Answer<T> of(String node, T value) {
            return new Answer<>(node, Optional.of(value), "");
        }

        public static <T> Answer<T> failed(String node, String error) {
            return new Answer<>(node, Optional.empty(), error);
        }
    }

    /** {@code GetStatus} of one node. */
    public Answer<NodeStatus> status(String node) {
        try {
            return Answer.of(
                    node, nodes.signerNode(node, STATUS_DEADLINE).getStatus(GetStatusRequest.getDefaultInstance()));
        } catch (StatusRuntimeException e) {
            return Answer.failed(node, "GetStatus on " + node + " failed: " + describe(e));
        }
    }

    /** The manifest keys of the zone, fingerprints and tags computed here; empty when no manifest. */
    public List<ManifestKey> manifestKeys(String zone) throws CoordinatorException {
        Optional<KeyManifest> m = zk.manifest(zone);
        if (m.isEmpty()) {
            return List.of();
        }
        return m.get().getKeysList().stream().map(ManifestKey::of).toList();
    }

    /** {@code Inventory} of one node for one zone, judged with the given nonce. */
    public NodeKeys inventory(String node, String zone, List<ManifestKey> manifest, byte[] nonce) {
        try {
            var answer = nodes.keySync(node, INVENTORY_DEADLINE)
                    .inventory(InventoryRequest.newBuilder()
                            .setZone(zone)
                            .setNonce(ByteString.copyFrom(nonce))
                            .build());
            return Inventories.judge(node, answer, manifest, nonce, clock.instant());
        } catch (StatusRuntimeException e) {
            return NodeKeys.unreachable(node, "Inventory on " + node + " failed: " + describe(e));
        }
    }

    /** The {@code GetClusterStatus} answer. */
    public ClusterStatus clusterStatus() {
        ClusterStatus.Builder b = ClusterStatus.newBuilder().setTakenAtMillis(clock.millis());
        long epoch = 0;
        try {
            epoch = zk.epoch();
        } catch (CoordinatorException e) {
            b.addProblems(e.getMessage());
        }
        b.setEpoch(epoch);
        Set<String> zones = new LinkedHashSet<>();
        String leader = "";
        for (NodeEndpoint n : nodes.nodes()) {
            Answer<NodeStatus> a = status(n.name());
            NodeView.Builder v =
                    NodeView.newBuilder().setName(n.name()).setSite(n.site()).setEndpoint(n.endpoint());
            if (a.value().isEmpty()) {
                v.setRole(NodeRole.UNREACHABLE).addReasons(a.error());
            } else {
                NodeStatus s = a.value().get();
                v.setRole(role(s.getRole()))
                        .setEpoch(s.getEpoch())
                        .setLeaseRemainingMillis(s.getLeaseRemainingMillis())
                        .addAllReasons(s.getReasonsList());
                if (s.getRole() == Role.LEADER && s.getEpoch() == epoch) {
                    leader = n.name();
                }
                for (ZoneStatus z : s.getZonesList()) {
                    zones.add(z.getZone());
                    v.addZones(zoneView(z));
                }
            }
            b.addNodes(v);
        }
        b.setLeader(leader);
        try {
            zones.addAll(zk.zones());
        } catch (CoordinatorException e) {
            b.addProblems(e.getMessage());
        }
        for (String zone : zones) {
            ZoneView.Builder z = ZoneView.newBuilder().setZone(zone);
            try {
                zk.last(zone)
                        .ifPresent(last -> z.setPublished(true)
                                .setCommittedSerial((int) last.serial())
                                .setCommittedEpoch(last.epoch())
                                .setCommittedBy(last.node())
                                .setCommittedAtMillis(last.committedAt().toEpochMilli()));
            } catch (CoordinatorException e) {
                b.addProblems(e.getMessage());
            }
            b.addZones(z);
        }
        return b.build();
    }

    /** The {@code GetClusterKeys} answer for one zone or (empty) every zone with a manifest, with fresh nonces. */
    public ClusterKeys clusterKeys(String zoneOrEmpty) throws CoordinatorException {
        return clusterKeys(zoneOrEmpty, Optional.empty());
    }

    /**
     * The {@code GetClusterKeys} answer for one zone or (empty) every zone with a manifest.
     *
     * @param nonce the caller's nonce for every proof (16 to 64 bytes); empty: a fresh one per zone
     * @throws IllegalArgumentException when the nonce has another length or the zone name is invalid
     */
    public ClusterKeys clusterKeys(String zoneOrEmpty, Optional<byte[]> nonce) throws CoordinatorException {
        nonce.ifPresent(ClusterView::checkNonce);
        List<String> zones = zoneOrEmpty.isEmpty() ? zk.zones() : List.of(absolute(zoneOrEmpty));
        ClusterKeys.Builder out = ClusterKeys.newBuilder();
        Set<String> problems = new LinkedHashSet<>();
        for (String zone : zones) {
            ZoneKeysAnswer z = zoneKeys(zone, nonce.orElseGet(nonces::next));
            out.addZones(z.keys());
            problems.addAll(z.problems());
        }
        out.addAllProblems(problems);
        return out.build();
    }

    /** One zone's keys on every node, and the nodes that could not be asked (one sentence each). */
    public record ZoneKeysAnswer(ZoneKeys keys, List<String> problems) {
        public ZoneKeysAnswer {
            Objects.requireNonNull(keys, "keys");
            problems = List.copyOf(problems);
        }
    }

    /**
     * Every live manifest key of one zone with its presence and proof on every HSM of every node
     * (each verdict with its fix), and the keys found that the manifest does not list as live.
     *
     * @param zone absolute, with the trailing dot
     * @param nonce the nonce every private key signs
     */
    public ZoneKeysAnswer zoneKeys(String zone, byte[] nonce) throws CoordinatorException {
        List<ManifestKey> manifest = manifestKeys(zone);
        List<LedgerEntry> history = zk.history(zone);
        List<String> problems = new ArrayList<>();
        List<NodeKeys> all = new ArrayList<>();
        for (NodeEndpoint n : nodes.nodes()) {
            NodeKeys k = inventory(n.name(), zone, manifest, nonce);
            k.unreachable().ifPresent(problems::add);
            all.add(k);
        }
        ZoneKeys.Builder z = ZoneKeys.newBuilder().setZone(zone);
        if (!history.isEmpty()) {
            z.setDnskeyTtlSeconds(history.get(history.size() - 1).dnskeyTtlSeconds());
        }
        for (ManifestKey m : manifest) {
            ClusterKey.Builder k = ClusterKey.newBuilder()
                    .setRole(m.role())
                    .setKeyTag(m.keyTag())
                    .setAlgorithm(m.algorithm())
                    .setFingerprint(m.fingerprint())
                    .setState(m.state().name().toLowerCase(Locale.ROOT))
                    .setNextEvent(nextEvent(m));
            LedgerEntry.publishedSince(history, m.fingerprint())
                    .ifPresent(since -> k.setPublishedSinceSeconds(
                            since.equals(Instant.MIN)
                                    ? history.get(0).committedAt().getEpochSecond()
                                    : since.getEpochSecond()));
            if (m.live()) {
                boolean proven = provenSomewhere(all, m.fingerprint());
                for (NodeKeys nk : all) {
                    presence(zone, nk, m, proven).forEach(k::addPresence);
                }
            }
            z.addKeys(k);
        }
        for (NodeKeys nk : all) {
            for (HsmKeys h : nk.hsms()) {
                for (FoundKey f : h.keys()) {
                    boolean known = f.fingerprint().isPresent()
                            && manifest.stream()
                                    .anyMatch(m -> m.live()
                                            && m.fingerprint()
                                                    .equals(f.fingerprint().get()));
                    // an object claiming a key this HSM lacks is that key's different-public-key verdict
                    boolean claims = manifest.stream()
                            .anyMatch(m -> m.live()
                                    && claims(f, m)
                                    && h.keys().stream()
                                            .noneMatch(x -> x.fingerprint()
                                                    .filter(m.fingerprint()::equals)
                                                    .isPresent()));
                    Optional<ManifestKey> gone = f.fingerprint()
                            .flatMap(fp -> manifest.stream()
                                    .filter(m -> m.gone() && m.fingerprint().equals(fp))
                                    .findFirst());
                    if (!known && gone.isPresent()) {
                        // out of the zone (REMOVED, or DELETED and not destroyed on this HSM yet): known, no stray
                        z.addExtra(ClusterKey.newBuilder()
                                .setRole(f.role())
                                .setKeyTag(f.keyTag())
                                .setAlgorithm(f.algorithm())
                                .setFingerprint(gone.get().fingerprint())
                                .setState(gone.get().state().name().toLowerCase(Locale.ROOT))
                                .setNextEvent(nextEvent(gone.get()))
                                .addPresence(KeyPresence.newBuilder()
                                        .setNode(nk.node())
                                        .setHsm(h.hsm())
                                        .setVerdict("out-of-zone")
                                        .setDetail("label '" + f.label() + "'; "
                                                + gone.get().state().name().toLowerCase(Locale.ROOT)
                                                + " in the manifest")));
                        continue;
                    }
                    if (!known && !claims) {
                        String fp = f.fingerprint().orElse("");
                        z.addExtra(ClusterKey.newBuilder()
                                .setRole(f.role())
                                .setKeyTag(f.keyTag())
                                .setAlgorithm(f.algorithm())
                                .setFingerprint(fp)
                                .setState("not-in-manifest")
                                .setNextEvent("remove it or find out who created it")
                                .addPresence(KeyPresence.newBuilder()
                                        .setNode(nk.node())
                                        .setHsm(h.hsm())
                                        .setVerdict("unexpected-extra-key")
                                        .setDetail("label '" + f.label() + "'")
                                        .setFix(Fixes.of(
                                                "unexpected-extra-key", zone, nk.node(), h.hsm(), fp, false))));
                    }
                }
            }
        }
        return new ZoneKeysAnswer(z.build(), problems);
    }

    /** Whether some HSM of some node holds the key with a verified proof. */
    public static boolean provenSomewhere(List<NodeKeys> all, String fingerprint) {
        return all.stream()
                .flatMap(n -> n.hsms().stream())
                .flatMap(h -> h.keys().stream())
                .anyMatch(f -> f.proven()
                        && f.fingerprint().filter(fingerprint::equals).isPresent());
    }

    /**
     * Whether an HSM object claims to be the manifest key without being it: the same role, algorithm
     * and key tag, or the key's fingerprint as its CKA_ID, with another public key (DENIC 2026).
     */
    public static boolean claims(FoundKey k, ManifestKey m) {
        if (k.fingerprint().filter(m.fingerprint()::equals).isPresent()) {
            return false;
        }
        return (k.keyTag() == m.keyTag() && k.algorithm() == m.algorithm() && k.role() == m.role())
                || k.objectIdHex().equalsIgnoreCase(m.fingerprint());
    }

    /** {@code example.com} and {@code Example.COM.} as {@code example.com.}. */
    public static String absolute(String zone) {
        String z = zone.strip().toLowerCase(Locale.ROOT);
        if (z.isEmpty() || z.equals(".")) {
            throw new IllegalArgumentException("zone name missing");
        }
        return z.endsWith(".") ? z : z + ".";
    }

    /** A caller's nonce: 16 to 64 bytes (the KeySync contract). */
    public static void checkNonce(byte[] nonce) {
        if (nonce.length < 16 || nonce.length > 64) {
            throw new IllegalArgumentException(
                    "the nonce must be 16 to 64 bytes of fresh randomness, got " + nonce.length);
        }
    }

    private static List<KeyPresence> presence(String zone, NodeKeys nk, ManifestKey m, boolean provenSomewhere) {
        List<KeyPresence> out = new ArrayList<>();
        if (nk.unreachable().isPresent()) {
            out.add(KeyPresence.newBuilder()
                    .setNode(nk.node())
                    .setVerdict("unreachable")
                    .setDetail(nk.unreachable().get())
                    .setFix(Fixes.of("unreachable", zone, nk.node(), "", "", provenSomewhere))
                    .build());
            return out;
        }
        for (HsmKeys h : nk.hsms()) {
            KeyPresence.Builder p = KeyPresence.newBuilder().setNode(nk.node()).setHsm(h.hsm());
            String verdict;
            String found = "";
            if (!h.error().isEmpty()) {
                verdict = "hsm-error";
                p.setDetail(h.error());
            } else {
                Optional<FoundKey> exact = h.keys().stream()
                        .filter(f ->
                                f.fingerprint().filter(m.fingerprint()::equals).isPresent())
                        .findFirst();
                Optional<FoundKey> claimant =
                        h.keys().stream().filter(f -> claims(f, m)).findFirst();
                if (exact.isPresent()) {
                    verdict = exact.get().proven() ? "ok" : "private-key-mismatch";
                    if (!exact.get().proven()) {
                        p.setDetail(exact.get().proofProblem().orElse("not proven"));
                    }
                } else if (claimant.isPresent()) {
                    verdict = "different-public-key";
                    found = claimant.get().fingerprint().orElse("");
                    p.setDetail("same key tag or CKA_ID, another key pair: fp "
                            + claimant.get().fingerprint().orElse("unreadable") + ", label '"
                            + claimant.get().label() + "'");
                } else {
                    verdict = "missing";
                    if (m.state() == KeyState.GENERATED) {
                        p.setDetail("generated, pending replication");
                    }
                }
            }
            out.add(p.setVerdict(verdict)
                    .setFix(Fixes.of(verdict, zone, nk.node(), h.hsm(), found, provenSomewhere))
                    .build());
        }
        return out;
    }

    private static String nextEvent(ManifestKey m) {
        return switch (m.state()) {
            case GENERATED -> "generated; to be synced to every HSM and published";
            case PUBLISHED -> "published; signs once active";
            case ACTIVE -> "active; signs the zone";
            case RETIRED -> "retired; stays published while its signatures may be cached";
            case REMOVED -> "removed; deleted from the HSMs once no cache can hold it (or by signerctl keys delete)";
            case DELETED -> "deleted; every node destroys its copy on its HSMs";
            case PRE_ACTIVE -> "pre-active; signs, its DNSKEY published next (algorithm rollover)";
            case POST_ACTIVE -> "post-active; DNSKEY removed, signs until it has left every cache (algorithm rollover)";
            default -> "unknown state";
        };
    }

    private static NodeZoneView zoneView(ZoneStatus z) {
        NodeZoneView.Builder v = NodeZoneView.newBuilder()
                .setZone(z.getZone())
                .setEarliestExpirySeconds(z.getEarliestRrsigExpiryEpochSeconds())
                .setKeySync(
                        switch (z.getKeySync()) {
                            case KEY_SYNCED -> "synced";
                            case NOT_KEY_SYNCED -> "not-synced";
                            default -> "unknown";
                        })
                .addAllKeySyncReasons(z.getKeySyncReasonsList())
                .setGate(check(z.getGate()))
                .setGateFailure(z.getGateFailure())
                .setCanary(check(z.getCanary()))
                .setCanaryFailure(z.getCanaryFailure());
        if (z.hasSerial()) {
            v.setSerial(z.getSerial()).setHasSerial(true);
        }
        return v.build();
    }

    private static String check(CheckState s) {
        return switch (s) {
            case PASSED -> "passed";
            case FAILED -> "failed";
            default -> "not-run";
        };
    }

    /** The coordinator's role value of a node's role. */
    public static NodeRole role(Role r) {
        return switch (r) {
            case LEADER -> NodeRole.LEADER;
            case STANDBY -> NodeRole.STANDBY;
            case NOT_ELIGIBLE -> NodeRole.NOT_ELIGIBLE;
            case STOPPED -> NodeRole.STOPPED;
            default -> NodeRole.NODE_ROLE_UNSPECIFIED;
        };
    }

    /** "UNAVAILABLE: io exception" */
    public static String describe(StatusRuntimeException e) {
        // the code and the first line of the description: gRPC appends its transport's internals
        // (channel pipelines, name-resolution and load-balancer state), which name nothing to act on
        String d = e.getStatus().getDescription();
        if (d == null || d.isBlank()) {
            return e.getStatus().getCode().toString();
        }
        String first = d.lines().findFirst().orElse("").strip();
        int internals = first.indexOf(". Name resolution delay");
        return e.getStatus().getCode() + ": " + (internals >= 0 ? first.substring(0, internals) : first);
    }
}
