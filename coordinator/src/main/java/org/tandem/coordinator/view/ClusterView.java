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
import org.tandem.proto.signer.v1.CheckState;
import org.tandem.proto.signer.v1.GetStatusRequest;
import org.tandem.proto.signer.v1.NodeStatus;
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

    private final ZooKeeperView zk;
    private final NodeClients nodes;
    private final Clock clock;
    private final Nonces nonces;

    public ClusterView(ZooKeeperView zk, NodeClients nodes, Clock clock, Nonces nonces) {
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

    public ZooKeeperView zooKeeper() {
        return zk;
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
            return Answer.of(node, nodes.signerNode(node, STATUS_DEADLINE).getStatus(GetStatusRequest.getDefaultInstance()));
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
            var answer = nodes.keySync(node, INVENTORY_DEADLINE).inventory(InventoryRequest.newBuilder().setZone(zone)
                    .setNonce(ByteString.copyFrom(nonce)).build());
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
            NodeView.Builder v = NodeView.newBuilder().setName(n.name()).setSite(n.site()).setEndpoint(n.endpoint());
            if (a.value().isEmpty()) {
                v.setRole(NodeRole.UNREACHABLE).addReasons(a.error());
            } else {
                NodeStatus s = a.value().get();
                v.setRole(role(s.getRole())).setEpoch(s.getEpoch()).setLeaseRemainingMillis(s.getLeaseRemainingMillis())
                        .addAllReasons(s.getReasonsList());
                if (s.getRole() == org.tandem.proto.signer.v1.Role.LEADER && s.getEpoch() == epoch) {
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
                zk.last(zone).ifPresent(last -> z.setPublished(true).setCommittedSerial((int) last.serial())
                        .setCommittedEpoch(last.epoch()).setCommittedBy(last.node())
                        .setCommittedAtMillis(last.committedAt().toEpochMilli()));
            } catch (CoordinatorException e) {
                b.addProblems(e.getMessage());
            }
            b.addZones(z);
        }
        return b.build();
    }

    /** The {@code GetClusterKeys} answer for one zone or (empty) every zone with a manifest. */
    public ClusterKeys clusterKeys(String zoneOrEmpty) throws CoordinatorException {
        List<String> zones = zoneOrEmpty.isEmpty() ? zk.zones()
                : List.of(zoneOrEmpty.endsWith(".") ? zoneOrEmpty.toLowerCase(Locale.ROOT)
                        : zoneOrEmpty.toLowerCase(Locale.ROOT) + ".");
        ClusterKeys.Builder out = ClusterKeys.newBuilder();
        Set<String> problems = new LinkedHashSet<>();
        for (String zone : zones) {
            List<ManifestKey> manifest = manifestKeys(zone);
            List<LedgerEntry> history = zk.history(zone);
            byte[] nonce = nonces.next();
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
                ClusterKey.Builder k = ClusterKey.newBuilder().setRole(m.role()).setKeyTag(m.keyTag())
                        .setAlgorithm(m.algorithm()).setFingerprint(m.fingerprint())
                        .setState(m.state().name().toLowerCase(Locale.ROOT)).setNextEvent(nextEvent(m));
                LedgerEntry.publishedSince(history, m.fingerprint()).ifPresent(since -> k.setPublishedSinceSeconds(
                        since.equals(Instant.MIN) ? history.get(0).committedAt().getEpochSecond() : since.getEpochSecond()));
                if (m.live()) {
                    for (NodeKeys nk : all) {
                        presence(nk, m).forEach(k::addPresence);
                    }
                }
                z.addKeys(k);
            }
            for (NodeKeys nk : all) {
                for (HsmKeys h : nk.hsms()) {
                    for (FoundKey f : h.keys()) {
                        boolean known = f.fingerprint().isPresent() && manifest.stream()
                                .anyMatch(m -> m.live() && m.fingerprint().equals(f.fingerprint().get()));
                        if (!known) {
                            z.addExtra(ClusterKey.newBuilder().setRole(f.role()).setKeyTag(f.keyTag())
                                    .setAlgorithm(f.algorithm()).setFingerprint(f.fingerprint().orElse(""))
                                    .setState("not-in-manifest").setNextEvent("remove it or find out who created it")
                                    .addPresence(KeyPresence.newBuilder().setNode(nk.node()).setHsm(h.hsm())
                                            .setVerdict("unexpected-extra-key").setDetail("label '" + f.label() + "'")));
                        }
                    }
                }
            }
            out.addZones(z);
        }
        out.addAllProblems(problems);
        return out.build();
    }

    private static List<KeyPresence> presence(NodeKeys nk, ManifestKey m) {
        List<KeyPresence> out = new ArrayList<>();
        if (nk.unreachable().isPresent()) {
            out.add(KeyPresence.newBuilder().setNode(nk.node()).setVerdict("unreachable").setDetail(nk.unreachable().get())
                    .build());
            return out;
        }
        for (HsmKeys h : nk.hsms()) {
            KeyPresence.Builder p = KeyPresence.newBuilder().setNode(nk.node()).setHsm(h.hsm());
            if (!h.error().isEmpty()) {
                out.add(p.setVerdict("hsm-error").setDetail(h.error()).build());
                continue;
            }
            Optional<FoundKey> exact = h.keys().stream().filter(f -> f.fingerprint().filter(m.fingerprint()::equals)
                    .isPresent()).findFirst();
            if (exact.isPresent()) {
                FoundKey f = exact.get();
                out.add(f.proven() ? p.setVerdict("ok").build()
                        : p.setVerdict("private-key-mismatch").setDetail(f.proofProblem().orElse("not proven")).build());
                continue;
            }
            Optional<FoundKey> claimant = h.keys().stream().filter(f -> f.keyTag() == m.keyTag() && f.role() == m.role()
                    && f.algorithm() == m.algorithm()).findFirst();
            out.add(claimant.isPresent()
                    ? p.setVerdict("different-public-key").setDetail("same key tag, fp "
                            + claimant.get().fingerprint().orElse("unreadable")).build()
                    : p.setVerdict("missing").build());
        }
        return out;
    }

    private static String nextEvent(ManifestKey m) {
        return switch (m.state()) {
            case GENERATED -> "generated; to be synced to every HSM and published";
            case PUBLISHED -> "published; signs once active";
            case ACTIVE -> "active; signs the zone";
            case RETIRED -> "retired; stays published while its signatures may be cached";
            case REMOVED -> "removed; may be deleted from the HSMs";
            default -> "unknown state";
        };
    }

    private static NodeZoneView zoneView(ZoneStatus z) {
        NodeZoneView.Builder v = NodeZoneView.newBuilder().setZone(z.getZone())
                .setEarliestExpirySeconds(z.getEarliestRrsigExpiryEpochSeconds())
                .setKeySync(switch (z.getKeySync()) {
                    case KEY_SYNCED -> "synced";
                    case NOT_KEY_SYNCED -> "not-synced";
                    default -> "unknown";
                })
                .addAllKeySyncReasons(z.getKeySyncReasonsList())
                .setGate(check(z.getGate())).setGateFailure(z.getGateFailure())
                .setCanary(check(z.getCanary())).setCanaryFailure(z.getCanaryFailure());
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
    public static NodeRole role(org.tandem.proto.signer.v1.Role r) {
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
        String d = e.getStatus().getDescription();
        return e.getStatus().getCode() + (d == null ? "" : ": " + d);
    }
}
