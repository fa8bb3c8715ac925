package org.tandem.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.tandem.keysync.manifest.EmbeddedZooKeeper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Hidden {@code signerctl zookeeper --dir D --port P}: keysync's embedded single-server ZooKeeper in a
 * process of its own, until SIGTERM (the shutdown hook closes it). {@code demo --keep-running} runs it
 * so the demo cluster outlives the demo command; it is no production ZooKeeper.
 */
@Command(name = "zookeeper", hidden = true, description = "Run an embedded single-server ZooKeeper until SIGTERM (demo only).")
final class ZooKeeperCommand implements Callable<Integer> {
    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "data directory")
    Path dir;

    @Option(names = "--port", required = true, paramLabel = "PORT", description = "client port on 127.0.0.1")
    int port;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir, port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            zk.close();
            stopped.countDown();
        }, "zookeeper-shutdown"));
        spec.commandLine().getOut().println("zookeeper running at " + zk.connectString() + " (data " + zk.dataDir()
                + "); stop it with SIGTERM");
        spec.commandLine().getOut().flush();
        stopped.await();
        return ExitCode.OK.code();
    }
}
