package org.tandem.chaos.scenario;

import org.tandem.chaos.cluster.Cluster;

/**
 * The operator's path in the replays: {@code signerctl failover --to STANDBY} through the coordinator
 * (on the operator's host in dc3). With the standby's keys differing it must be refused (exit 13,
 * nothing changed), naming the key tag.
 */
final class CoordinatorCheck {
    static final int PREFLIGHT_REFUSED = 13;

    private CoordinatorCheck() {}

    static void refused(Cluster c, Trial t, String standby, Cluster.Key key) throws Exception {
        Cluster.Run r = c.signerctlRun(
                "--config",
                c.run().resolve("signerctl.yaml").toString(),
                "failover",
                "--to",
                standby,
                "--yes",
                "--reason",
                "chaos " + t.name());
        String tag = Integer.toString(key.tag());
        if (r.exit() != PREFLIGHT_REFUSED) {
            t.violate(
                    "coordinator-refuses",
                    "signerctl failover --to " + standby + " exited " + r.exit() + " (expected " + PREFLIGHT_REFUSED
                            + ", preflight refused): " + r.output().strip());
        } else if (!r.output().contains(tag)) {
            t.violate(
                    "coordinator-refuses",
                    "the refusal does not name the key tag " + tag + ": "
                            + r.output().strip());
        } else {
            String first = r.output()
                    .lines()
                    .filter(l -> l.contains(tag))
                    .findFirst()
                    .orElse("")
                    .strip();
            t.note("signerctl failover --to " + standby + " refused by the coordinator (exit 13): " + first);
        }
    }
}
