package org.tandem.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tandem.keysync.KeySyncException;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.proof.KeySetReport;
import org.tandem.signer.SigningRun;
import org.tandem.signer.gate.GatePolicy;
import org.tandem.signer.gate.ValidationGate;
import org.tandem.signer.nsec.Nsec3Parameters;
import org.tandem.signer.sign.SerialPolicy;
import org.tandem.signer.sign.SigningKey;
import org.tandem.signer.sign.SigningPolicy;
import org.tandem.signer.sign.SigningPolicyFile;
import org.tandem.signer.sign.ZoneSigner;
import org.tandem.signer.zone.UnsignedZone;
import org.tandem.signer.zone.ZoneLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code signerctl sign}: one offline signing run with the zone's keys from one HSM, which must hold
 * the manifest's key set proven first. The output is written only after the validation gate passed.
 */
@Command(name = "sign", description = "Sign a zone with its keys from an HSM: prove the HSM holds the manifest's keys, "
        + "run the capability canary, sign, validate with the independent gate, then write the output atomically.")
final class SignCommand implements Callable<Integer> {
    @Mixin
    KeyOptions options;

    @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "zone apex")
    String zone;

    @Option(names = "--input", required = true, paramLabel = "UNSIGNED", description = "the unsigned master file")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "SIGNED", description = "the signed zone file to write")
    Path output;

    @Option(names = "--hsm", paramLabel = "NAME", description = "HSM to sign with (default: the first in the configuration)")
    String hsm;

    @Option(names = "--nsec3", description = "NSEC3 (iterations 0, empty salt, RFC 9276) instead of NSEC")
    boolean nsec3;

    @Option(names = "--opt-out", description = "with --nsec3: opt-out for insecure delegations")
    boolean optOut;

    @Option(names = "--serial", paramLabel = "POLICY",
            description = "SOA serial policy: INCREMENT (default), UNIXTIME, DATESERIAL (never backwards)")
    SerialPolicy serial;

    @Option(names = "--policy", paramLabel = "FILE", description = "signing policy (YAML): validity, refresh, "
            + "inception-offset, jitter, dnskey-ttl, denial, opt-out, serial, zonemd, threads; options given here win")
    Path policyFile;

    @Option(names = "--zonemd", description = "add a ZONEMD record (RFC 8976, SHA-384)")
    boolean zonemd;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (optOut && !nsec3) {
            throw new IllegalArgumentException("--opt-out needs --nsec3");
        }
        ZoneName z = ZoneName.of(zone);
        UnsignedZone unsigned = ZoneLoader.load(input, z);
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
            HsmId on = hsm == null ? s.config.hsms().get(0).name() : s.config.hsm(hsm).name();
            Pkcs11Hsm signingHsm = s.hsms.stream().filter(h -> h.id().equals(on)).findFirst().orElseThrow();
            List<SigningKey> keys = keysProvenOn(s, z, signingHsm);
            ZoneSigner signer = new ZoneSigner((done, total, sigs) -> {
                if (total > 50_000) {
                    err.printf("signing %s: %d/%d RRsets, %d signatures%n", z, done, total, sigs);
                    err.flush();
                }
            }, ZoneSigner.DEFAULT_PROGRESS_INTERVAL);
            SigningRun.Result r = new SigningRun(signer, new ValidationGate(GatePolicy.defaults()))
                    .run(unsigned, keys, policy, Instant.now(), output);
            if (options.json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("zone", z.toString());
                m.put("serial", r.signed().serial());
                m.put("output", output.toAbsolutePath().toString());
                m.put("rrsets_signed", r.signed().signedRrsets());
                m.put("signatures", r.signed().signatures());
                m.put("signing_seconds", r.signed().elapsed().toMillis() / 1000.0);
                m.put("gate_seconds", r.verdict().elapsed().toMillis() / 1000.0);
                m.put("signatures_verified", r.verdict().signaturesVerified());
                m.put("earliest_expiration", r.verdict().earliestExpiration().map(Object::toString).orElse(null));
                Output.json(out, m);
            } else {
                out.printf("signed %s serial %d with %d key(s) on %s: %d RRsets, %d signatures in %.1f s%n", z,
                        r.signed().serial(), keys.size(), on, r.signed().signedRrsets(), r.signed().signatures(),
                        r.signed().elapsed().toMillis() / 1000.0);
                out.printf("validation gate passed: %d signatures verified in %.1f s; earliest expiry %s%n",
                        r.verdict().signaturesVerified(), r.verdict().elapsed().toMillis() / 1000.0,
                        r.verdict().earliestExpiration().map(Object::toString).orElse("-"));
                out.printf("wrote %s%n", output.toAbsolutePath());
                out.flush();
            }
            return ExitCode.OK.code();
        }
    }

    /**
     * The manifest's signing keys as objects on the chosen HSM, after proving that this HSM holds
     * exactly the manifest's key set: a node signs only while key-synced.
     */
    private static List<SigningKey> keysProvenOn(Session s, ZoneName zone, Pkcs11Hsm hsm) throws KeySyncException {
        ZoneKeySet manifest = s.keySync.manifest(zone);
        if (manifest.live().isEmpty()) {
            throw new org.tandem.keysync.NoManifestException(zone);
        }
        KeySetReport report = new org.tandem.keysync.proof.KeySetVerifier(java.time.Clock.systemUTC(),
                new java.security.SecureRandom()).verify(manifest, List.of(hsm));
        if (!report.keySynced()) {
            throw new NotKeySyncedException(report);
        }
        List<HsmKey> onHsm = hsm.list(zone);
        List<SigningKey> keys = new ArrayList<>();
        for (ZoneKeySet.Entry e : manifest.live()) {
            if (e.state() == KeyState.RETIRED) {
                continue;
            }
            HsmKey k = onHsm.stream().filter(h -> h.fingerprint().filter(e.key().fingerprint()::equals).isPresent())
                    .findFirst().orElseThrow();
            keys.add(new SigningKey(e.key(), hsm, k.ref()));
        }
        return keys;
    }

    /** Refused: the signing HSM does not hold the manifest's key set, proven. */
    static final class NotKeySyncedException extends KeySyncException {
        private static final long serialVersionUID = 1L;

        NotKeySyncedException(KeySetReport report) {
            super("refusing to sign " + report.zone() + ": HSM " + report.hsms().get(0)
                    + " does not hold the manifest's key set, proven:\n  "
                    + String.join("\n  ", report.problems().stream().map(c -> c.describe() + "; fix: " + c.fix()).toList()));
        }
    }
}
