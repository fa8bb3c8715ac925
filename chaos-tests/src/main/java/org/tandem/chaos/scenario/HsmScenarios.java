package org.tandem.chaos.scenario;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tandem.chaos.cluster.Cluster;
import org.tandem.chaos.history.ClusterSample;
import org.tandem.chaos.history.LedgerEntry;
import org.tandem.chaos.hsm.FaultApplied;
import org.tandem.chaos.hsm.Snapshot;
import org.tandem.chaos.hsm.TokenFaults;
import org.tandem.chaos.proc.Proc;

/** Faults of the HSMs and the key incidents (F10, F11, F12, the Mozilla replay). */
final class HsmScenarios {
    static final Duration REFUSED_FOR = Duration.ofSeconds(15);

    private HsmScenarios() {}

    /** Token faults on one node's own HSM (its softhsm2.conf and token directory; no other node's token is there). */
    static TokenFaults faults(Cluster c, String node) throws Exception {
        return new TokenFaults(
                c.lab().softhsmConf(node), c.run().resolve("token-faults").resolve(node));
    }

    static Path pin(Cluster c, String node) {
        return c.lab().pinFile(node);
    }

    /**
     * Waits until {@code node}'s own /health names the fault (every word of {@code words}), as an
     * operator would read it; returns the text.
     */
    static String refusal(Cluster c, Trial t, String node, String... words) throws InterruptedException {
        ClusterSample s = c.await(
                node + " reporting the fault in /health (" + String.join(", ", words) + ")",
                Duration.ofSeconds(30),
                x -> {
                    ClusterSample.NodeView v = x.nodes().get(node);
                    if (v == null || v.healthy() || !v.reachable()) {
                        return false;
                    }
                    for (String w : words) {
                        if (!v.health().contains(w)) {
                            return false;
                        }
                    }
                    return !x.latch().contains(node);
                });
        String text = s.nodes().get(node).health().replace('\n', ' ');
        t.note(node + " left the election and says: " + (text.length() > 400 ? text.substring(0, 400) + "…" : text));
        return text;
    }

    /**
     * Restarts a node (SIGTERM, then start): hsm-token-loss heals by a restart, the operator's way when a
     * token does not come back in time; hsm-token-reinsert shows the in-process recovery.
     */
    static void restart(Cluster c, Trial t, String node) throws Exception {
        Proc p = c.node(node);
        p.stop(20);
        c.startNode(node);
        t.note(node + " restarted (the operator's remedy; without it the node re-opens its token by itself, "
                + "see hsm-token-reinsert)");
    }

    /** F10: the active's token is removed (SoftHSM2's token directory moved away): the standby takes over. */
    static final class TokenLoss implements Scenario {
        @Override
        public String name() {
            return "hsm-token-loss";
        }

        @Override
        public String description() {
            return "the leader's HSM token is removed: it must stop signing, leave the election, and the standby take "
                    + "over";
        }

        @Override
        public void run(Cluster c, Trial t) throws Exception {
            String leader = t.leaderBefore();
            TokenFaults f = faults(c, leader);
            Snapshot snap = f.snapshot(leader);
            t.expectTakeover();
            FaultApplied done = f.removeToken(leader);
            t.fault(done.describe());
            try {
                Waits.takeoverBy(c, t, Cluster.other(leader));
                // the cause, not its symptoms: the token is named absent (the node retries re-opening it), not
                // each key it can no longer find
                refusal(c, t, leader, "token absent", "absent since", "retrying");
            } finally {
                f.restore(snap);
                t.healed();
                restart(c, t, leader);
            }
        }
    }

    /**
     * F10 healed in-process (INV-K6): the leader's token is removed (as in hsm-token-loss) and put back
     * (restored from the snapshot taken just before: the same directory, serial and objects). The
     * node must leave the election, say "absent since ..., retrying" in /health, and after the token
     * is back re-initialise PKCS#11, prove its keys and re-enter the election by itself, the same
     * process (PID), within {@link #REJOIN}; then, the other node killed, it must lead again and
     * publish versions that validate (the checker's INV-D1).
     */
    static final class TokenReinsert implements Scenario {
        /** Back-off cap (15 s) + a presence check (1 s) + the election's key re-check (5 s) + slack. */
        static final Duration REJOIN = Duration.ofSeconds(40);

