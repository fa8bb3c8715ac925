package org.tandem.cli.demo;

import static org.tandem.cli.demo.DemoCluster.SESSION_TIMEOUT;
import static org.tandem.cli.demo.DemoCluster.WAIT;
import static org.tandem.cli.demo.DemoCluster.ZONE;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.tandem.cli.SignerctlCommand;
import org.tandem.cli.lab.DemoPki;
import org.tandem.keysync.manifest.ZooKeeperClientSettings;
import org.tandem.signer.election.ClusterConnection;
import org.tandem.signer.election.PublishLedger;
import org.tandem.signer.election.PublishRecord;

/**
 * {@code signerctl demo --keep-running}: the cluster of the demo left running, each part a process of
 * its own: ZooKeeper ({@code signerctl zookeeper}), both nodes with their own HSMs, the coordinator,
 * the keys made through it. Returns once one node has published and the other is a healthy standby,
 * with every pid in the pid file ({@link DemoProcesses}, which {@code demo --stop} reads). If anything
 * fails, what was started is stopped again.
 */
final class KeepRunningDemo {
    private final DemoCluster cluster;
    private final DemoNarrator n;
    private final PrintWriter out;
    private final PrintWriter err;
    private final Path dir;

    /** @param cluster a detached cluster */
    KeepRunningDemo(DemoCluster cluster, PrintWriter out, PrintWriter err) {
        this.cluster = cluster;
        this.n = cluster.narrator();
        this.out = out;
        this.err = err;
        this.dir = cluster.dir();
    }

    void run() throws Exception {
        DemoCluster.requireCoordinator("build the whole project (mvn package)");
        n.say("Tandem demo cluster, left running. Everything goes to " + dir);
        int zkPort = DemoCluster.freePort();
        String zk = "127.0.0.1:" + zkPort;
        String standby;
        try {
            DemoPki pki = cluster.pki();
            cluster.startJava(
                    "zookeeper",
                    List.of(
                            SignerctlCommand.class.getName(),
                            "zookeeper",
                            "--dir",
                            dir.resolve("zookeeper").toString(),
                            "--port",
                            Integer.toString(zkPort),
                            "--tls-ca",
                            pki.ca().toString(),
                            "--tls-cert",
                            pki.cert("zookeeper").toString(),
                            "--tls-key",
                            pki.key("zookeeper").toString()),
                    null);
            n.say("$ signerctl zookeeper --dir zookeeper --port " + zkPort + " --tls-ca tls/ca.crt --tls-cert"
                    + " tls/zookeeper.crt --tls-key tls/zookeeper.key   # pid "
                    + cluster.process("zookeeper").pid()
                    + ", log logs/zookeeper.log");
            try (ClusterConnection connection = ClusterConnection.connect(
                    ZooKeeperClientSettings.tls(zk, pki.tls("operator")), "/tandem", SESSION_TIMEOUT, WAIT)) {
                if (!connection.connected()) {
                    throw new IllegalStateException(
                            "demo: ZooKeeper at " + zk + " did not come up; see logs/zookeeper.log");
                }
                n.say("ZooKeeper (embedded, its own process) at " + zk + ".");
                PublishLedger ledger = connection.ledger(Clock.systemUTC());
                cluster.setUp(zk);
                PublishRecord first = cluster.awaitPublish(ledger, r -> true, "the first publication");
                standby = DemoCluster.other(first.node());
                n.say(first.node() + " leads (epoch " + first.epoch() + ") and published serial " + first.serial()
                        + ": " + cluster.rel(cluster.versionFile(first)));
                cluster.awaitHealthy(dir.resolve(standby + ".yaml"), standby);
                n.say(standby + " is a key-synced standby.");
            }
        } catch (Exception | Error e) {
            err.println("signerctl: demo: stopping what was started: " + e.getMessage());
            if (Files.exists(dir.resolve(DemoProcesses.FILE))) {
                DemoProcesses.stop(dir, err);
            }
            throw e;
        }
        out.println();
        Path signerctlYaml = dir.resolve("signerctl.yaml");
        n.say("The cluster keeps running. Try (from " + dir + "):");
        n.say("  signerctl --config " + signerctlYaml + " status");
        n.say("  signerctl --config " + signerctlYaml + " keys --cluster");
        n.say("  signerctl --config " + signerctlYaml + " keys verify --zone " + ZONE);
        n.say("  signerctl --config " + signerctlYaml + " preflight --to " + standby);
        n.say("  signerctl --config " + signerctlYaml + " failover --to " + standby + " --reason \"runbook drill\"");
        n.say("Stop it: signerctl demo --stop --workdir " + dir + "   (pids in "
                + cluster.rel(dir.resolve(DemoProcesses.FILE)) + ", logs in logs/)");
    }
}
