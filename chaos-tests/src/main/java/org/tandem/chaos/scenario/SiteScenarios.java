package org.tandem.chaos.scenario;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tandem.chaos.cluster.Cluster;
import org.tandem.chaos.history.LedgerEntry;

/**
 * Faults of whole sites and of single links: the tie-breaker site (F18), the standby's site (F20),
 * the leader's ZooKeeper port alone (F2), loss between the sites (F17). Each runs with the zone
 * churning, so "the leader keeps publishing" and "nobody publishes" are both measured on versions
 * that were due.
 */
final class SiteScenarios {
    private SiteScenarios() {}

    /** The commits from {@code from} to {@code to} (seen by the watch). */
    static List<LedgerEntry> commitsBetween(Cluster c, Instant from, Instant to) {
        return c.ledger().stream()
                .filter(e -> e.seenAt().isAfter(from) && e.seenAt().isBefore(to))
                .toList();
    }

    /**
     * {@code leader} kept publishing while the fault lasted: no other node committed, it committed at
     * least {@code min} versions, and it was publishing again in the fault's last {@link #RESUMED}
     * (the loss of a voter that held its ZooKeeper session, or of the ensemble's own leader, may cost
     * a gap and a re-election: INV-L2 makes it stop on SUSPENDED). The longest gap is noted.
     */
    static void keptPublishing(
            Cluster c, Trial t, String id, String leader, long epoch, Instant from, Instant to, int min) {
        t.check(id);
        List<LedgerEntry> during = commitsBetween(c, from, to);
        List<LedgerEntry> others = during.stream()
                .filter(e -> !e.node().equals(leader) || e.epoch() < epoch)
                .toList();
        if (!others.isEmpty()) {
            // INV-L2: a leader whose ZooKeeper session was on the lost voter is SUSPENDED and stops (its
            // lease runs out); the re-election may then go to the standby, which is first in the latch.
            // Allowed only when the leader logged that loss of its connection before the other commit.
            Optional<String> lost = Waits.logSince(c, leader, 0).stream()
                    .filter(l -> CONNECTION_LOSS.matcher(l).find()
                            && l.contains("event=leadership-lost epoch=" + epoch + " "))
                    .findFirst();
            Optional<Instant> lostAt = lost.flatMap(SiteScenarios::stamp);
            if (lostAt.isPresent() && lostAt.get().isBefore(others.get(0).committedAt())) {
                t.note(leader + " lost its ZooKeeper connection and stopped first (INV-L2: "
                        + lost.get().strip()
                        + "); then " + others.get(0).node() + " committed serial "
                        + others.get(0).serial()
                        + " in epoch " + others.get(0).epoch());
            } else {
                t.violate(id, "leadership moved although " + leader + " kept its quorum: " + others.get(0));
            }
        }
        if (during.size() < min) {
            t.violate(
                    id,
                    leader + " committed " + during.size() + " version(s) in "
                            + Duration.between(from, to).toSeconds()
                            + " s with the zone changing every second; expected at least " + min);
        }
        if (during.stream().noneMatch(e -> e.seenAt().isAfter(to.minus(RESUMED)))) {
            t.violate(
                    id,
                    leader + " was not publishing in the last " + RESUMED.toSeconds() + " s of the fault ("
                            + during.size() + " commit(s) in all)");
        }
        long arrived = c.captures().stream()
                .filter(v -> v.at().isAfter(from) && v.at().isBefore(to.plusSeconds(2)))
                .count();
        if (arrived == 0) {
            t.violate(id, "no new version reached the authoritative server while " + leader + " kept publishing");
        }
        Instant previous = from;
        Duration gap = Duration.ZERO;
        for (LedgerEntry e : during) {
            Duration g = Duration.between(previous, e.seenAt());
            gap = g.compareTo(gap) > 0 ? g : gap;
            previous = e.seenAt();
        }
        Duration tail = Duration.between(previous, to);
        gap = tail.compareTo(gap) > 0 ? tail : gap;
        t.note(String.format(
                Locale.ROOT,
                "%s committed %d version(s) in epoch(s) %s, %d reached the authoritative server; longest gap "
                        + "without a commit %.1f s",
                during.isEmpty()
                        ? leader
                        : String.join(
                                " and ",
                                during.stream()
                                        .map(LedgerEntry::node)
                                        .distinct()
                                        .toList()),
                during.size(),
                during.stream().map(LedgerEntry::epoch).distinct().toList(),
                arrived,
                gap.toMillis() / 1000.0));
    }

