package org.tandem.chaos.scenario;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.tandem.chaos.cluster.Cluster;
import org.tandem.chaos.history.CapturedVersion;
import org.tandem.chaos.history.LedgerEntry;
import org.tandem.chaos.proc.Proc;

/** The faults of the network, the processes and ZooKeeper (F1, F3–F6, F18). */
final class NetworkScenarios {
    private NetworkScenarios() {}

    static String siteOf(Cluster c, String node) {
        return c.nodeHost(node).site();
    }

    /** F1, the APNIC shape: the active data centre's switch dies (signer, its ZooKeeper voter and its HSM cut off). */
    static final class SwitchFailure implements Scenario {
        @Override
        public String name() {
            return "switch-failure";
        }

        @Override
        public String description() {
            return "the leader's data-centre switch fails (bridge and ports down): the standby must take over";
        }

        @Override
        public void run(Cluster c, Trial t) throws Exception {
            String leader = t.leaderBefore();
            String site = siteOf(c, leader);
            t.expectTakeover();
            t.fault("switch of " + site + " (" + leader + ", its ZooKeeper voter) down");
            c.net().switchDown(site);
            try {
                Waits.takeoverBy(c, t, Cluster.other(leader));
                Thread.sleep(2_000);
            } finally {
                c.net().switchUp(site);
                t.healed();
            }
        }
    }

    /** The routed link between dc1 and dc2 is cut; both still reach dc3 (the tie-breaker) and the internet. */
    static final class Partition implements Scenario {
        @Override
        public String name() {
            return "partition-dc1-dc2";
        }

        @Override
        public String description() {
            return "the link between dc1 and dc2 is cut for 15 s (each still reaches dc3 and the internet)";
        }

        @Override
        public void run(Cluster c, Trial t) throws Exception {
            t.fault("router drops dc1<->dc2 both ways");
            c.net().partition("dc1", "dc2");
            try {
                Thread.sleep(15_000);
            } finally {
                c.net().heal("dc1", "dc2");
                t.healed();
            }
            String after =
                    Waits.now(c).latch().isEmpty() ? "?" : Waits.now(c).latch().get(0);
            t.note("leader before " + t.leaderBefore() + ", after the partition " + after
                    + " (either is correct: both sides keep a ZooKeeper majority through dc3)");
        }
    }

    /** F4: kill -9 of the leader's JVM. */
    static final class LeaderKill implements Scenario {
        @Override
        public String name() {
            return "leader-kill";
        }

        @Override
        public String description() {
            return "kill -9 of the leader: the standby takes over after the session timeout";
        }

        @Override
        public void run(Cluster c, Trial t) throws Exception {
            String leader = t.leaderBefore();
            Proc p = c.node(leader);
            t.expectTakeover();
            t.fault("kill -9 " + p);
            p.kill();
            try {
                Waits.takeoverBy(c, t, Cluster.other(leader));
            } finally {
                c.startNode(leader);
                t.healed();
                t.note(leader + " restarted (it must come back as a standby)");
            }
        }
    }

    /** F3: the leader freezes longer than the session timeout (a GC pause, a stuck VM), then resumes. */
    static final class LeaderPause implements Scenario {
        @Override
        public String name() {
            return "leader-pause";
        }

        @Override
        public String description() {
            return "SIGSTOP of the leader beyond the session timeout, then SIGCONT: it must not publish in its old "
                    + "epoch";
        }

