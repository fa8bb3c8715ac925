package org.tandem.chaos.history;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the cluster watch saw at one moment, from the "internet" site: one line of {@code
 * cluster.jsonl}.
 *
 * @param at when
 * @param zookeeper whether ZooKeeper answered (a quorum reachable from the watch)
 * @param latch the election's participants in latch order (the first is the latch's leader); empty
 *     when ZooKeeper did not answer
 * @param epoch the cluster epoch; -1 unknown
 * @param lastSerial the zone's last committed serial; -1 none or unknown
 * @param lastNode the node that committed it; empty if none
 * @param lastEpoch the epoch it was committed in; -1 none
 * @param nodes per node: what its {@code /metrics} and {@code /health} said
 */
public record ClusterSample(
        Instant at,
        boolean zookeeper,
        List<String> latch,
        long epoch,
        long lastSerial,
        String lastNode,
        long lastEpoch,
        Map<String, NodeView> nodes) {
    public ClusterSample {
        Objects.requireNonNull(at, "at");
        latch = List.copyOf(latch);
        nodes = Map.copyOf(nodes);
    }

    /**
     * One node's own view.
     *
     * @param reachable whether its metrics endpoint answered
     * @param leader whether it believes it leads ({@code tandem_leader} gauge 1)
     * @param healthy whether {@code /health} answered 200
     * @param health the {@code /health} body (the reasons when failing)
     */
    public record NodeView(boolean reachable, boolean leader, boolean healthy, String health) {}

    /** How many nodes believe they lead. */
    public long leaders() {
        return nodes.values().stream().filter(NodeView::leader).count();
    }

    /**
     * Converged: ZooKeeper answers, every node of {@code all} is in the latch (a node enters it only
     * key-synced), healthy and reachable, and exactly one believes it leads: the latch's first.
     */
    public boolean converged(List<String> all) {
        if (!zookeeper || !latch.containsAll(all) || latch.size() != all.size()) {
            return false;
        }
        for (String n : all) {
            NodeView v = nodes.get(n);
            if (v == null || !v.reachable() || !v.healthy()) {
                return false;
            }
        }
        return leaders() == 1 && nodes.get(latch.get(0)).leader();
    }
}
