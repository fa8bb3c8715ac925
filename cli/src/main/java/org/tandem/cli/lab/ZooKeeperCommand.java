package org.tandem.cli.lab;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.tandem.cli.ExitCode;
import org.tandem.keysync.grpc.TlsMaterial;
import org.tandem.keysync.manifest.EmbeddedZooKeeper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Hidden {@code signerctl zookeeper --dir D [--port P] [--tls-ca CA --tls-cert C --tls-key K] [--ready-file F]}:
 * keysync's embedded
 * single-server ZooKeeper in a process of its own, until SIGTERM (the shutdown hook closes it).
 * {@code demo --keep-running} runs it so the demo cluster outlives the demo command, and
 * {@code bench/sign-vs-peers} so that it can drive the real {@code keys generate} and {@code sign}
 * commands. With {@code --ready-file} it writes its connect string there (atomically) once it serves
 * clients. With the TLS options it serves TLS only and lets in only certificates of that CA, by role
 * (keysync's {@code ZooKeeperServerTls}); without them it warns that it is open to anyone. It is no
 * production ZooKeeper.
 */
@Command(
        name = "zookeeper",
        hidden = true,
        description = "Run an embedded single-server ZooKeeper until SIGTERM (demo and benchmarks only).")
public final class ZooKeeperCommand implements Callable<Integer> {
    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "data directory")
    Path dir;

    @Option(names = "--port", paramLabel = "PORT", description = "client port on 127.0.0.1 (default: a free one)")
    int port;

    @Option(
            names = "--tls-ca",
            paramLabel = "FILE",
            description = "serve TLS only: the cluster CA (PEM) client certificates must chain to")
    Path tlsCa;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "with --tls-ca: the server's certificate (PEM)")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "with --tls-ca: the server's PKCS#8 key (PEM)")
    Path tlsKey;

    @Option(names = "--ready-file", paramLabel = "FILE", description = "gets HOST:PORT once the server serves clients")
    Path readyFile;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if ((tlsCa != null || tlsCert != null || tlsKey != null)
                && (tlsCa == null || tlsCert == null || tlsKey == null)) {
            throw new IllegalArgumentException("give all three of --tls-ca, --tls-cert and --tls-key, or none");
        }
        EmbeddedZooKeeper zk = tlsCa != null
                ? EmbeddedZooKeeper.start(dir, port, new TlsMaterial(tlsCert, tlsKey, tlsCa))
                : EmbeddedZooKeeper.start(dir, port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            zk.close();
                            stopped.countDown();
                        },
                        "zookeeper-shutdown"));
        if (readyFile != null) {
            Path tmp = readyFile.resolveSibling(readyFile.getFileName() + ".tmp");
            Files.writeString(tmp, zk.connectString() + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, readyFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        spec.commandLine()
                .getOut()
                .println("zookeeper running at " + zk.connectString() + " (data " + zk.dataDir()
                        + "); stop it with SIGTERM");
        spec.commandLine().getOut().flush();
        stopped.await();
        return ExitCode.OK.code();
    }
}
