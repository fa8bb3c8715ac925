package org.tandem.signer;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.gate.GateVerdict;
import org.tandem.signer.gate.ValidationGate;
import org.tandem.signer.publish.AtomicZoneFile;
import org.tandem.signer.publish.SignedZoneFile;
import org.tandem.signer.sign.SignedZone;
import org.tandem.signer.sign.SigningKey;
import org.tandem.signer.sign.SigningPolicy;
import org.tandem.signer.sign.ZoneSigner;
import org.tandem.signer.zone.UnsignedZone;

/**
 * One offline signing run: sign (the capability canary first), pass the independent validation
 * gate, then write the output atomically. The serial continues from the previous output file and
 * never goes backwards. Nothing is written unless the gate passed (INV-D1, INV-D7).
 */
public final class SigningRun {
    /** What a run produced. */
    public record Result(SignedZone signed, GateVerdict verdict, Path output) {}

    private final ZoneSigner signer;
    private final ValidationGate gate;
    private final Consumer<String> stages;

    public SigningRun(ZoneSigner signer, ValidationGate gate) {
        this(signer, gate, stage -> {});
    }

    /**
     * @param stages told, in a line each, when the run starts validating and when it starts writing (the
     *     two long stages after signing, which reports its own progress): for a terminal
     */
    public SigningRun(ZoneSigner signer, ValidationGate gate, Consumer<String> stages) {
        this.signer = Objects.requireNonNull(signer, "signer");
        this.gate = Objects.requireNonNull(gate, "gate");
        this.stages = Objects.requireNonNull(stages, "stages");
    }

    public Result run(UnsignedZone zone, List<SigningKey> keys, SigningPolicy policy, Instant now, Path output)
            throws SigningException {
        long previous = SignedZoneFile.serial(output, zone.origin().name())
                .orElse(zone.soa().getSerial());
        SignedZone signed = signer.sign(zone, keys, policy, now, previous);
        stages.accept(validating(zone.origin(), signed.records().size(), signed.signatures()));
        GateVerdict verdict;
        try {
            verdict = gate.verify(zone.origin().name(), signed.records(), now, signed.unpublishedSigners());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SigningException("interrupted while validating " + zone.origin(), e);
        }
        verdict.requirePassed();
        stages.accept(writing(zone.origin(), verdict, output));
        AtomicZoneFile.write(
                output,
                "zone " + zone.origin() + " serial " + signed.serial() + ", signed by Tandem at " + now + " from "
                        + zone.source() + "; validated: " + verdict.signaturesVerified() + " signatures",
                signed.records());
        return new Result(signed, verdict, output);
    }

    static String validating(ZoneName zone, int records, long newSignatures) {
        return String.format(
                "validating %s with the independent gate: %,d records, %,d new signatures",
                zone, records, newSignatures);
    }

    static String writing(ZoneName zone, GateVerdict verdict, Path output) {
        return String.format(
                "validated %s: %,d signatures in %.1f s; writing %s",
                zone, verdict.signaturesVerified(), verdict.elapsed().toMillis() / 1000.0, output);
    }
}
