package org.tandem.cli.demo;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.tandem.cli.ExitCode;
import org.tandem.cli.SignerctlException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code signerctl demo}: the whole Tandem story on one machine. An embedded ZooKeeper, two SoftHSM2
 * tokens ({@code node-a}, {@code node-b}) standing for the HSMs of two data centres, and two signer
 * nodes, each a separate process with its own HSM. Keys are generated once and replicated; the nodes
 * prove them, elect {@code node-a}, which signs, validates and publishes; then {@code node-a} is
 * killed (as a crash or a dead switch looks to ZooKeeper), and {@code node-b} takes over with the
 * same keys and a higher serial; both published versions are checked by {@code ldns-verify-zone}.
 *
 * <p>Everything goes to the work directory: {@code published/<zone>/<serial>.zone} for every
 * published version, {@code hsm/softhsm2.conf} with the tokens and their PIN files {@code
 * hsm/<label>.pin}, {@code tls/}, {@code node-a.yaml}, {@code node-b.yaml}, {@code logs/}.
 *
 * <p>This class reads the options and picks the mode: the story ({@link DemoStory}, with {@code
 * --takeover-rounds} followed by the {@link TakeoverRounds}), {@code --keep-running} ({@link
 * KeepRunningDemo}) or {@code --stop} ({@link DemoProcesses#stop}). The cluster they share is a {@link
 * DemoCluster}.
 */
@Command(
        name = "demo",
        description = "Run the cluster demo: an embedded ZooKeeper, two signer nodes with two SoftHSM2 tokens, one "
                + "zone; generate keys once, replicate, prove, elect, sign, publish, validate; kill the active node "
                + "and watch the standby take over with the same keys and a higher serial.")
public final class DemoCommand implements Callable<Integer> {
    @Option(
            names = "--workdir",
            paramLabel = "DIR",
            description = "where everything goes (default: a new temporary directory)")
    Path workdir;

    @Option(
            names = "--takeover-rounds",
            hidden = true,
            paramLabel = "N",
            description = "after the story, kill the leader N more times (restarting the other node as standby each "
                    + "time) and print each takeover time and the median (bench/takeover)")
    int takeoverRounds;

    @Option(
            names = "--keep-running",
            description = "set the cluster up (tokens, keys, PKI, ZooKeeper, both nodes, the coordinator), wait for "
                    + "the first publication, and leave it running; writes DIR/coordinator.yaml, DIR/signerctl.yaml "
                    + "and DIR/pids (needs --workdir)")
    boolean keepRunning;

    @Option(
            names = "--stop",
            description = "stop what --keep-running left running in --workdir (SIGTERM, SIGKILL after " + "20 s)")
    boolean stop;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (stop || keepRunning) {
            if (workdir == null) {
                throw SignerctlException.usage("demo: --keep-running and --stop need --workdir DIR");
            }
            if (stop && keepRunning) {
                throw SignerctlException.usage("demo: --keep-running or --stop, not both");
            }
            if (stop) {
                Path d = workdir.toAbsolutePath().normalize();
                int stopped = DemoProcesses.stop(d, out);
                out.println("stopped " + stopped + " process(es) of the demo in " + d);
                return ExitCode.OK.code();
            }
            new KeepRunningDemo(DemoCluster.create(workdir, out, err, true), out, err).run();
            return ExitCode.OK.code();
        }
        Path dir = workdir != null ? workdir : Files.createTempDirectory("tandem-demo-");
        new DemoStory(DemoCluster.create(dir, out, err, false), out, takeoverRounds).run();
        return ExitCode.OK.code();
    }
}
