package org.tandem.signer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.signer.gate.GateVerdict;
import org.tandem.signer.gate.ValidationGate;
import org.tandem.signer.publish.AtomicZoneFile;
import org.tandem.signer.publish.SignedZoneFile;
import org.tandem.signer.sign.IncrementalResult;
import org.tandem.signer.sign.IncrementalSigner;
import org.tandem.signer.sign.SignedZone;
import org.tandem.signer.sign.SignedZoneState;
import org.tandem.signer.sign.SigningKey;
import org.tandem.signer.sign.SigningPolicy;
import org.tandem.signer.sign.ZoneSigner;
import org.tandem.signer.zone.UnsignedZone;
import org.xbill.DNS.Record;

/**
 * One offline signing run that re-signs incrementally when it can: when the output file exists, is
 * a signed zone of the same keys (the DNSKEY RRset it publishes is exactly the keys') and the policy
 * signs it the same way (denial, NSEC3 parameters, ZONEMD), the previous output is loaded as a
 * {@link SignedZoneState} and only the difference to the new unsigned zone is signed ({@link
 * IncrementalSigner}); otherwise, or when asked, a full {@link SigningRun}.
 *
 * <p>Guarantees as for the full run: the capability canary before anything new is signed (for the
 * record types the zone did not have signed before), the full validation gate over the whole result
 * (the previous file was read from disk, so its reused signatures are verified again here, not
 * trusted), then an atomic write; nothing is written unless the gate passed and the previous file
 * then stays as it was (INV-D1, INV-D7).
 */
public final class IncrementalSigningRun {
    private static final Logger LOG = LoggerFactory.getLogger(IncrementalSigningRun.class);

    /**
     * What a run produced.
     *
     * @param incremental whether the previous output was re-signed incrementally
     * @param fullReason why a full sign was done, when it was
     * @param signaturesMade RRSIGs made on the HSM
     * @param signaturesReused RRSIGs kept from the previous output (0 for a full sign)
     */
    public record Result(
            SignedZone signed,
            GateVerdict verdict,
            Path output,
            boolean incremental,
            Optional<String> fullReason,
            long signaturesMade,
            long signaturesReused) {}

    private final ZoneSigner signer;
    private final ValidationGate gate;
    private final Consumer<String> stages;

    public IncrementalSigningRun(ZoneSigner signer, ValidationGate gate) {
        this(signer, gate, stage -> {});
    }

    /** @param stages as for {@link SigningRun#SigningRun(ZoneSigner, ValidationGate, Consumer)} */
    public IncrementalSigningRun(ZoneSigner signer, ValidationGate gate, Consumer<String> stages) {
        this.signer = Objects.requireNonNull(signer, "signer");
        this.gate = Objects.requireNonNull(gate, "gate");
        this.stages = Objects.requireNonNull(stages, "stages");
    }

    /**
     * @param full sign in full even when the previous output could be re-signed incrementally
     */
    public Result run(
            UnsignedZone zone, List<SigningKey> keys, SigningPolicy policy, Instant now, Path output, boolean full)
            throws SigningException {
        Optional<String> reason = full ? Optional.of("--full") : Optional.empty();
        SignedZoneState state = null;
        if (reason.isEmpty() && !Files.exists(output)) {
            reason = Optional.of("no previous output");
        }
        if (reason.isEmpty()) {
            try {
                state = SignedZoneState.of(
                        zone.origin(), SignedZoneFile.read(output, zone.origin().name()));
            } catch (SigningException e) {
                reason = Optional.of("the previous output is not a signed zone (" + e.getMessage() + ")");
            }
        }
        if (state != null && !state.compatibleWith(policy)) {
            reason = Optional.of("the policy changes the denial or ZONEMD");
        }
        if (state != null
                && reason.isEmpty()
                && !rdata(state.dnskeys()).equals(rdata(SigningKey.dnskeys(keys, policy.dnskeyTtl())))) {
            reason = Optional.of("the previous output was signed by other keys");
        }
        if (reason.isPresent()) {
            LOG.info("zone={} event=full-sign reason=\"{}\"", zone.origin(), reason.get());
            SigningRun.Result r = new SigningRun(signer, gate, stages).run(zone, keys, policy, now, output);
            return new Result(
                    r.signed(), r.verdict(), output, false, reason, r.signed().signatures(), 0);
        }
        IncrementalResult inc = new IncrementalSigner().resign(state, zone, keys, policy, now);
        List<Record> records = state.records();
        stages.accept(SigningRun.validating(zone.origin(), records.size(), inc.signaturesMade()));
        GateVerdict verdict;
        try {
            verdict = gate.verify(
                    zone.origin().name(), records, now, SigningKey.unpublishedSigners(keys, policy.dnskeyTtl()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SigningException("interrupted while validating " + zone.origin(), e);
        }
        verdict.requirePassed();
        stages.accept(SigningRun.writing(zone.origin(), verdict, output));
        AtomicZoneFile.write(
                output,
                "zone " + zone.origin() + " serial " + inc.serial() + ", re-signed incrementally "
                        + "by Tandem at " + now + " from " + zone.source() + " (" + inc.signaturesMade()
                        + " signatures made, "
                        + inc.signaturesReused() + " reused); validated: " + verdict.signaturesVerified()
                        + " signatures",
                records);
        state.commit();
        SignedZone signed = new SignedZone(
                zone.origin(),
                inc.serial(),
                records,
                inc.rrsetsSigned(),
                inc.signaturesMade(),
                inc.elapsed(),
                SigningKey.unpublishedSigners(keys, policy.dnskeyTtl()));
        return new Result(
                signed, verdict, output, true, Optional.empty(), inc.signaturesMade(), inc.signaturesReused());
    }

    private static Set<String> rdata(List<Record> records) {
        return records.stream().map(Record::rdataToString).collect(Collectors.toSet());
    }
}
