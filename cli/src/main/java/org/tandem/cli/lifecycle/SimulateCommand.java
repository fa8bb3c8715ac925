package org.tandem.cli.lifecycle;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.tandem.cli.ExitCode;
import org.tandem.cli.SignerctlException;
import org.tandem.cli.probe.Durations;
import org.tandem.keysync.KeySync;
import org.tandem.keysync.audit.AuditLog;
import org.tandem.keysync.hsm.HsmConfig;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.HsmSpec;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.EmbeddedZooKeeper;
import org.tandem.keysync.manifest.ZooKeeperClientSettings;
import org.tandem.keysync.manifest.ZooKeeperManifestStore;
import org.tandem.keysync.proof.KeySetVerifier;
import org.tandem.signer.lifecycle.CacheCheck;
import org.tandem.signer.sign.SigningPolicy;
import org.tandem.signer.sign.SigningPolicyFile;
import org.tandem.signer.zone.UnsignedZone;
import org.tandem.signer.zone.ZoneLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code signerctl lifecycle simulate}: the zone's key lifecycle policy run over {@code --days} of
 * simulated time on this host's HSMs ({@link LifecycleSimulation}), every published version written to
 * {@code DIR/versions/<serial>.zone} and the timeline to {@code DIR/timeline.json}, then the cache
 * check ({@link CacheCheck}) over all of them.
 *
 * <p>The manifest lives in an in-process ZooKeeper on 127.0.0.1 in a temporary directory (never the
 * cluster's); the keys the simulation generates on the HSMs are destroyed at the end, and an HSM that
 * already holds keys of the zone is refused, so a real zone's keys are never touched.
 */
@Command(
        name = "simulate",
        description = "Run the zone's key lifecycle policy (rollovers, CDS, a simulated parent) over simulated time "
                + "on this host's HSMs; write every published version and a timeline; check every cached "
                + "DNSKEY/RRSIG/DS combination validates.")
final class SimulateCommand implements Callable<Integer> {
    private static final int MAX_DAYS = 3660;
    private static final int LISTED_VIOLATIONS = 20;

    @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "zone apex")
    String zone;

    @Option(names = "--input", required = true, paramLabel = "ZONEFILE", description = "the unsigned master file")
    Path input;

    @Option(
            names = "--policy",
            required = true,
            paramLabel = "POLICY",
            description = "the zone's signing policy file, with keys: (docs/key-lifecycle.md)")
    Path policyFile;

    @Option(
            names = "--hsm-config",
            required = true,
            paramLabel = "FILE",
            description = "this host's HSMs (its zookeeper settings are not used)")
    Path hsmConfig;

    @Option(names = "--start", required = true, paramLabel = "INSTANT", description = "e.g. 2027-01-01T00:00:00Z")
    String start;

    @Option(names = "--days", required = true, paramLabel = "N", description = "simulated days, 1 to " + MAX_DAYS)
    int days;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "where versions/ and timeline.json go")
    Path out;

    @Option(
            names = "--parent-delay",
            defaultValue = "2d",
            paramLabel = "DURATION",
            description = "how long after the CDS asks the parent installs the DS set (default ${DEFAULT-VALUE})")
    String parentDelay;

    @Spec
    CommandSpec spec;

    /** The checked arguments, before anything is opened. */
    record Arguments(ZoneName zone, Instant start, Duration length, Duration parentDelay) {}

    /**
     * Checks the arguments and the files they name.
     *
     * @throws SignerctlException USAGE naming the option and the value
     */
    Arguments check() {
        ZoneName z;
        try {
            z = ZoneName.of(zone);
        } catch (IllegalArgumentException e) {
            throw SignerctlException.usage("lifecycle simulate: --zone '" + zone + "': " + e.getMessage());
        }
        Instant from;
        try {
            from = Instant.parse(start);
        } catch (DateTimeParseException e) {
            throw SignerctlException.usage("lifecycle simulate: --start '" + start
                    + "' is not an ISO-8601 instant in UTC such as 2027-01-01T00:00:00Z");
        }
        if (days < 1 || days > MAX_DAYS) {
            throw SignerctlException.usage("lifecycle simulate: --days must be 1 to " + MAX_DAYS + ", got " + days);
        }
        Duration delay = duration("--parent-delay", parentDelay);
        requireFile("--input", input);
        requireFile("--policy", policyFile);
        requireFile("--hsm-config", hsmConfig);
        if (Files.exists(out.resolve("timeline.json")) || Files.exists(out.resolve("versions"))) {
            throw SignerctlException.usage("lifecycle simulate: --out " + out.toAbsolutePath()
                    + " holds an earlier run (timeline.json or versions/); give an empty or new directory");
        }
        return new Arguments(z, from, Duration.ofDays(days), delay);
    }

    static Duration duration(String option, String text) {
        try {
            return Durations.parse(option, text);
        } catch (IllegalArgumentException e) {
            throw SignerctlException.usage("lifecycle simulate: " + e.getMessage());
        }
    }

    private static void requireFile(String option, Path file) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw SignerctlException.usage(
                    "lifecycle simulate: " + option + " " + file.toAbsolutePath() + ": no such readable file");
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        Arguments a = check();
        UnsignedZone unsigned = ZoneLoader.load(input, a.zone());
        SigningPolicy policy = SigningPolicyFile.load(policyFile);
        if (!policy.rollover().managed()) {
            throw SignerctlException.usage("lifecycle simulate: policy " + policyFile.toAbsolutePath()
                    + " has no keys: section; nothing would be rolled (docs/key-lifecycle.md)");
        }
        HsmConfig config = HsmConfig.load(hsmConfig);
        Files.createDirectories(out);
        Path work = Files.createTempDirectory("tandem-lifecycle-simulate");
        List<Pkcs11Hsm> hsms = new ArrayList<>();
        // IMPORTANT: keys are destroyed at the end only when every HSM held none of the zone's before
        boolean ours = false;
        try {
            for (HsmSpec h : config.hsms()) {
                hsms.add(Pkcs11Hsm.open(h));
            }
            for (Pkcs11Hsm h : hsms) {
                List<HsmKey> existing = h.list(a.zone());
                if (!existing.isEmpty()) {
                    throw new SignerctlException(
                            ExitCode.REFUSED,
                            "lifecycle simulate: HSM " + h.id() + " already holds " + existing.size()
                                    + " key(s) of zone " + a.zone() + " (tags "
                                    + existing.stream()
                                            .map(k -> k.role() + " "
                                                    + k.claimedTag().value())
                                            .toList()
                                    + "); the simulation generates and destroys keys of the zone: use a token "
                                    + "without them");
                }
            }
            ours = true;
            return simulate(a, unsigned, policy, hsms, work, stdout, stderr);
        } finally {
            for (Pkcs11Hsm h : hsms) {
                if (ours) {
                    destroySimulationKeys(h, a.zone(), stderr);
                }
                h.close();
            }
            deleteTree(work);
        }
    }

    private int simulate(
            Arguments a,
            UnsignedZone unsigned,
            SigningPolicy policy,
            List<Pkcs11Hsm> hsms,
            Path work,
            PrintWriter stdout,
            PrintWriter stderr)
            throws Exception {
        SimulatedClock clock = new SimulatedClock(a.start());
        try (EmbeddedZooKeeper zk = EmbeddedZooKeeper.start(work.resolve("zookeeper"), 0);
                ZooKeeperManifestStore store = ZooKeeperManifestStore.connect(
                        ZooKeeperClientSettings.insecurePlaintext(zk.connectString()),
                        "/tandem-simulate",
                        Duration.ofSeconds(10))) {
            AuditLog audit = AuditLog.open(work.resolve("audit.log"), clock);
            KeySync keySync = new KeySync(
                    hsms,
                    store,
                    audit,
                    clock,
                    "signerctl lifecycle simulate",
                    new KeySetVerifier(clock, new SecureRandom()));
            LifecycleSimulation sim = new LifecycleSimulation(
                    new LifecycleSimulation.Settings(
                            a.zone(), unsigned, policy, a.start(), a.length(), a.parentDelay(), out),
                    keySync,
                    store,
                    clock,
                    stderr);
            LifecycleSimulation.Result r = sim.run();
            List<Map<String, Object>> t = r.timeline();
            stdout.printf(
                    "simulated %s from %s for %d days in %.1f s: %d versions, serials %s to %s, on HSM %s%n",
                    a.zone(),
                    a.start(),
                    a.length().toDays(),
                    r.elapsed().toMillis() / 1000.0,
                    t.size(),
                    t.isEmpty() ? "-" : t.get(0).get("serial"),
                    t.isEmpty() ? "-" : t.get(t.size() - 1).get("serial"),
                    hsms.get(0).id());
            for (Map<String, Object> e : t) {
                String event = (String) e.get("event");
                if (!event.equals("re-sign")) {
                    stdout.printf("  %s serial %s: %s%n", e.get("time"), e.get("serial"), event);
                }
            }
            stdout.printf("wrote %s and %s%n", out.resolve("timeline.json"), out.resolve("versions"));
            if (!r.violations().isEmpty()) {
                for (CacheCheck.Violation v : r.violations()
                        .subList(0, Math.min(LISTED_VIOLATIONS, r.violations().size()))) {
                    stderr.println("cache check: " + v);
                }
                stdout.flush();
                throw new SignerctlException(
                        ExitCode.INVALID_ZONE,
                        "lifecycle simulate: zone " + a.zone() + ": "
                                + r.violations().size()
                                + " cached DNSKEY/RRSIG/DS combinations do not validate (first: "
                                + r.violations().get(0) + ")");
            }
            stdout.printf(
                    "cache check: every DNSKEY RRset, RRSIG and DS a resolver can hold validates, at each of the %d"
                            + " versions (DS TTL %ds, propagation delay %ds)%n",
                    t.size(),
                    sim.rollover().parent().dsTtl().toSeconds(),
                    sim.rollover().propagationDelay().toSeconds());
            stdout.flush();
            return ExitCode.OK.code();
        }
    }

    /** The keys the simulation generated (the HSM held none of the zone before): destroyed. */
    private static void destroySimulationKeys(Pkcs11Hsm hsm, ZoneName zone, PrintWriter stderr) {
        try {
            for (HsmKey k : hsm.list(zone)) {
                hsm.delete(k.ref());
            }
        } catch (HsmException | RuntimeException e) {
            stderr.println("signerctl: lifecycle simulate: zone " + zone + ": the simulation's keys could not all be"
                    + " destroyed on HSM " + hsm.id() + " (" + e.getMessage() + "); delete them with"
                    + " signerctl keys delete");
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
