package org.tandem.signer.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.nsec.Nsec3Parameters;
import org.tandem.signer.zone.UnsignedZone;
import org.xbill.DNS.Type;

class CapabilityCanaryTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");
    private static final ZoneName ZONE = ZoneName.of("example.test.");

    private final InMemoryHsm hsm = new InMemoryHsm("dc2-hsm1");

    private List<SigningKey> keys() throws Exception {
        return TestZones.kskAndZsk(hsm, ZONE, Algorithm.ECDSAP256SHA256);
    }

    @Test
    void signsAndVerifiesEveryTypeOfTheZoneAndEveryTypeTheSignerAddsWithEveryKey() throws Exception {
        CanaryReport report = CapabilityCanary.check(
                TestZones.defects(), keys(), SigningPolicy.defaults().withZonemd(true), NOW);
        assertThat(report.types())
                .containsExactly(
                        Type.A,
                        Type.NS,
                        Type.SOA,
                        Type.MX,
                        Type.TXT,
                        Type.AAAA,
                        Type.DS,
                        Type.NSEC,
                        Type.DNSKEY,
                        Type.TLSA,
                        Type.ZONEMD,
                        Type.SVCB,
                        Type.HTTPS,
                        Type.CAA,
                        65280);
        assertThat(report.signatures()).isEqualTo(report.types().size() * 2);

        CanaryReport nsec3 = CapabilityCanary.check(
                TestZones.defects(), keys(), SigningPolicy.defaults().withNsec3(Nsec3Parameters.DEFAULT), NOW);
        assertThat(nsec3.types()).contains(Type.NSEC3, Type.NSEC3PARAM).doesNotContain(Type.NSEC, Type.ZONEMD);
    }

    @Test
    void restenaAnHsmThatCannotSignANewTypeStopsTheRunBeforeAnythingIsSigned() throws Exception {
        List<SigningKey> keys = keys();
        hsm.failWhen(InMemoryHsm.coveredType(65280));
        assertThatThrownBy(() -> new ZoneSigner().sign(TestZones.defects(), keys, SigningPolicy.defaults(), NOW, 1))
                .isInstanceOf(CanaryFailedException.class)
                .hasMessageContaining("capability canary failed for zone example.test.")
                .hasMessageContaining("record type TYPE65280 (type 65280)")
                .hasMessageContaining("new.example.test.")
                .hasMessageContaining(" " + keys.get(0).key().keyTag() + " fp "
                        + keys.get(0).key().fingerprint().shortHex())
                .hasMessageContaining("on HSM dc2-hsm1")
                .hasMessageContaining("nothing was signed")
                .satisfies(e -> {
                    CanaryFailedException c = (CanaryFailedException) e;
                    assertThat(c.type()).isEqualTo(65280);
                    assertThat(c.hsm()).hasValue(hsm.id());
                    assertThat(c.key()).hasValue(keys.get(0).key());
                });
        assertThat(hsm.signatures()).isLessThan(40); // the canary's few, none of the run's
    }

    @Test
    void aSignatureThatDoesNotVerifyForOneTypeStopsTheRunNamingIt() throws Exception {
        List<SigningKey> keys = keys();
        hsm.corruptWhen(InMemoryHsm.coveredType(Type.CAA));
        assertThatThrownBy(() -> new ZoneSigner().sign(TestZones.defects(), keys, SigningPolicy.defaults(), NOW, 1))
                .isInstanceOf(CanaryFailedException.class)
                .hasMessageContaining("record type CAA (type 257)")
                .hasMessageContaining("does not verify against the DNSKEY");
    }

    @Test
    void denicAPrivateKeyThatDoesNotMatchItsDnskeyIsCaughtAtTheFirstType() throws Exception {
        List<SigningKey> keys = keys();
        HsmKey real = hsm.generate(new KeySpec(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256));
        HsmKey wrong = hsm.generateMismatched(
                new KeySpec(ZONE, KeyRole.ZSK, Algorithm.ECDSAP256SHA256),
                real.publicKey().orElseThrow());
        List<SigningKey> mismatched =
                List.of(keys.get(0), new SigningKey(real.publicKey().orElseThrow(), hsm, wrong.ref()));
        assertThatThrownBy(() -> CapabilityCanary.check(TestZones.defects(), mismatched, SigningPolicy.defaults(), NOW))
                .isInstanceOf(CanaryFailedException.class)
                .hasMessageContaining("record type A (type 1)")
                .hasMessageContaining("ZSK " + real.publicKey().orElseThrow().keyTag())
                .hasMessageContaining("does not verify");
    }

    @Test
    void aTypeTheSignerRefusesIsNamedWithoutAKey() throws Exception {
        UnsignedZone zone =
                TestZones.parse("example.test.", TestZones.DEFECTS + "www 300 IN NSEC zz.example.test. A\n");
        assertThatThrownBy(() -> CapabilityCanary.check(zone, keys(), SigningPolicy.defaults(), NOW))
                .isInstanceOf(CanaryFailedException.class)
                .hasMessageContaining("record type NSEC (type 47)")
                .hasMessageContaining("by the signer")
                .satisfies(e -> assertThat(((CanaryFailedException) e).key()).isEmpty());
    }
}
