package org.tandem.cli.demo;

import static org.tandem.cli.demo.DemoCluster.NODES;
import static org.tandem.cli.demo.DemoCluster.SESSION_TIMEOUT;
import static org.tandem.cli.demo.DemoCluster.ZONE;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tandem.cli.lab.DemoPki;
import org.tandem.cli.lab.Prerequisite;
import org.tandem.keysync.manifest.EmbeddedZooKeeper;
import org.tandem.keysync.manifest.ZooKeeperClientSettings;
import org.tandem.signer.election.ClusterConnection;
import org.tandem.signer.election.PublishLedger;
import org.tandem.signer.election.PublishRecord;
import org.tandem.signer.publish.SignedZoneFile;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * {@code signerctl demo}, the story: ZooKeeper embedded in this process, both nodes and the
 * coordinator as child processes; the keys made through the coordinator; the first publication
 * checked by {@code ldns-verify-zone}; the leader killed; the standby's takeover with the same keys
 * and a higher serial, checked again; with {@code --takeover-rounds N} then the {@link TakeoverRounds}.
 * Everything it started is stopped before it returns.
 */
final class DemoStory {
    private final DemoCluster cluster;
    private final DemoNarrator n;
    private final PrintWriter out;
    private final Path dir;
    private final int takeoverRounds;

    DemoStory(DemoCluster cluster, PrintWriter out, int takeoverRounds) {
        this.cluster = cluster;
        this.n = cluster.narrator();
        this.out = out;
        this.dir = cluster.dir();
        this.takeoverRounds = takeoverRounds;
    }

