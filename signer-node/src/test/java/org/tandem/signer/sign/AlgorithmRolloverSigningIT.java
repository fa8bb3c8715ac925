package org.tandem.signer.sign;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.testing.Prerequisites;

/**
 * ldns-verify-zone accepts every kind of zone version an algorithm rollover from 13 to 14 publishes (RFC 6781
 * §4.1.4): the new keys' RRSIGs before their DNSKEY, both algorithms, the old keys' RRSIGs after their DNSKEY
 * left.
 */
class AlgorithmRolloverSigningIT {
    @TempDir
    Path dir;

    @Test
    void ldnsVerifyZoneAcceptsThePreActiveTheDoubleAndThePostActiveVersions() throws Exception {
        Prerequisites.requireTool("ldns-verify-zone", "ldnsutils");
        Instant now = Instant.now();
        for (AlgorithmRolloverZones.Phase phase : new AlgorithmRolloverZones(new InMemoryHsm("dc1-hsm1")).phases()) {
            SignedZone signed = AlgorithmRolloverZones.sign(phase, now);
            Path file = OutsideValidators.write(dir.resolve(phase.name() + ".zone"), signed.records());
            OutsideValidators.Verdict ldns = OutsideValidators.run(List.of("ldns-verify-zone", file.toString()));
            System.out.println("== " + phase.name() + "\n" + ldns);
            assertThat(ldns.exitCode()).as(phase.name() + "\n" + ldns).isZero();
        }
    }
}
