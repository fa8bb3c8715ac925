package org.tandem.cli.demo;

import static org.tandem.cli.demo.DemoCluster.NODES;
import static org.tandem.cli.demo.DemoCluster.SESSION_TIMEOUT;
import static org.tandem.cli.demo.DemoCluster.ZONE;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.tandem.cli.lab.TokenLab;
import org.tandem.signer.election.PublishLedger;
import org.tandem.signer.election.PublishRecord;

/**
 * {@code signerctl demo --takeover-rounds N} (hidden, for {@code bench/takeover}), after the
 * {@link DemoStory}: each round restarts the killed node as a standby, waits until it is healthy,
 * kills the leader and times kill → first publication by the other node in a new epoch, each
 * publication checked by {@code ldns-verify-zone}; then the median, min and max.
 */
final class TakeoverRounds {
    private final DemoCluster cluster;
    private final DemoNarrator n;
    private final int rounds;

    TakeoverRounds(DemoCluster cluster, int rounds) {
        this.cluster = cluster;
        this.n = cluster.narrator();
        this.rounds = rounds;
    }

    /**
     * @param configs the node configurations in {@link DemoCluster#NODES} order
     * @param leader the node leading now
     */
    void run(PublishLedger ledger, List<Path> configs, String leader) throws Exception {
        n.heading("Takeover benchmark: " + rounds + " leader kills, session timeout " + SESSION_TIMEOUT.toSeconds()
                + " s (kill -9 of the leader -> first validated publication by the standby in a new epoch).");
        List<Double> times = new ArrayList<>();
        for (int i = 1; i <= rounds; i++) {
            String standby = DemoCluster.other(leader);
            Path standbyConfig = configs.get(NODES.indexOf(standby));
            cluster.start(standby, standbyConfig);
            cluster.awaitHealthy(standbyConfig, standby);
            PublishRecord before = ledger.last(ZONE).orElseThrow();
            long t0 = System.nanoTime();
            cluster.kill(leader);
            PublishRecord after = cluster.awaitPublish(
                    ledger, r -> r.node().equals(standby) && r.epoch() > before.epoch(), standby + "'s takeover");
            double s = (System.nanoTime() - t0) / 1e9;
            times.add(s);
            validateQuietly(after);
            n.say(String.format(
                    "round %d: %s -> %s, serial %d epoch %d, %.2f s",
                    i, leader, standby, after.serial(), after.epoch(), s));
            leader = standby;
        }
        List<Double> sorted = times.stream().sorted().toList();
        double median = sorted.size() % 2 == 1
                ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        n.say(String.format(
                "takeover: median %.2f s, min %.2f s, max %.2f s over %d kills (session timeout %d s)",
                median, sorted.get(0), sorted.get(sorted.size() - 1), sorted.size(), SESSION_TIMEOUT.toSeconds()));
    }

    private void validateQuietly(PublishRecord r) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(
                        "ldns-verify-zone", cluster.versionFile(r).toString())
                .redirectErrorStream(true)
                .start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (TokenLab.waitFor(p) != 0) {
            throw new IllegalStateException(
                    "demo: ldns-verify-zone refused serial " + r.serial() + ": " + text.strip());
        }
    }
}
