package org.tandem.cli.bench;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import org.tandem.cli.ExitCode;
import org.tandem.cli.host.HostOptions;
import org.tandem.cli.host.Session;
import org.tandem.cli.lab.TokenLab;
import org.tandem.keysync.KeySync;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.EmbeddedZooKeeper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code signerctl bench-keysync} (hidden; run through {@code bench/keysync-timing}): times the
 * keysync path on fresh SoftHSM2 tokens: the KEK ceremony once, then per round a KSK+ZSK generated
 * once, replicated to every other token and verified with proof, for a new zone each round.
 */
@Command(name = "bench-keysync", hidden = true, description = "Time generate + sync + verify across SoftHSM2 tokens.")
public final class BenchKeysyncCommand implements Callable<Integer> {
    @Option(names = "--hsms", defaultValue = "3", description = "number of tokens")
    int hsms;

    @Option(names = "--rounds", defaultValue = "5", description = "rounds (one zone each)")
    int rounds;

    @Option(names = "--workdir", description = "where the tokens go (default: a new temporary directory)")
    Path workdir;

    @Option(names = "--inner", hidden = true, description = "the timed part, in the child that sees the tokens")
    Path innerConfig;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (innerConfig != null) {
            return timed(out);
        }
        List<String> labels =
                IntStream.rangeClosed(1, hsms).mapToObj(i -> "bench-hsm" + i).toList();
        TokenLab lab = TokenLab.create(workdir != null ? workdir : Files.createTempDirectory("tandem-bench-"), labels);
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(lab.dir().resolve("zookeeper"), 0)) {
            Path config = lab.dir().resolve("hsm.yaml");
            Files.writeString(
                    config,
                    lab.hsmsYaml(labels) + "zookeeper: " + zk.connectString() + "\naudit-log: audit.jsonl\n"
                            // a benchmark on 127.0.0.1 of HSM timing, not of ZooKeeper's security
                            + "zookeeper-insecure-plaintext: true\n");
            out.printf(
                    "keysync timing: %d SoftHSM2 tokens, %d rounds, ECDSA P-256, workdir %s%n",
                    hsms, rounds, lab.dir());
            out.flush();
            Process p = lab.signerctl(List.of(
                            "bench-keysync", "--inner", config.toString(), "--rounds", Integer.toString(rounds)))
                    .inheritIO()
                    .start();
            return TokenLab.waitFor(p);
        }
    }

    private int timed(PrintWriter out) throws Exception {
        try (Session s = Session.open(HostOptions.of(innerConfig), "bench-keysync")) {
            KeySync ks = s.keySync();
            List<HsmId> ids = s.hsms().stream().map(h -> h.id()).toList();
            long t0 = System.nanoTime();
            ks.kekInit(ids.get(0));
            for (HsmId id : ids.subList(1, ids.size())) {
                ks.kekEnrol(ids.get(0), id);
            }
            out.printf("KEK init + enrolment of %d HSM(s): %.0f ms%n", ids.size() - 1, ms(t0));
            out.printf("%-6s %10s %10s %10s %10s%n", "round", "generate", "sync", "verify", "total");
            List<double[]> rows = new ArrayList<>();
            for (int r = 1; r <= rounds; r++) {
                ZoneName zone = ZoneName.of("round-" + r + ".bench.test");
                long a = System.nanoTime();
                ks.generate(zone, KeyRole.KSK, Algorithm.ECDSAP256SHA256, ids.get(0));
                ks.generate(zone, KeyRole.ZSK, Algorithm.ECDSAP256SHA256, ids.get(0));
                double gen = ms(a);
                long b = System.nanoTime();
                boolean synced = ks.sync(zone, Optional.empty(), false).after().keySynced();
                double sync = ms(b);
                long c = System.nanoTime();
                boolean verified = ks.verify(zone).keySynced();
                double verify = ms(c);
                if (!synced || !verified) {
                    throw new IllegalStateException("round " + r + ": not key-synced after sync");
                }
                rows.add(new double[] {gen, sync, verify, gen + sync + verify});
                out.printf("%-6d %8.0f ms %7.0f ms %7.0f ms %7.0f ms%n", r, gen, sync, verify, gen + sync + verify);
            }
            out.printf(
                    "%-6s %8.0f ms %7.0f ms %7.0f ms %7.0f ms%n",
                    "median", median(rows, 0), median(rows, 1), median(rows, 2), median(rows, 3));
            out.flush();
            return ExitCode.OK.code();
        }
    }

    private static double ms(long start) {
        return (System.nanoTime() - start) / 1e6;
    }

    private static double median(List<double[]> rows, int column) {
        double[] v = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
