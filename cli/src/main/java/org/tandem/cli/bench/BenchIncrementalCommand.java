package org.tandem.cli.bench;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tandem.cli.ExitCode;
import org.tandem.cli.Output;
import org.tandem.cli.host.HostOptions;
import org.tandem.cli.host.Session;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.gate.GatePolicy;
import org.tandem.signer.gate.GateVerdict;
import org.tandem.signer.gate.IncrementalGate;
import org.tandem.signer.publish.SignedZoneFile;
import org.tandem.signer.sign.IncrementalResult;
import org.tandem.signer.sign.IncrementalSigner;
import org.tandem.signer.sign.RrsetChange;
import org.tandem.signer.sign.SignedZoneState;
import org.tandem.signer.sign.SigningKey;
import org.tandem.signer.sign.SigningPolicy;
import org.tandem.signer.sign.SigningPolicyFile;
import org.tandem.signer.zone.UnsignedZone;
import org.tandem.signer.zone.ZoneLoader;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code signerctl bench-incremental} (hidden; run through {@code bench/sign-vs-peers}): loads a
 * signed zone and its unsigned zone once (the signed one is checked by the full gate once, which
 * the incremental gate builds on), then per round changes one delegation — odd rounds replace the
 * NS and DS of a random existing delegation, even rounds add a new secure delegation — and times
 * only the in-memory step: the incremental re-sign with the zone's keys on the HSM (proven first, as
 * for {@code sign}) plus the incremental gate. Nothing is written.
 */
@Command(
        name = "bench-incremental",
        hidden = true,
        description = "Time one-delegation incremental re-signs + incremental gate on a loaded signed zone.")
public final class BenchIncrementalCommand implements Callable<Integer> {
    @Mixin
    HostOptions options;

    @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "zone apex")
    String zone;

    @Option(names = "--signed", required = true, paramLabel = "SIGNED", description = "the signed zone file")
    Path signed;

    @Option(names = "--unsigned", required = true, paramLabel = "UNSIGNED", description = "its unsigned master file")
    Path unsigned;

    @Option(names = "--rounds", defaultValue = "10", description = "rounds (one changed delegation each)")
    int rounds;

    @Option(
            names = "--hsm",
            paramLabel = "NAME",
            description = "HSM to sign with (default: the first in the configuration)")
    String hsm;

    @Option(
            names = "--policy",
            paramLabel = "FILE",
            description = "signing policy (YAML) for validity, refresh, "
                    + "threads; denial and ZONEMD are taken from the signed zone")
    Path policyFile;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds must be at least 1");
        }
        ZoneName z = ZoneName.of(zone);
        Name apex = z.name();
        try (Session s = Session.open(options, "bench-incremental")) {
            List<SigningKey> keys = s.provenKeys(z, s.hsmId(hsm));
            return rounds(out, err, z, apex, keys);
        }
    }

    private int rounds(PrintWriter out, PrintWriter err, ZoneName z, Name apex, List<SigningKey> keys)
            throws Exception {
        long t0 = System.nanoTime();
        UnsignedZone source = ZoneLoader.load(unsigned, z);
        List<Name> delegations = new ArrayList<>();
        for (Record r : source.records()) {
            if (r.getType() == Type.NS
                    && !r.getName().equals(apex)
                    && (delegations.isEmpty()
                            || !delegations.get(delegations.size() - 1).equals(r.getName()))) {
                delegations.add(r.getName().canonicalize());
            }
        }
        if (delegations.isEmpty()) {
            throw new IllegalArgumentException(unsigned + ": no delegation to change");
        }
        List<Record> records = SignedZoneFile.read(signed, apex);
        SignedZoneState state = SignedZoneState.of(z, records);
        SigningPolicy base = policyFile != null ? SigningPolicyFile.load(policyFile) : SigningPolicy.defaults();
        SigningPolicy policy =
                state.nsec3().map(base::withNsec3).orElse(base.withNsec()).withZonemd(state.hasZonemd());
        err.printf(
                "loaded %s: %,d records, %,d signatures, %,d delegations in %.1f s; full gate once ...%n",
                z, records.size(), state.signatures(), delegations.size(), (System.nanoTime() - t0) / 1e9);
        err.flush();
        long t1 = System.nanoTime();
        IncrementalGate gate = IncrementalGate.open(GatePolicy.defaults(), apex, records, Instant.now());
        records = null; // the state and the gate keep their own copies
        err.printf("full gate passed in %.1f s%n", (System.nanoTime() - t1) / 1e9);
        err.flush();
        IncrementalSigner signer = new IncrementalSigner();
        SecureRandom random = new SecureRandom();
        List<Double> ms = new ArrayList<>();
        List<Map<String, Object>> detail = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            Name d = round % 2 == 1
                    ? delegations.get(random.nextInt(delegations.size()))
                    : new Name("bench-incremental-" + round + "-" + Integer.toHexString(random.nextInt()), apex);
            byte[] digest = new byte[32];
            random.nextBytes(digest);
            List<RrsetChange> change = List.of(
                    RrsetChange.replace(
                            d,
                            Type.NS,
                            List.of(
                                    new NSRecord(d, DClass.IN, 3600, new Name("ns1.bench-" + round + ".example.")),
                                    new NSRecord(d, DClass.IN, 3600, new Name("ns2.bench-" + round + ".example.")))),
                    RrsetChange.replace(
                            d,
                            Type.DS,
                            List.of(new DSRecord(d, DClass.IN, 3600, random.nextInt(65536), 13, 2, digest))));
            Instant now = Instant.now();
            long a = System.nanoTime();
            IncrementalResult r = signer.apply(state, change, keys, policy, now);
            GateVerdict v = gate.check(r.removed(), r.added(), now);
            double took = (System.nanoTime() - a) / 1e6;
            if (!v.passed()) {
                state.rollback();
                throw new IllegalStateException(
                        "round " + round + ": the incremental gate refused the change to " + d + ":\n" + v.summary());
            }
            state.commit();
            ms.add(took);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("round", round);
            m.put("delegation", d.toString());
            m.put("ms", took);
            m.put("signatures_made", r.signaturesMade());
            m.put("signatures_reused", r.signaturesReused());
            m.put("gate_signatures_verified", v.signaturesVerified());
            detail.add(m);
            if (!options.json()) {
                out.printf(
                        "round %d: %s %s: %.1f ms (made %d, reused %,d signatures; gate verified %d)%n",
                        round,
                        round % 2 == 1 ? "changed" : "added",
                        d,
                        took,
                        r.signaturesMade(),
                        r.signaturesReused(),
                        v.signaturesVerified());
                out.flush();
            }
        }
        double median = median(ms);
        if (options.json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("zone", z.toString());
            m.put("rounds", ms);
            m.put("median_ms", median);
            m.put("detail", detail);
            Output.json(out, m);
        } else {
            out.printf("median %.1f ms over %d rounds (re-sign + incremental gate, in memory)%n", median, rounds);
        }
        out.flush();
        return ExitCode.OK.code();
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
