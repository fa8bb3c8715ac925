package org.tandem.signer.node;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A snapshot of what the node is doing, for {@code GetStatus} and the metrics.
 *
 * @param node the node's name
 * @param site the node's site
 * @param role its role now
 * @param epoch the epoch it holds as leader, else the latest it has seen; 0 when none is known
 * @param leaseRemaining LEADER only: time left on the local lease (INV-L3); zero for other roles
 * @param reasons why the node is NOT_ELIGIBLE or STOPPED, one sentence each; empty for LEADER and
 *     STANDBY
 * @param zones one entry per configured zone, in configuration order
 * @param takenAt when the snapshot was taken, by the node's clock
 * @param clock the node's clock against ZooKeeper server time (INV-D5); empty when the status comes
 *     from something that does not check the clock
 * @param peers the configured peers, in configuration order, with what the leader's last
 *     replication pass found; empty when the node has no peers
 */
public record NodeStatus(
        String node,
        String site,
        NodeRole role,
        long epoch,
        Duration leaseRemaining,
        List<String> reasons,
        List<ZoneStatus> zones,
        Instant takenAt,
        Optional<ClockStatus> clock,
        List<PeerStatus> peers) {
    /**
     * One peer as the replication agent of this node sees it.
     *
     * @param name the peer's name
     * @param endpoint its {@code host:port}
     * @param keysPending GENERATED keys the peer lacks after this node's last replication pass; empty
     *     when unknown (this node does not lead, or has not run a pass in this term)
     * @param problems why, one line per failure of the last pass (unreachable, refused, diverged)
     */
    public record PeerStatus(String name, String endpoint, OptionalInt keysPending, List<String> problems) {
        public PeerStatus {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(endpoint, "endpoint");
            Objects.requireNonNull(keysPending, "keysPending");
            problems = List.copyOf(problems);
        }
    }

    /** A status without peers. */
    public NodeStatus(
            String node,
            String site,
            NodeRole role,
            long epoch,
            Duration leaseRemaining,
            List<String> reasons,
            List<ZoneStatus> zones,
            Instant takenAt,
            Optional<ClockStatus> clock) {
        this(node, site, role, epoch, leaseRemaining, reasons, zones, takenAt, clock, List.of());
    }

    /** A status without a clock check. */
    public NodeStatus(
            String node,
            String site,
            NodeRole role,
            long epoch,
            Duration leaseRemaining,
            List<String> reasons,
            List<ZoneStatus> zones,
            Instant takenAt) {
        this(node, site, role, epoch, leaseRemaining, reasons, zones, takenAt, Optional.empty());
    }

    public NodeStatus {
        Objects.requireNonNull(clock, "clock");
        peers = List.copyOf(peers);
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(site, "site");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(leaseRemaining, "leaseRemaining");
        reasons = List.copyOf(reasons);
        zones = List.copyOf(zones);
        Objects.requireNonNull(takenAt, "takenAt");
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must not be negative, got " + epoch);
        }
        if (leaseRemaining.isNegative()) {
            throw new IllegalArgumentException("lease remaining must not be negative, got " + leaseRemaining);
        }
        if (role != NodeRole.LEADER && !leaseRemaining.isZero()) {
            throw new IllegalArgumentException("only a LEADER has a lease; role " + role + " has " + leaseRemaining);
        }
        if ((role == NodeRole.LEADER || role == NodeRole.STANDBY) && !reasons.isEmpty()) {
            throw new IllegalArgumentException("a " + role + " has no reasons to be out of the election: " + reasons);
        }
    }
}
