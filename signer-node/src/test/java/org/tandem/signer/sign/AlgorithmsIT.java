package org.tandem.signer.sign;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.signer.gate.GatePolicy;
import org.tandem.signer.gate.GateVerdict;
import org.tandem.signer.gate.ValidationGate;
import org.xbill.DNS.RRSIGRecord;

/**
 * Every algorithm the policy may name (8 RSA/SHA-256, 13 P-256, 14 P-384, 15 Ed25519): a KSK and a ZSK
 * generated on a SoftHSM2 token, the defect zone signed there, accepted by the validation gate (its
 * own crypto) and by ldns-verify-zone, BIND's dnssec-verify and Knot's kzonecheck.
 */
class AlgorithmsIT {
    private static final ZoneName ZONE = ZoneName.of("example.test.");

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void zoneSignedOnTheTokenIsAcceptedByTheGateAndTheOutsideValidators(Algorithm alg) throws Exception {
        OutsideValidators.require();
        try (Pkcs11Hsm hsm = Pkcs11Hsm.open(SoftHsmTokens.shared().allocate("dc1-hsm1"))) {
            HsmKey ksk = hsm.generate(new KeySpec(ZONE, KeyRole.KSK, alg));
            HsmKey zsk = hsm.generate(new KeySpec(ZONE, KeyRole.ZSK, alg));
            List<SigningKey> keys = List.of(
                    new SigningKey(ksk.publicKey().orElseThrow(), hsm, ksk.ref()),
                    new SigningKey(zsk.publicKey().orElseThrow(), hsm, zsk.ref()));
            Instant now = Instant.now();
            SignedZone signed = new ZoneSigner()
                    .sign(TestZones.defectsWithCds(keys.get(0).key()), keys, SigningPolicy.defaults(), now, 1);
            assertThat(signed.records())
                    .filteredOn(r -> r instanceof RRSIGRecord)
                    .isNotEmpty()
                    .allSatisfy(
                            r -> assertThat(((RRSIGRecord) r).getAlgorithm()).isEqualTo(alg.number()));

            GateVerdict verdict = new ValidationGate(GatePolicy.defaults()).verify(ZONE.name(), signed.records(), now);
            assertThat(verdict.passed()).as(verdict.toString()).isTrue();

            Path file = OutsideValidators.write(dir.resolve(alg.number() + ".zone"), signed.records());
            List<OutsideValidators.Verdict> verdicts = OutsideValidators.all(ZONE.toString(), file);
            assertThat(verdicts)
                    .as(verdicts.toString())
                    .hasSize(3)
                    .allSatisfy(v -> assertThat(v.exitCode()).isZero());
        }
    }
}
