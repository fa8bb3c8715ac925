package org.tandem.signer.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tandem.keysync.key.ZoneName;
import org.xbill.DNS.Type;

/**
 * The signer on a real SoftHSM2 token (KSK and ZSK generated there), judged by the real outside
 * validators: ldns-verify-zone, BIND's dnssec-verify and Knot's kzonecheck must all accept the
 * signed defect zone (with apex CDS and CDNSKEY for the KSK), for NSEC, NSEC3 and NSEC3 opt-out, with
 * and without ZONEMD.
 */
class ZoneSignerIT {
    private static final ZoneName ZONE = ZoneName.of("example.test.");

    @RegisterExtension
    static final TokenKeys TOKEN = new TokenKeys("dc1-hsm1", ZONE);

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.tandem.signer.sign.TestZones#policies")
    void signedDefectZoneValidatesWithLdnsBindAndKnot(String name, SigningPolicy policy) throws Exception {
        OutsideValidators.require();
        Instant now = Instant.now();
        SignedZone signed = new ZoneSigner()
                .sign(TestZones.defectsWithCds(TOKEN.keys().get(0).key()), TOKEN.keys(), policy, now, 2024010101L);
        assertThat(SignedZones.verifyAll(signed.records(), ZONE.name(), now)).isEqualTo(signed.signatures());

        Path file = OutsideValidators.write(dir.resolve(name + ".zone"), signed.records());
        // ldns-verify-zone 1.8.3 hangs on NSEC3 + ZONEMD + glue (see OutsideValidators.all)
        boolean ldns = !(policy.zonemd() && policy.denial() == Denial.NSEC3);
        List<OutsideValidators.Verdict> verdicts = OutsideValidators.all(ZONE.toString(), file, ldns);
        StringBuilder report = new StringBuilder(
                "== " + name + ": " + signed.records().size() + " records, " + signed.signatures() + " signatures\n");
        verdicts.forEach(v -> report.append(v).append('\n'));
        System.out.println(report);
        assertThat(verdicts)
                .as(report.toString())
                .hasSize(ldns ? 3 : 2)
                .allSatisfy(v -> assertThat(v.exitCode()).isZero());
    }

    @Test
    void tamperedZoneIsRejectedByAllThreeValidators() throws Exception {
        OutsideValidators.require();
        SignedZone signed =
                new ZoneSigner().sign(TestZones.defects(), TOKEN.keys(), SigningPolicy.defaults(), Instant.now(), 1);
        Path file = OutsideValidators.write(dir.resolve("tampered.zone"), signed.records());
        String text = Files.readString(file).replace("192.0.2.10", "192.0.2.11");
        Files.writeString(file, text);
        List<OutsideValidators.Verdict> verdicts = OutsideValidators.all(ZONE.toString(), file);
        System.out.println("== negative control (www A changed after signing)\n"
                + String.join("\n", verdicts.stream().map(Object::toString).toList()));
        assertThat(verdicts).allSatisfy(v -> assertThat(v.exitCode()).isNotZero());
    }

    @Test
    void restenaATokenThatCannotSignOneTypeStopsTheRunNamingTheType() {
        FaultyHsm refusing = new FaultyHsm(TOKEN.hsm(), InMemoryHsm.coveredType(65280), d -> false);
        List<SigningKey> faulty = TOKEN.keys().stream()
                .map(k -> new SigningKey(k.key(), refusing, k.ref()))
                .toList();
        assertThatThrownBy(() ->
                        new ZoneSigner().sign(TestZones.defects(), faulty, SigningPolicy.defaults(), Instant.now(), 1))
                .isInstanceOf(CanaryFailedException.class)
                .hasMessageContaining("record type TYPE65280 (type 65280)")
                .hasMessageContaining("new.example.test.")
                .hasMessageContaining("KSK " + TOKEN.keys().get(0).key().keyTag())
                .hasMessageContaining("on HSM dc1-hsm1")
                .hasMessageContaining("CKR_DATA_INVALID");
    }

    @Test
    void restenaATokenThatSignsOneTypeWronglyStopsTheRunNamingTheType() {
        FaultyHsm wrong = new FaultyHsm(TOKEN.hsm(), d -> false, InMemoryHsm.coveredType(Type.SVCB));
        List<SigningKey> faulty = TOKEN.keys().stream()
                .map(k -> new SigningKey(k.key(), wrong, k.ref()))
                .toList();
        assertThatThrownBy(() ->
                        new ZoneSigner().sign(TestZones.defects(), faulty, SigningPolicy.defaults(), Instant.now(), 1))
                .isInstanceOf(CanaryFailedException.class)
                .hasMessageContaining("record type SVCB (type 64)")
                .hasMessageContaining("svc.example.test.")
                .hasMessageContaining("on HSM dc1-hsm1")
                .hasMessageContaining("does not verify");
    }
}