        @Override
        public String name() {
            return "hsm-token-reinsert";
        }

        @Override
        public String description() {
            return "the leader's HSM token is removed and put back: it leaves the election, and rejoins by itself "
                    + "without a restart within " + REJOIN.toSeconds() + " s, then leads again";
        }

        @Override
        public void run(Cluster c, Trial t) throws Exception {
            String leader = t.leaderBefore();
            String other = Cluster.other(leader);
            TokenFaults f = faults(c, leader);
            Snapshot snap = f.snapshot(leader);
            long pid = c.node(leader).pid();
            t.expectTakeover();
            FaultApplied done = f.removeToken(leader);
            t.fault(done.describe());
            boolean putBack = false;
            try {
                LedgerEntry takeover = Waits.takeoverBy(c, t, other);
                refusal(c, t, leader, "absent since", "retrying");
                Instant back = Instant.now();
                f.restore(snap);
                putBack = true;
                t.healed();
                t.note(leader + "'s token put back (the removed directory's snapshot, checked by SHA-256)");
                c.await(
                        leader + " eligible again (key-synced, in the latch) without a restart",
                        REJOIN,
                        s -> s.latch().contains(leader)
                                && s.nodes().get(leader) != null
                                && s.nodes().get(leader).healthy());
                long now = c.node(leader).pid();
                if (now != pid) {
                    t.violate("INV-K6", leader + " was restarted (PID " + pid + " -> " + now + ")");
                }
                t.note(String.format(
                        Locale.ROOT,
                        "%s rejoined %.1f s after the token was put back, same process (PID %d)",
                        leader,
                        Duration.between(back, Instant.now()).toMillis() / 1000.0,
                        pid));
                Proc o = c.node(other);
                t.note("kill -9 " + o + " so that " + leader + " must lead with its re-opened token");
                o.kill();
                try {
                    LedgerEntry again = c.poll(
                            leader + " leading and publishing again (epoch after " + takeover.epoch() + ")",
                            Waits.TAKEOVER,
                            () -> c.ledger().stream()
                                    .filter(x -> x.node().equals(leader) && x.epoch() > takeover.epoch())
                                    .findFirst());
                    c.poll(
                            "serial " + again.serial() + " at the authoritative server",
                            Waits.TAKEOVER,
                            () -> Waits.arrived(c, again.serial()));
                    t.note(leader + " leads again: serial " + again.serial() + ", epoch " + again.epoch());
                } finally {
                    c.startNode(other);
                }
            } finally {
                if (!putBack) {
                    f.restore(snap);
                    t.healed();
                    restart(c, t, leader);
                }
            }
        }
    }

    /**
     * F10 while signing: the leader's token is removed (SoftHSM2's token directory moved away) while
     * the churn makes it re-sign every second, so a signing run fails on PKCS#11. The node must leave
     * the election on that failure — a key-sync re-check at once — not at the next periodic re-check
     * ({@link #PERIODIC_RECHECK}); the standby takes over; nothing the failed run made is published.
     */
    static final class ErrorWhileSigning implements Scenario {
        /** The election's periodic key-sync re-check interval (the node's default). */
        static final Duration PERIODIC_RECHECK = Duration.ofSeconds(5);
        /** From the failed run to leaving the election, at most: well under {@link #PERIODIC_RECHECK}. */
        static final Duration AT_ONCE = Duration.ofMillis(1_500);

        private static final Pattern STAMP = Pattern.compile("^(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z) ");

        @Override
        public String name() {
            return "hsm-error-while-signing";
        }

        @Override
        public String description() {
            return "the leader's token disappears while the churn forces re-signing: the failed signing run makes it "
                    + "leave the election at once (not at the 5 s re-check), the standby takes over";
        }