        @Override
        public void run(Cluster c, Trial t) throws Exception {
            String leader = t.leaderBefore();
            Proc p = c.node(leader);
            t.expectTakeover();
            long logged = Waits.logLines(c, leader);
            t.fault("kill -STOP " + p);
            t.leaseLost(leader, t.epochBefore(), t.faultAt(), Waits.LEASE);
            long churned = c.churned();
            p.pause();
            try {
                Waits.takeoverBy(c, t, Cluster.other(leader));
            } finally {
                p.resume();
                t.healed();
            }
            List<LedgerEntry> late = Waits.quietFor(c, Duration.ofSeconds(5)).stream()
                    .filter(e -> e.node().equals(leader) && e.epoch() <= t.epochBefore())
                    .toList();
            t.check("INV-L3");
            if (!late.isEmpty()) {
                t.violate("INV-L3", leader + " committed in its old epoch after SIGCONT: " + late);
            }
            if (c.churned() == churned) {
                t.violate(
                        "churn", "the zone source did not change while " + leader + " was paused: nothing to publish");
            }
            // the node's own guard stops it: on resume it logs the loss as its lease running out, or, when
            // the ZooKeeper client noticed first, as the connection suspended; either comes before the
            // session expiry or the epoch fence could tell it anything
            String lost = " epoch=" + t.epochBefore() + " leadership lost reason=";
            Optional<String> loss = Waits.logSince(c, leader, logged).stream()
                    .filter(l -> l.contains(lost))
                    .findFirst();
            for (long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
                    loss.isEmpty() && System.nanoTime() < end; ) {
                Thread.sleep(200);
                loss = Waits.logSince(c, leader, logged).stream()
                        .filter(l -> l.contains(lost))
                        .findFirst();
            }
            String reason =
                    loss.map(l -> l.substring(l.indexOf(lost) + lost.length())).orElse("nothing logged within 15 s");
            if (!reason.startsWith("lease-expired") && !reason.startsWith("suspended")) {
                t.violate(
                        "INV-L3",
                        leader + " was stopped by '" + reason + "', not by its own guard (" + lost.strip() + "... in "
                                + c.procs().log(leader) + ")");
            }
            t.note(leader + " resumed; it logged its loss as '" + reason + "'; the zone source changed "
                    + (c.churned() - churned) + " time(s) meanwhile; no commit in its old epoch " + t.epochBefore()
                    + " afterwards");
        }
    }

    /** One ZooKeeper voter (the leader's data centre's) is lost: the majority stays. */
    static final class VoterLoss implements Scenario {
        @Override
        public String name() {
            return "zookeeper-voter-loss";
        }

        @Override
        public String description() {
            return "kill -9 of the ZooKeeper voter in the leader's data centre for 12 s: two of three remain";
        }

        @Override
        public void run(Cluster c, Trial t) throws Exception {
            int voter = siteOf(c, t.leaderBefore()).equals("dc1") ? 1 : 2;
            Proc p = c.zooKeeper(voter);
            c.stoppedOnPurpose(p);
            t.fault("kill -9 " + p);
            p.kill();
            try {
                Thread.sleep(12_000);
            } finally {
                c.startZooKeeper(voter);
                t.healed();
            }
        }
    }

    /** F6: two of three voters are lost: nobody may publish until the quorum is back. */
    static final class QuorumLoss implements Scenario {
        @Override
        public String name() {
            return "zookeeper-quorum-loss";
        }

        @Override
        public String description() {
            return "kill -9 of two ZooKeeper voters (dc2, dc3) for 15 s: nobody may publish; recovery when they return";
        }

