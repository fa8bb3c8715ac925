package org.tandem.cli.sign;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.tandem.cli.ExitCode;
import org.tandem.cli.Output;
import org.tandem.cli.host.HostOptions;
import org.tandem.cli.host.Session;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.IncrementalSigningRun;
import org.tandem.signer.gate.GatePolicy;
import org.tandem.signer.gate.ValidationGate;
import org.tandem.signer.nsec.Nsec3Parameters;
import org.tandem.signer.sign.SerialPolicy;
import org.tandem.signer.sign.SigningKey;
import org.tandem.signer.sign.SigningPolicy;
import org.tandem.signer.sign.SigningPolicyFile;
import org.tandem.signer.sign.ZoneSigner;
import org.tandem.signer.zone.UnsignedZone;
import org.tandem.signer.zone.ZoneLimits;
import org.tandem.signer.zone.ZoneLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code signerctl sign}: one offline signing run with the zone's keys from one HSM, which must hold
 * the manifest's key set proven first. The output is written only after the validation gate passed.
 */
@Command(
        name = "sign",
        description = "Sign a zone with its keys from an HSM: prove the HSM holds the manifest's keys, run the "
                + "capability canary, sign (incrementally when the output exists and was signed by the same keys), "
                + "validate with the independent gate, then write the output atomically.")
public final class SignCommand implements Callable<Integer> {
    /** Zones above this many records get a progress line per stage on stderr. */
    private static final int PROGRESS_MIN_RECORDS = 50_000;

    @Mixin
    HostOptions options;

