package org.tandem.cli.sign;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tandem.cli.ExitCode;
import org.tandem.cli.Output;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.gate.GateFailure;
import org.tandem.signer.gate.GatePolicy;
import org.tandem.signer.gate.GateVerdict;
import org.tandem.signer.gate.ValidationGate;
import org.tandem.signer.publish.SignedZoneFile;
import org.xbill.DNS.Type;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code signerctl verify}: the validation gate on a signed zone file; exit 0 only when it validates. */
@Command(
        name = "verify",
        description = "Validate a signed zone file with the independent gate: every RRSIG against the DNSKEY RRset as "
                + "published, the NSEC/NSEC3 chain, validity windows, ZONEMD. Exit 0 only when it validates.")
public final class VerifyCommand implements Callable<Integer> {
    @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "zone apex")
    String zone;

    @Option(names = "--input", required = true, paramLabel = "SIGNED", description = "the signed zone file")
    Path input;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ZoneName z = ZoneName.of(zone);
        GateVerdict v = new ValidationGate(GatePolicy.defaults())
                .verify(z.name(), SignedZoneFile.read(input, z.name()), Instant.now());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("zone", z.toString());
            m.put("valid", v.passed());
            m.put("rrsets_checked", v.rrsetsChecked());
            m.put("signatures_verified", v.signaturesVerified());
            m.put(
                    "earliest_expiration",
                    v.earliestExpiration().map(Object::toString).orElse(null));
            m.put("failure_count", v.failureCount());
            m.put("failures", v.failures().stream().map(VerifyCommand::failure).toList());
            Output.json(out, m);
        } else {
            out.println(
                    v.passed()
                            ? "zone " + z + " validates: " + v.rrsetsChecked() + " RRsets, " + v.signaturesVerified()
                                    + " signatures verified in " + v.elapsed().toMillis() + " ms; earliest expiry "
                                    + v.earliestExpiration()
                                            .map(Object::toString)
                                            .orElse("-")
                            : v.summary());
            out.flush();
        }
        return v.passed() ? ExitCode.OK.code() : ExitCode.INVALID_ZONE.code();
    }

    private static Map<String, Object> failure(GateFailure f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("owner", f.owner().toString());
        m.put("type", Type.string(f.type()));
        m.put("key_tag", f.keyTag().map(t -> t.value()).orElse(null));
        m.put("fingerprint", f.fingerprint().map(fp -> fp.hex()).orElse(null));
        m.put("reason", f.reason().name().toLowerCase(Locale.ROOT));
        m.put("detail", f.detail());
        return m;
    }
}