        @Override
        public void run(Cluster c, Trial t) throws Exception {
            Proc z2 = c.zooKeeper(2);
            Proc z3 = c.zooKeeper(3);
            c.stoppedOnPurpose(z2);
            c.stoppedOnPurpose(z3);
            t.fault("kill -9 " + z2 + " and " + z3);
            z2.kill();
            z3.kill();
            // commits sent up to here could still reach a quorum (kill -9 of two voters takes a moment)
            Instant quorumGone = Instant.now();
            List<LedgerEntry> during;
            long capturedBefore = c.captures().size();
            long churned = c.churned();
            try {
                during = Waits.quietFor(c, Duration.ofSeconds(15));
            } finally {
                c.startZooKeeper(2);
                c.startZooKeeper(3);
                t.healed();
            }
            long changes = c.churned() - churned;
            t.check("F6");
            if (changes == 0) {
                t.violate("churn", "the zone source did not change during the quorum loss: nothing was pending");
            }
            if (!during.isEmpty()) {
                t.violate("F6", "commits during the quorum loss: " + during);
            }
            // the leader cannot reach a quorum: its lease runs out and it must stop saying it leads
            t.check("INV-L3");
            List<String> claims = Waits.claimsBetween(c, t.faultAt().plus(Waits.LEASE_SLACK), t.healedAtOrNow());
            if (!claims.isEmpty()) {
                t.violate(
                        "INV-L3",
                        "a node still said it leads more than " + Waits.LEASE_SLACK.toSeconds()
                                + " s into the quorum loss: " + claims.get(0) + " (" + claims.size() + " sample(s))");
            }
            // back only with a new epoch (INV-L2): wait for the first commit sent after the heal
            LedgerEntry next = c.poll(
                    "the first commit after the quorum returned",
                    Duration.ofSeconds(60),
                    () -> c.ledger().stream()
                            .filter(e -> e.seenAt().isAfter(t.healedAtOrNow()))
                            .filter(e -> e.committedAt().isAfter(quorumGone))
                            .findFirst());
            t.check("INV-L2");
            if (next.epoch() <= t.epochBefore()) {
                t.violate(
                        "INV-L2",
                        next.node() + " committed serial " + next.serial() + " after the quorum returned in epoch "
                                + next.epoch() + ", not above the epoch before the loss " + t.epochBefore());
            }
            // A version committed before the voters died may reach the secondary a moment after: not new. The
            // harness reads the ledger through ZooKeeper too, so such a commit shows in its view only once the
            // quorum is back: judged here, after the first commit since the heal, which the watch reads after
            // every earlier one (in sequence order).
            Set<String> committedBefore = c.ledger().stream()
                    .filter(e -> !e.committedAt().isAfter(quorumGone))
                    .map(e -> e.serial() + "/" + e.sha256Hex())
                    .collect(Collectors.toSet());
            List<CapturedVersion> arrived = c.captures().stream()
                    .skip(capturedBefore)
                    .filter(v -> v.at().isBefore(t.healedAtOrNow()))
                    .filter(v -> !committedBefore.contains(v.serial() + "/" + v.contentSha256Hex()))
                    .toList();
            if (!arrived.isEmpty()) {
                t.violate(
                        "F6",
                        arrived.size() + " new version(s) reached the authoritative server during the quorum loss: "
                                + arrived.stream()
                                        .map(v -> "serial " + v.serial() + " at " + v.at())
                                        .toList());
            }
            // A commit the node sent before the voters were gone carries that time; the harness may see it only
            // once the quorum is back (its watch reads the ledger through ZooKeeper too). Not a commit after.
            c.ledger().stream()
                    .filter(e ->
                            e.seenAt().isAfter(t.faultAt()) && !e.committedAt().isAfter(quorumGone))
                    .forEach(e -> t.note("serial " + e.serial() + " (epoch " + e.epoch() + ", " + e.node()
                            + "), committed at " + e.committedAt() + " before the quorum was gone (" + quorumGone
                            + "), seen by the harness at " + e.seenAt()));
            t.note("the zone source changed " + changes + " time(s) during the 15 s without quorum; no commit, no "
                    + "new version, no leader claim after the lease; first commit after: serial " + next.serial()
                    + " epoch " + next.epoch() + " by " + next.node());
        }
    }

    /** F5: the leader's data-centre uplink flaps, each state 1–3 s, for about 20 s. */
    static final class FlappingLink implements Scenario {
        @Override
        public String name() {
            return "flapping-link";
        }

        @Override
        public String description() {
            return "the leader's data-centre uplink flaps down/up every 1-3 s for about 20 s";
        }

        @Override
        public void run(Cluster c, Trial t) throws Exception {
            String site = siteOf(c, t.leaderBefore());
            long seed = t.seed();
            Random r = new Random(seed);
            t.fault("uplink of " + site + " flapping (seed " + seed + ")");
            int flaps = 0;
            long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            try {
                while (System.nanoTime() < end) {
                    c.net().uplinkDown(site);
                    Thread.sleep(1_000 + r.nextInt(2_000));
                    c.net().uplinkUp(site);
                    Thread.sleep(1_000 + r.nextInt(2_000));
                    flaps++;
                }
            } finally {
                c.net().uplinkUp(site);
                t.healed();
            }
            t.note(flaps + " flaps of the " + site + " uplink");
        }
    }
}
