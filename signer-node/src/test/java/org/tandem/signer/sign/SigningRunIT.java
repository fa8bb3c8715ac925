package org.tandem.signer.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.hsm.pkcs11.Pkcs11Hsm;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.SoftHsmTokens;
import org.tandem.signer.SigningException;
import org.tandem.signer.SigningRun;
import org.tandem.signer.gate.GatePolicy;
import org.tandem.signer.gate.GateRefusedException;
import org.tandem.signer.gate.ValidationGate;
import org.tandem.signer.nsec.Nsec3Parameters;
import org.tandem.signer.publish.SignedZoneFile;

/**
 * The whole offline run on a real token: sign, independent gate, atomic write; and that a refused
 * run leaves the last good zone file exactly as it was (INV-D1, INV-D7).
 */
class SigningRunIT {
    private static final ZoneName ZONE = ZoneName.of("example.test.");
    private static Pkcs11Hsm hsm;
    private static List<SigningKey> keys;
    private static HsmKey stray;

    @TempDir
    Path dir;

    @BeforeAll
    static void keysOnAToken() throws Exception {
        hsm = Pkcs11Hsm.open(SoftHsmTokens.shared().allocate("dc1-hsm1"));
        keys = TestZones.kskAndZskOn(hsm, ZONE);
        stray = hsm.generate(new KeySpec(ZoneName.of("stray.test."), KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
    }

    @AfterAll
    static void close() {
        if (hsm != null) {
            hsm.close();
        }
    }

    private static SigningRun run() {
        return new SigningRun(new ZoneSigner(), new ValidationGate(GatePolicy.defaults()));
    }

    @Test
    void signsValidatesWritesAndTheNextRunContinuesTheSerial() throws Exception {
        OutsideValidators.require();
        Path out = dir.resolve("example.test.signed");
        SigningPolicy policy = SigningPolicy.defaults()
                .withNsec3(Nsec3Parameters.DEFAULT.withOptOut(true))
                .withThreads(2);
        Instant now = Instant.now();

        SigningRun.Result first = run().run(TestZones.defects(), keys, policy, now, out);
        SigningRun.Result second = run().run(TestZones.defects(), keys, policy, now.plusSeconds(60), out);

        assertThat(first.verdict().passed()).isTrue();
        assertThat(SerialPolicy.isGreater(
                        second.signed().serial(), first.signed().serial()))
                .isTrue();
        assertThat(SignedZoneFile.serial(out, ZONE.name()))
                .contains(second.signed().serial());
        assertThat(OutsideValidators.all(ZONE.toString(), out))
                .allSatisfy(v -> assertThat(v.exitCode()).as(v.toString()).isZero());
    }

    @Test
    void aGateRefusalWritesNothingAndKeepsTheLastGoodZone() throws Exception {
        Path out = dir.resolve("example.test.signed");
        SigningPolicy policy = SigningPolicy.defaults().withThreads(2);
        run().run(TestZones.defects(), keys, policy, Instant.now(), out);
        byte[] lastGood = Files.readAllBytes(out);

        // signatures valid for 6 hours: the gate wants at least a day left (INV-D3), so it refuses
        SigningPolicy shortLived = policy.withValidity(Duration.ofHours(6), Duration.ofHours(2), Duration.ofHours(1));
        assertThatThrownBy(() -> run().run(TestZones.defects(), keys, shortLived, Instant.now(), out))
                .isInstanceOf(GateRefusedException.class)
                .hasMessageContaining("example.test.");

        assertThat(Files.readAllBytes(out)).isEqualTo(lastGood);
        try (var files = Files.list(dir)) {
            assertThat(files.toList()).containsExactly(out);
        }
    }

    @Test
    void denicAPrivateKeyThatDoesNotMatchThePublishedDnskeyIsStoppedAndNothingIsWritten() throws Exception {
        Path out = dir.resolve("example.test.signed");
        // the published ZSK, but the HSM object that signs is another key pair (DENIC, May 2026)
        List<SigningKey> mismatched =
                List.of(keys.get(0), new SigningKey(keys.get(1).key(), hsm, stray.ref()));

        assertThatThrownBy(
                        () -> run().run(TestZones.defects(), mismatched, SigningPolicy.defaults(), Instant.now(), out))
                .isInstanceOf(SigningException.class)
                .hasMessageContaining(keys.get(1).key().keyTag().toString());

        assertThat(out).doesNotExist();
    }
}