    /** A leader's own line for a loss caused by its ZooKeeper connection (not a step-down or a fault of its keys). */
    static final Pattern CONNECTION_LOSS =
            Pattern.compile("event=leadership-lost epoch=\\d+ reason=(lease-expired|suspended|lost)");

    private static final Pattern STAMP = Pattern.compile("^(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z) ");

    static Optional<Instant> stamp(String line) {
        Matcher m = STAMP.matcher(line);
        return m.find() ? Optional.of(Instant.parse(m.group(1))) : Optional.empty();
    }

    /** Publishing must have resumed within the last this-long of a fault the leader keeps its quorum through. */
    static final Duration RESUMED = Duration.ofSeconds(5);

    /** F18, then F6 by two sites: dc3 goes away (nothing changes); then the standby's site too (no quorum). */
    static final class TiebreakerLoss implements Scenario {
        @Override
        public String name() {
            return "tiebreaker-loss";
        }

        @Override
        public String description() {
            return "dc3 (tie-breaker voter) down 20 s: the leader keeps publishing; then the standby's site too for "
                    + "12 s: one voter of three, nobody may publish";
        }

        @Override
        public void run(Cluster c, Trial t) throws Exception {
            String leader = t.leaderBefore();
            String standbySite = NetworkScenarios.siteOf(c, Cluster.other(leader));
            t.fault("switch of dc3 down (the tie-breaker voter and the operator's host)");
            c.net().switchDown("dc3");
            try {
                Thread.sleep(20_000);
                keptPublishing(c, t, "F18", leader, t.epochBefore(), t.faultAt(), Instant.now(), 3);
                Instant second = Instant.now();
                c.net().switchDown(standbySite);
                try {
                    Thread.sleep(12_000);
                } finally {
                    c.net().switchUp(standbySite);
                }
                Instant end = Instant.now();
                t.check("F6");
                List<LedgerEntry> commits = commitsBetween(c, second.plus(Waits.LEASE_SLACK), end);
                if (!commits.isEmpty()) {
                    t.violate("F6", "commits with one voter of three: " + commits.get(0));
                }
                t.check("INV-L3");
                List<String> claims = Waits.claimsBetween(c, second.plus(Waits.LEASE_SLACK), end);
                if (!claims.isEmpty()) {
                    t.violate(
                            "INV-L3",
                            "a node still said it leads " + Waits.LEASE_SLACK.toSeconds()
                                    + " s after the quorum was gone: " + claims.get(0));
                }
                t.note("with dc3 and " + standbySite + " down: no commit and no leader claim after the lease");
            } finally {
                c.net().switchUp("dc3");
                t.healed();
            }
        }
    }

    /** F20: the standby's site is cut off; the leader keeps its quorum (its voter and dc3's) and publishes. */
    static final class StandbySwitchFailure implements Scenario {
        @Override
        public String name() {
            return "standby-switch-failure";
        }

        @Override
        public String description() {
            return "the standby's data-centre switch fails for 15 s: the leader keeps publishing in its epoch";
        }

        @Override
        public void run(Cluster c, Trial t) throws Exception {
            String leader = t.leaderBefore();
            String site = NetworkScenarios.siteOf(c, Cluster.other(leader));
            t.fault("switch of " + site + " (the standby " + Cluster.other(leader) + ", its voter) down");
            c.net().switchDown(site);
            try {
                Thread.sleep(15_000);
                keptPublishing(c, t, "F20", leader, t.epochBefore(), t.faultAt(), Instant.now(), 3);
            } finally {
                c.net().switchUp(site);
                t.healed();
            }
        }
    }

    /**
     * F2: the leader loses ZooKeeper (its client port cut by a packet filter) but still reaches the
     * secondaries: within its lease it stops saying it leads, stops serving transfers and commits
     * nothing; the standby takes over.
     */
    static final class LeaderZooKeeperPartition implements Scenario {
        private static final Pattern SOA = Pattern.compile("\\bIN\\s+SOA\\b");

        @Override
        public String name() {
            return "leader-zookeeper-partition";
        }

