package org.tandem.chaos.scenario;

import org.tandem.chaos.cluster.Cluster;

/**
 * F8 / INV-D5: the leader's wall clock jumps a day ahead (libfaketime in that one JVM; its monotonic
 * clock and every other process keep the true time). It must refuse to sign and leave the election;
 * the standby takes over; no version with RRSIGs from the future reaches the authoritative server
 * (the checker's INV-D5 test on every arrival).
 */
final class ClockJump implements Scenario {
    @Override
    public String name() {
        return "clock-jump";
    }

    @Override
    public String description() {
        return "the leader's wall clock jumps +1 day (libfaketime in its JVM): it must stop signing, the standby take "
                + "over";
    }

    @Override
    public void run(Cluster c, Trial t) throws Exception {
        String leader = t.leaderBefore();
        t.expectTakeover();
        t.fault("wall clock of " + leader + " +1d");
        c.clockOffset(leader, "+1d");
        try {
            Waits.takeoverBy(c, t, Cluster.other(leader));
            HsmScenarios.refusal(c, t, leader, "clock skew");
        } finally {
            c.clockOffset(leader, "+0");
            t.healed();
        }
    }
}