    void run() throws Exception {
        if (!Prerequisite.onPath("ldns-verify-zone")) {
            throw new IllegalStateException(
                    "ldns-verify-zone is not installed: apt-get install ldnsutils (bin/demo installs it)");
        }
        DemoCluster.requireCoordinator("build the whole project (mvn package) and run bin/demo");
        n.say("Tandem cluster demo. Everything goes to " + dir);
        n.say("Two signer nodes, node-a (site dc1) and node-b (site dc2), one zone: " + ZONE
                + ". Each node has its own HSM, a SoftHSM2 token in its own token directory (hsm/node-a/, hsm/node-b/) "
                + "that only its own process opens, as in two data centres. The operator's commands hold no HSM: they "
                + "go through the coordinator, and keys reach the other site only wrapped, through the nodes' KeySync "
                + "service.");
        DemoPki pki = cluster.pki();
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir.resolve("zookeeper"), 0, pki.tls("zookeeper"))) {
            n.say("An embedded ZooKeeper at " + zk.connectString()
                    + " holds the key manifest, the election, the epoch and the publish ledger. It speaks TLS only and "
                    + "lets in only certificates of the cluster CA (tls/), by role: nodes and the operator may write, "
                    + "the coordinator may read, nobody else gets in.");
            try (ClusterConnection connection = ClusterConnection.connect(
                    ZooKeeperClientSettings.tls(zk.connectString(), pki.tls("operator")),
                    "/tandem",
                    SESSION_TIMEOUT,
                    Duration.ofSeconds(10))) {
                PublishLedger ledger = connection.ledger(Clock.systemUTC());
                List<Path> configs = cluster.setUp(zk.connectString());
                story(ledger, configs);
            } finally {
                cluster.stopAll();
            }
        }
        out.println();
        n.say("Done. Files: " + dir);
        n.say("  published/" + DemoCluster.zoneDir() + "/<serial>.zone  every published version (published/"
                + DemoCluster.zoneDir() + ".zone is the current one, for a hidden primary to load)");
        n.say("  node-a.yaml, node-b.yaml  the node configurations;  hsm/<node>/  each node's own HSM "
                + "(softhsm2.conf, token directory, PIN file, hsm.yaml);  coordinator.yaml, signerctl.yaml  "
                + "the coordinator's and the operator's configuration;  tls/  the cluster CA and certificates; "
                + " logs/  each process's log;  audit-<node>.jsonl  each node's key audit log;  "
                + "coordinator-audit.jsonl  the operator's orders");
    }

    private void story(PublishLedger ledger, List<Path> configs) throws Exception {
        n.heading(
                "The first node to prove its keys wins the election (epoch bumped in ZooKeeper); once every node holds "
                        + "the new keys, proven, it publishes them, signs " + ZONE
                        + " (capability canary first), passes the "
                        + "validation gate and commits the serial in ZooKeeper, fenced by the epoch.");
        PublishRecord first = cluster.awaitPublish(ledger, r -> true, "the first publication");
        String leader = first.node();
        String standby = DemoCluster.other(leader);
        n.say(leader + " published serial " + first.serial() + " in epoch " + first.epoch() + ": "
                + cluster.rel(cluster.versionFile(first)));
        cluster.awaitHealthy(configs.get(NODES.indexOf(standby)), standby);
        n.say(standby + " is a key-synced standby (its /health answers 200): it proved the same keys on its own HSM.");

        n.heading("An outside validator nobody here wrote checks what " + leader + " published.");
        validate(first);

        n.heading("Cut " + leader
                + " off: kill -9 its process, as a crash or a dead switch looks to ZooKeeper. Its session "
                + "expires after " + SESSION_TIMEOUT.toSeconds() + " s; " + standby
                + " re-proves its keys, checks from the ledger that every key it will sign with was published long "
                + "enough, wins with a new epoch and publishes a higher serial.");
        long killedAt = System.nanoTime();
        Process a = cluster.kill(leader);
        n.say("$ kill -9 " + a.pid() + "   # " + leader);
        PublishRecord second = cluster.awaitPublish(
                ledger, r -> r.node().equals(standby) && r.epoch() > first.epoch(), standby + "'s takeover");
        double seconds = (System.nanoTime() - killedAt) / 1e9;
        n.say(String.format(
                "%s published serial %d in epoch %d, %.1f s after the kill: %s",
                standby, second.serial(), second.epoch(), seconds, cluster.rel(cluster.versionFile(second))));

        n.heading("Same keys, higher serial, and it validates.");
        Set<String> before = dnskeys(first);
        Set<String> after = dnskeys(second);
        if (!before.equals(after)) {
            throw new IllegalStateException(
                    "demo: the DNSKEY RRset changed across the failover: " + before + " vs " + after);
        }
        Matcher m = Pattern.compile(
                        "event=published serial=" + second.serial() + " .*signatures-made=(\\d+) reused=(\\d+)")
                .matcher(Files.readString(dir.resolve("logs/" + standby + ".log")));
        if (m.find()) {
            n.say(standby + " continued from the published zone: it made " + m.group(1) + " signature(s) and re-used "
                    + m.group(2) + " still-valid ones (logs/" + standby + ".log).");
        }
        n.say("DNSKEY RRset identical in serial " + first.serial() + " and serial " + second.serial() + " ("
                + after.size() + " keys); serial " + second.serial() + " > " + first.serial() + ".");
        validate(second);
        if (takeoverRounds > 0) {
            new TakeoverRounds(cluster, takeoverRounds).run(ledger, configs, standby);
        }
        n.say("Publish history in ZooKeeper (one writer per epoch, serials increasing):");
        for (PublishRecord r : ledger.history(ZONE)) {
            n.say("  serial " + r.serial() + "  epoch " + r.epoch() + "  " + r.node() + "  " + r.committedAt());
        }
    }

    private void validate(PublishRecord r) throws IOException, InterruptedException {
        int code = n.run(List.of("ldns-verify-zone", cluster.versionFile(r).toString()));
        if (code != 0) {
            throw new IllegalStateException(
                    "demo: ldns-verify-zone refused serial " + r.serial() + " (exit " + code + ")");
        }
    }

    private Set<String> dnskeys(PublishRecord r) throws Exception {
        Set<String> keys = new TreeSet<>();
        for (Record rec : SignedZoneFile.read(cluster.versionFile(r), ZONE.name())) {
            if (rec.getType() == Type.DNSKEY) {
                keys.add(rec.rdataToString());
            }
        }
        return keys;
    }
}