        @Override
        public String description() {
            return "the leader's ZooKeeper port is cut (it still reaches the secondaries): it stops serving and "
                    + "publishing within its lease; the standby takes over";
        }

        @Override
        public void run(Cluster c, Trial t) throws Exception {
            String leader = t.leaderBefore();
            String host = c.nodeHost(leader).name();
            t.expectTakeover();
            t.fault("packet filter on " + host + ": TCP port " + Cluster.ZK_PORT + " dropped both ways");
            c.net().cutPort(host, Cluster.ZK_PORT);
            t.leaseLost(leader, t.epochBefore(), t.faultAt(), Waits.LEASE);
            try {
                Thread.sleep(Waits.LEASE_SLACK.toMillis());
                t.check("INV-L3");
                String axfr = transfer(c, c.nodeHost(leader).address());
                if (SOA.matcher(axfr).find()) {
                    t.violate(
                            "INV-L3",
                            leader + " still served a transfer " + Waits.LEASE_SLACK.toSeconds()
                                    + " s after losing ZooKeeper");
                }
                Waits.takeoverBy(c, t, Cluster.other(leader));
                // the same probe against the new leader must get the zone, or the refusal above proves nothing
                String control = transfer(c, c.nodeHost(Cluster.other(leader)).address());
                if (!SOA.matcher(control).find()) {
                    t.violate(
                            "INV-L3",
                            "the transfer probe got no zone from the new leader " + Cluster.other(leader)
                                    + " either, so it proves nothing: "
                                    + control.lines().limit(3).toList());
                }
                List<String> claims =
                        Waits.claimsBetween(c, t.faultAt().plus(Waits.LEASE_SLACK), Instant.now()).stream()
                                .filter(s -> s.startsWith(leader + " "))
                                .toList();
                if (!claims.isEmpty()) {
                    t.violate(
                            "INV-L3",
                            leader + " still said it leads after its lease: " + claims.get(0) + " (" + claims.size()
                                    + " sample(s))");
                }
                t.note(leader + " refused the transfer after its lease: "
                        + axfr.lines().filter(l -> !l.isBlank()).findFirst().orElse("(no output)"));
            } finally {
                c.net().restorePort(host, Cluster.ZK_PORT);
                t.healed();
            }
        }

        /** An AXFR of the zone from the node's transfer endpoint, asked from the secondary's host. */
        private static String transfer(Cluster c, String address) throws IOException, InterruptedException {
            Process p = new ProcessBuilder(
                            "ip",
                            "netns",
                            "exec",
                            c.net().host("inet-auth").namespace(),
                            "kdig",
                            "-p",
                            String.valueOf(Cluster.TRANSFER_PORT),
                            "@" + address,
                            "AXFR",
                            Cluster.ZONE,
                            "+time=2",
                            "+retry=0")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return out;
        }
    }

    /** F17: packets between the three sites are lost at random; delay cannot be injected (no netem here). */
    static final class SlowNetwork implements Scenario {
        static final double LOSS = 0.03;

        @Override
        public String name() {
            return "slow-network";
        }

        @Override
        public String description() {
            return "3 % packet loss between dc1, dc2 and dc3 for 20 s (packet filter; no netem on this kernel): "
                    + "leadership stays, the leader keeps publishing";
        }

        @Override
        public void run(Cluster c, Trial t) throws Exception {
            List<String[]> links =
                    List.of(new String[] {"dc1", "dc2"}, new String[] {"dc1", "dc3"}, new String[] {"dc2", "dc3"});
            t.fault("router drops " + Math.round(LOSS * 100) + " % of the packets between dc1, dc2, dc3");
            try {
                for (String[] l : links) {
                    c.net().lossBetween(l[0], l[1], LOSS);
                }
                Thread.sleep(20_000);
                // a commit every 7 s on average, and one in the last 5 s (keptPublishing): each signing run reads
                // the manifest and the ledger and commits through ZooKeeper, and with 3 % loss between the sites
                // a round trip can wait on TCP retransmissions; measured 4 to 16 commits in the 20 s
                keptPublishing(c, t, "F17", t.leaderBefore(), t.epochBefore(), t.faultAt(), Instant.now(), 3);
            } finally {
                for (String[] l : links) {
                    c.net().noLossBetween(l[0], l[1], LOSS);
                }
                t.healed();
            }
        }
    }
}
