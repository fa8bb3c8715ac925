package org.tandem.signer.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.tandem.signer.gate.TestSigner.NOW;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.InvalidKeySpecException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tandem.signer.gate.GateFailure.Reason;
import org.tandem.signer.gate.TestSigner.Denial;
import org.tandem.signer.gate.TestSigner.Key;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/** Key decoding, key tags and providers of the gate's verifier. */
class GateCryptoTest {
    static final Name ORIGIN = GateValidationTest.ORIGIN;

    @Test
    void decodesDnskeyPublicKeysToTheKeysDnsjavaDecodes() throws Exception {
        GateCrypto crypto = GateCrypto.preferred();
        for (Key k : List.of(
                TestSigner.ecdsaP256(ORIGIN, 256),
                TestSigner.ecdsaP384(ORIGIN, 256),
                TestSigner.rsaSha256(ORIGIN, 256),
                TestSigner.ed25519(ORIGIN, 256))) {
            GateCrypto.Algorithm alg = GateCrypto.Algorithm.of(k.algorithm());
            PublicKey mine = crypto.decode(alg, k.dnskey().getKey());
            PublicKey theirs = k.dnskey().getPublicKey();

            if (mine instanceof ECPublicKey ec) {
                assertThat(ec.getW()).isEqualTo(((ECPublicKey) theirs).getW());
            } else if (mine instanceof RSAPublicKey rsa) {
                assertThat(rsa.getModulus()).isEqualTo(((RSAPublicKey) theirs).getModulus());
                assertThat(rsa.getPublicExponent()).isEqualTo(((RSAPublicKey) theirs).getPublicExponent());
            } else {
                assertThat(mine.getEncoded()).isEqualTo(theirs.getEncoded());
            }
        }
    }

    @Test
    void computesKeyTagsAsRfc4034AppendixB() {
        for (Key k : List.of(TestSigner.ecdsaP256(ORIGIN, 257), TestSigner.rsaSha256(ORIGIN, 256))) {
            assertThat(ZoneKeys.keyTag(Canonical.rdata(k.dnskey())))
                    .isEqualTo(k.dnskey().getFootprint());
        }
    }

    @Test
    void refusesAnEcdsaKeyOfTheWrongLength() {
        assertThatThrownBy(() -> GateCrypto.preferred().decode(GateCrypto.Algorithm.ECDSAP256SHA256, new byte[63]))
                .isInstanceOf(InvalidKeySpecException.class)
                .hasMessage("ECDSA public key must be 64 bytes, got 63");
    }

    @Test
    void verifiesWithTheCorrettoProviderOnLinuxX8664() {
        assumeThat(System.getProperty("os.name")).isEqualTo("Linux");
        assumeThat(System.getProperty("os.arch")).isIn("amd64", "x86_64");

        assertThat(GateCrypto.preferred().description())
                .isEqualTo("RSA=AmazonCorrettoCryptoProvider ECDSA=AmazonCorrettoCryptoProvider EdDSA=SunEC");
    }

    @Test
    void givesTheSameVerdictWithTheJdkFallbackProviders() throws InterruptedException {
        Key ksk = TestSigner.ecdsaP256(ORIGIN, 257);
        Key zsk = TestSigner.ecdsaP256(ORIGIN, 256);
        List<Record> zone = TestSigner.sign(
                ORIGIN, TestSigner.parse(ORIGIN, GateValidationTest.ZONE), List.of(ksk), List.of(zsk), Denial.NSEC3);
        RRSIGRecord www =
                TestSigner.rrsigs(zone, GateValidationTest.name("www"), Type.A).get(0);
        List<Record> bad = TestSigner.replace(zone, www, TestSigner.flipSignatureByte(www));

        for (GateCrypto crypto : List.of(GateCrypto.preferred(), GateCrypto.jdk())) {
            ValidationGate gate = new ValidationGate(GatePolicy.defaults(), crypto);
            assertThat(gate.verify(ORIGIN, zone, NOW).passed()).isTrue();
            assertThat(gate.verify(ORIGIN, bad, NOW).failures())
                    .extracting(GateFailure::owner, GateFailure::reason)
                    .containsExactly(tuple(GateValidationTest.name("www"), Reason.BAD_SIGNATURE));
        }
    }

    @Test
    void verifiesP384AndEd25519Zones() throws InterruptedException, GeneralSecurityException {
        for (List<Key> keys : List.of(
                List.of(TestSigner.ecdsaP384(ORIGIN, 257), TestSigner.ecdsaP384(ORIGIN, 256)),
                List.of(TestSigner.ed25519(ORIGIN, 257), TestSigner.ed25519(ORIGIN, 256)))) {
            List<Record> zone = TestSigner.sign(
                    ORIGIN,
                    TestSigner.parse(ORIGIN, GateValidationTest.ZONE),
                    keys.subList(0, 1),
                    keys.subList(1, 2),
                    Denial.NSEC);
            GateVerdict v = new ValidationGate(GatePolicy.defaults()).verify(ORIGIN, zone, NOW);

            assertThat(v.failures())
                    .as(DNSSEC.Algorithm.string(keys.get(0).algorithm()))
                    .isEmpty();
            assertThat(v.signaturesVerified()).isEqualTo(28);
        }
    }

    @Test
    void doesNotVerifyASignatureOfTheWrongLength() throws GeneralSecurityException {
        Key k = TestSigner.ecdsaP256(ORIGIN, 256);
        PublicKey pk = GateCrypto.preferred()
                .decode(GateCrypto.Algorithm.ECDSAP256SHA256, k.dnskey().getKey());
        byte[] data = "data".getBytes(StandardCharsets.US_ASCII);

        assertThat(GateCrypto.preferred()
                        .verifier()
                        .verify(
                                GateCrypto.Algorithm.ECDSAP256SHA256,
                                pk,
                                data,
                                data.length,
                                Arrays.copyOf(new byte[64], 63)))
                .isFalse();
    }
}
