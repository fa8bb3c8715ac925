package org.tandem.signer.metrics;

import java.util.ArrayList;
import java.util.List;
import org.tandem.signer.node.CheckState;
import org.tandem.signer.node.KeySyncState;
import org.tandem.signer.node.NodeRole;
import org.tandem.signer.node.NodeStatus;
import org.tandem.signer.node.ZoneStatus;

/**
 * Whether the node can do its job, for {@code /health}: healthy, or failing with one reason per
 * problem (each naming zone, key or HSM where known).
 *
 * @param reasons why the node cannot do its job; empty exactly when it is healthy
 */
public record NodeHealth(List<String> reasons) {
    public NodeHealth {
        reasons = List.copyOf(reasons);
    }

    /** The node can do its job. */
    public static NodeHealth ok() {
        return new NodeHealth(List.of());
    }

    /** The node cannot do its job, for these reasons (at least one). */
    public static NodeHealth failing(List<String> reasons) {
        if (reasons.isEmpty()) {
            throw new IllegalArgumentException("a failing health needs at least one reason");
        }
        return new NodeHealth(reasons);
    }

    /**
     * The health a status implies: failing when the node is NOT_ELIGIBLE or STOPPED (with its
     * reasons), or when the clock skew vs ZooKeeper is unknown or beyond max-skew (INV-D5), or when a zone's last gate
     * or canary run FAILED or its keys are NOT_SYNCED, or, on the leader, when a GENERATED key could not be replicated
     * to every node, or, on another node, when its last takeover was refused. The
     * daemon may add checks of its own (time left to the earliest expiry, lease) on top.
     */
    public static NodeHealth from(NodeStatus status) {
        List<String> reasons = new ArrayList<>();
        if (status.role() == NodeRole.NOT_ELIGIBLE || status.role() == NodeRole.STOPPED) {
            String role = status.role() == NodeRole.STOPPED ? "stopped" : "not eligible";
            if (status.reasons().isEmpty()) {
                reasons.add("node " + status.node() + " is " + role);
            }
            for (String reason : status.reasons()) {
                reasons.add("node " + status.node() + " is " + role + ": " + reason);
            }
        }
        status.clock().filter(c -> !c.ok()).ifPresent(c -> {
            String line = "node " + status.node() + ": " + c.detail() + "; refusing to sign";
            if (reasons.stream().noneMatch(r -> r.contains(c.detail()))) {
                reasons.add(line);
            }
        });
        for (ZoneStatus zone : status.zones()) {
            if (zone.gate() == CheckState.FAILED) {
                reasons.add("zone " + zone.zone() + ": validation gate failed: " + zone.gateFailure());
            }
            if (zone.canary() == CheckState.FAILED) {
                reasons.add("zone " + zone.zone() + ": capability canary failed: " + zone.canaryFailure());
            }
            if (zone.keySync() == KeySyncState.NOT_SYNCED) {
                reasons.add("zone " + zone.zone() + ": not key-synced"
                        + (zone.keySyncReasons().isEmpty() ? "" : ": " + String.join("; ", zone.keySyncReasons())));
            }
            if (status.role() == NodeRole.LEADER) {
                // the leader's replication agent could not bring these keys to every node: they stay
                // unpublished (leadership is not affected)
                for (String pending : zone.replicationPending()) {
                    reasons.add("zone " + zone.zone() + ": key not published, not on every node: " + pending);
                }
            } else {
                for (String check : zone.takeoverChecks()) {
                    if (check.contains(": refused: ")) {
                        reasons.add("zone " + zone.zone() + ": takeover refused: " + check);
                    }
                }
            }
        }
        return new NodeHealth(reasons);
    }

    /** Whether the node can do its job. */
    public boolean healthy() {
        return reasons.isEmpty();
    }
}
