package org.tandem.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.tandem.keysync.manifest.EmbeddedZooKeeper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code signerctl bench-zookeeper} (hidden; for {@code bench/sign-vs-peers}): runs the embedded
 * ZooKeeper the demo uses, so that the benchmark can drive the real {@code keys generate} and {@code
 * sign} commands. It writes its connect string to {@code --ready-file} once it serves clients and
 * runs until it is terminated (SIGTERM, SIGINT).
 */
@Command(name = "bench-zookeeper", hidden = true, description = "Run an embedded ZooKeeper for a benchmark until stopped.")
final class BenchZooKeeperCommand implements Callable<Integer> {
    @Option(names = "--dir", required = true, description = "data directory")
    Path dir;

    @Option(names = "--ready-file", required = true, description = "gets HOST:PORT once the server serves clients")
    Path readyFile;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch stop = new CountDownLatch(1);
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(dir, 0)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                zk.close();
                stop.countDown();
            }, "bench-zookeeper-stop"));
            Path tmp = readyFile.resolveSibling(readyFile.getFileName() + ".tmp");
            Files.writeString(tmp, zk.connectString() + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, readyFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            out.println("bench-zookeeper: serving at " + zk.connectString());
            out.flush();
            stop.await();
        }
        return ExitCode.OK.code();
    }
}