        @Override
        public void run(Cluster c, Trial t) throws Exception {
            String leader = t.leaderBefore();
            TokenFaults f = faults(c, leader);
            Snapshot snap = f.snapshot(leader);
            t.expectTakeover();
            t.check("F10-left-at-once");
            t.check("F10-nothing-after-failure");
            long logFrom = Waits.logLines(c, leader);
            FaultApplied done = f.removeToken(leader);
            t.fault(done.describe() + " while the zone churns (a re-sign every second)");
            Instant faultAt = t.faultAt();
            try {
                LedgerEntry taken = Waits.takeoverBy(c, t, Cluster.other(leader));
                String lost = "event=leadership-lost epoch=" + t.epochBefore() + " reason=";
                List<String> log = c.poll(
                        leader + " logging its loss of leadership",
                        Duration.ofSeconds(30),
                        () -> Optional.of(Waits.logSince(c, leader, logFrom))
                                .filter(l -> l.stream().anyMatch(x -> x.contains(lost))));
                Optional<Instant> failed = stamp(log, "event=publish-stopped stage=(KEYS|SIGN) hsm-fault=true");
                Optional<Instant> recheck = stamp(log, "event=recheck-now");
                Optional<Instant> left = stamp(log, lost);
                String leftLine =
                        log.stream().filter(x -> x.contains(lost)).findFirst().orElse("");
                t.note(leader + ": failed run " + failed.map(Instant::toString).orElse("none") + ", re-check now "
                        + recheck.map(Instant::toString).orElse("none") + ", " + shorten(leftLine));
                if (left.isEmpty()) {
                    t.violate("F10-left-at-once", leader + " logged no loss of leadership");
                } else if (failed.isEmpty() || failed.get().isAfter(left.get())) {
                    // the periodic re-check came first (it runs every 5 s): no failed run to measure from
                    Duration d = Duration.between(faultAt, left.get());
                    t.note(leader + " left " + d.toMillis() + " ms after the fault, before any signing run failed");
                } else {
                    Duration d = Duration.between(failed.get(), left.get());
                    if (d.compareTo(AT_ONCE) > 0) {
                        t.violate(
                                "F10-left-at-once",
                                leader + " left the election " + d.toMillis() + " ms after its signing run failed "
                                        + "(at most " + AT_ONCE.toMillis() + " ms; the periodic re-check is every "
                                        + PERIODIC_RECHECK.toSeconds() + " s)");
                    } else if (recheck.isEmpty()) {
                        t.violate(
                                "F10-left-at-once",
                                leader + " left without an immediate re-check after the" + " failed run: " + leftLine);
                    } else {
                        t.note(leader + " left the election " + d.toMillis() + " ms after its signing run failed");
                    }
                }
                List<LedgerEntry> late = c.ledger().stream()
                        .filter(e -> e.node().equals(leader) && e.seenAt().isAfter(faultAt.plusSeconds(2)))
                        .toList();
                if (!late.isEmpty()) {
                    t.violate("F10-nothing-after-failure", leader + " committed after its token was gone: " + late);
                }
                t.note("the standby's first version: serial " + taken.serial());
                // the cause, not its symptoms: the token is named absent (the node retries re-opening it), not
                // each key it can no longer find
                refusal(c, t, leader, "token absent", "absent since", "retrying");
            } finally {
                f.restore(snap);
                t.healed();
                restart(c, t, leader);
            }
        }

        private static Optional<Instant> stamp(List<String> log, String regex) {
            Pattern p = Pattern.compile(regex);
            for (String line : log) {
                Matcher m = STAMP.matcher(line);
                if (m.find() && p.matcher(line).find()) {
                    return Optional.of(Instant.parse(m.group(1)));
                }
            }
            return Optional.empty();
        }

        private static String shorten(String s) {
            return s.length() > 300 ? s.substring(0, 300) + "…" : s;
        }
    }

    /**
     * The Mozilla replay: the active's ZSK becomes unusable (there it had expired and the signer refused
     * it, and the error was read as a KSK problem). Tandem must name the role and key tag, step down,
     * and the standby — which holds the same ZSK — must take over before anything expires.
     */
    static final class MozillaZsk implements Scenario {
        @Override
        public String name() {
            return "mozilla-expired-zsk";
        }

        @Override
        public String description() {
            return "the leader's ZSK becomes unusable in its HSM: the error names ZSK and its tag, the standby takes "
                    + "over";
        }