    @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "zone apex")
    String zone;

    @Option(names = "--input", required = true, paramLabel = "UNSIGNED", description = "the unsigned master file")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "SIGNED", description = "the signed zone file to write")
    Path output;

    @Option(
            names = "--hsm",
            paramLabel = "NAME",
            description = "HSM to sign with (default: the first in the configuration)")
    String hsm;

    @Option(names = "--nsec3", description = "NSEC3 (iterations 0, empty salt, RFC 9276) instead of NSEC")
    boolean nsec3;

    @Option(names = "--opt-out", description = "with --nsec3: opt-out for insecure delegations")
    boolean optOut;

    @Option(
            names = "--serial",
            paramLabel = "POLICY",
            description = "SOA serial policy: INCREMENT (default), UNIXTIME, DATESERIAL (never backwards)")
    SerialPolicy serial;

    @Option(
            names = "--policy",
            paramLabel = "FILE",
            description =
                    "signing policy (YAML): validity, refresh, inception-offset, jitter, dnskey-ttl, denial, opt-out, "
                            + "serial, zonemd, threads; options given here win")
    Path policyFile;

    @Option(names = "--zonemd", description = "add a ZONEMD record (RFC 8976, SHA-384)")
    boolean zonemd;

    @Option(
            names = "--full",
            description = "sign everything anew even when the output file exists and was signed "
                    + "by the same keys (the default then is an incremental re-sign that reuses valid signatures)")
    boolean full;

    @Option(
            names = "--max-file-size",
            paramLabel = "SIZE",
            converter = SizeConverter.class,
            description = "the largest unsigned file read, like 1048576, 512m or 2g (default: 1g, as "
                    + "zone-limits.max-file-size in node.yaml)")
    long maxFileBytes = ZoneLimits.DEFAULT_MAX_FILE_BYTES;

    @Option(
            names = "--max-records",
            paramLabel = "N",
            description = "the most records the unsigned zone may hold (default: 20000000, as zone-limits.max-records)")
    long maxRecords = ZoneLimits.DEFAULT_MAX_RECORDS;

    @Spec
    CommandSpec spec;

    /** {@code --max-file-size}: a size as in node.yaml. */
    static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return ZoneLimits.parseSize(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (optOut && !nsec3) {
            throw new IllegalArgumentException("--opt-out needs --nsec3");
        }
        ZoneName z = ZoneName.of(zone);
        long loadStarted = System.nanoTime();
        if (maxRecords < 1) {
            throw new IllegalArgumentException("--max-records must be at least 1, got " + maxRecords);
        }
        ZoneLimits limits = ZoneLimits.defaults().withMaxFileBytesAndRecords(maxFileBytes, maxRecords);
        UnsignedZone unsigned = ZoneLoader.load(input, z, limits);
        // a line per long stage on the terminal (stderr) for a zone where they take seconds
        boolean large = unsigned.records().size() > PROGRESS_MIN_RECORDS;
        Consumer<String> stage = line -> {
            if (large) {
                err.println(line);
                err.flush();
            }
        };
        stage.accept(String.format(
                "loaded %s from %s: %,d records in %.1f s",
                z, input, unsigned.records().size(), (System.nanoTime() - loadStarted) / 1e9));
        SigningPolicy policy = policyFile != null ? SigningPolicyFile.load(policyFile) : SigningPolicy.defaults();
        if (serial != null) {
            policy = policy.withSerial(serial);
        }
        if (zonemd) {
            policy = policy.withZonemd(true);
        }
        if (nsec3) {
            policy = policy.withNsec3(Nsec3Parameters.DEFAULT.withOptOut(optOut));
        }
        try (Session s = Session.open(options, "sign")) {
            HsmId on = s.hsmId(hsm);
            List<SigningKey> keys = s.provenKeys(z, on);
            ZoneSigner signer = new ZoneSigner(
                    (done, total, sigs) -> {
                        if (large) {
                            err.printf("signing %s: %d/%d RRsets, %d signatures%n", z, done, total, sigs);
                            err.flush();
                        }
                    },
                    ZoneSigner.DEFAULT_PROGRESS_INTERVAL);
            IncrementalSigningRun.Result r = new IncrementalSigningRun(
                            signer, new ValidationGate(GatePolicy.defaults()), stage)
                    .run(unsigned, keys, policy, Instant.now(), output, full);
            if (options.json()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("zone", z.toString());
                m.put("serial", r.signed().serial());
                m.put("output", output.toAbsolutePath().toString());
                m.put("mode", r.incremental() ? "incremental" : "full");
                m.put("full_reason", r.fullReason().orElse(null));
                m.put("rrsets_signed", r.signed().signedRrsets());
                m.put("signatures", r.signed().signatures());
                m.put("signatures_made", r.signaturesMade());
                m.put("signatures_reused", r.signaturesReused());
                m.put("signing_seconds", r.signed().elapsed().toMillis() / 1000.0);
                m.put("gate_seconds", r.verdict().elapsed().toMillis() / 1000.0);
                m.put("signatures_verified", r.verdict().signaturesVerified());
                m.put(
                        "earliest_expiration",
                        r.verdict().earliestExpiration().map(Object::toString).orElse(null));
                Output.json(out, m);
            } else {
                if (r.incremental()) {
                    out.printf(
                            "re-signed %s incrementally, serial %d, with %d key(s) on %s: reused %,d signatures, "
                                    + "made %,d (%d RRsets) in %.1f s%n",
                            z,
                            r.signed().serial(),
                            keys.size(),
                            on,
                            r.signaturesReused(),
                            r.signaturesMade(),
                            r.signed().signedRrsets(),
                            r.signed().elapsed().toMillis() / 1000.0);
                } else {
                    out.printf(
                            "signed %s serial %d with %d key(s) on %s: %d RRsets, %d signatures in %.1f s (full sign: "
                                    + "%s)%n",
                            z,
                            r.signed().serial(),
                            keys.size(),
                            on,
                            r.signed().signedRrsets(),
                            r.signed().signatures(),
                            r.signed().elapsed().toMillis() / 1000.0,
                            r.fullReason().orElse(""));
                }
                out.printf(
                        "validation gate passed: %d signatures verified in %.1f s; earliest expiry %s%n",
                        r.verdict().signaturesVerified(),
                        r.verdict().elapsed().toMillis() / 1000.0,
                        r.verdict().earliestExpiration().map(Object::toString).orElse("-"));
                out.printf("wrote %s%n", output.toAbsolutePath());
                out.flush();
            }
            return ExitCode.OK.code();
        }
    }
}