        @Override
        public void run(Cluster c, Trial t) throws Exception {
            String leader = t.leaderBefore();
            Cluster.Key zsk = c.key("ZSK");
            TokenFaults f = faults(c, leader);
            Snapshot snap = f.snapshot(leader);
            t.expectTakeover();
            FaultApplied done = f.deleteKey(leader, pin(c, leader), zsk.label(), zsk.fingerprint());
            t.fault(done.describe());
            try {
                Waits.takeoverBy(c, t, Cluster.other(leader));
                String text = refusal(c, t, leader, "ZSK", Integer.toString(zsk.tag()));
                if (text.contains("KSK " + c.key("KSK").tag())) {
                    t.violate("role-aware-error", leader + " blames the KSK for a ZSK fault: " + text);
                }
            } finally {
                f.restore(snap);
                t.healed();
            }
            c.await(
                    leader + " key-synced again after the restore (in-process)",
                    Duration.ofSeconds(60),
                    s -> s.latch().contains(leader));
            t.note(leader + " found its ZSK again after the restore without a restart");
        }
    }

    /**
     * The APNIC replay (F12): the standby's HSM holds another ZSK than the cluster's; then the active's
     * switch dies. The standby must not take over (a cut-over would change the ZSK set under resolvers
     * holding the old DNSKEY RRset); the last good zone stays at the authoritative server.
     */
    static final class ApnicDifferentZsk implements Scenario {
        @Override
        public String name() {
            return "apnic-standby-different-zsk";
        }

        @Override
        public String description() {
            return "the standby's HSM holds a different ZSK, then the active's switch fails: the cut-over must be "
                    + "refused";
        }

        @Override
        public void run(Cluster c, Trial t) throws Exception {
            String leader = t.leaderBefore();
            String standby = Cluster.other(leader);
            Cluster.Key zsk = c.key("ZSK");
            TokenFaults f = faults(c, standby);
            Snapshot snap = f.snapshot(standby);
            FaultApplied done = f.replaceWithDifferentKey(standby, pin(c, standby), zsk.label(), zsk.fingerprint());
            String site = NetworkScenarios.siteOf(c, leader);
            try {
                refusal(c, t, standby, Integer.toString(zsk.tag()));
                CoordinatorCheck.refused(c, t, standby, zsk);
                t.fault(done.describe() + "; then the switch of " + site + " (" + leader + ") down");
                c.net().switchDown(site);
                try {
                    noCommitBy(c, t, standby);
                } finally {
                    c.net().switchUp(site);
                }
            } finally {
                f.restore(snap);
                t.healed();
            }
        }
    }

    /**
     * The DENIC replay (F11): the standby's HSM holds a different key pair under the same label,
     * {@code CKA_ID} and claimed key tag. The standby must refuse to lead even when the active dies.
     */
    static final class DenicPerHsmKeys implements Scenario {
        @Override
        public String name() {
            return "denic-per-hsm-keys";
        }

        @Override
        public String description() {
            return "the standby's HSM holds another key pair under the ZSK's label and CKA_ID, then the active is "
                    + "killed: the standby must refuse to lead";
        }

        @Override
        public void run(Cluster c, Trial t) throws Exception {
            String leader = t.leaderBefore();
            String standby = Cluster.other(leader);
            Cluster.Key zsk = c.key("ZSK");
            TokenFaults f = faults(c, standby);
            Snapshot snap = f.snapshot(standby);
            FaultApplied done = f.plantStrayKeyPair(standby, pin(c, standby), zsk.label(), zsk.fingerprint());
            try {
                refusal(c, t, standby, Integer.toString(zsk.tag()));
                CoordinatorCheck.refused(c, t, standby, zsk);
                Proc p = c.node(leader);
                t.fault(done.describe() + "; then kill -9 " + p);
                p.kill();
                try {
                    noCommitBy(c, t, standby);
                } finally {
                    c.startNode(leader);
                }
            } finally {
                f.restore(snap);
                t.healed();
            }
        }
    }

    /** Holds {@link #REFUSED_FOR} (beyond the session timeout) and checks that {@code node} committed nothing. */
    static void noCommitBy(Cluster c, Trial t, String node) throws InterruptedException {
        List<LedgerEntry> late = Waits.quietFor(c, REFUSED_FOR).stream()
                .filter(e -> e.node().equals(node))
                .toList();
        if (!late.isEmpty()) {
            t.violate("INV-K5", node + " published with a key set that differs from the manifest: " + late);
        } else {
            t.note(node + " did not lead or publish during " + REFUSED_FOR.toSeconds()
                    + " s without the active (refused)");
        }
    }
}
