package org.tandem.keysync.key;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.tandem.proto.keysync.v1.KeyDescriptor;

class DnssecKeyTest {
    // Checked on these machines: dnssec-dsfromkey -2 and ldns-key2ds -n -2 print this DS for this DNSKEY.
    private static final byte[] PUBLIC = Base64.getDecoder()
            .decode("4oKAipBtHjqzVlT0gYhQ1F70nIY3xeKRTv2xlI5XTHjChsB5fvoxMw/D0gtlil+GAf+0RSJlzAZwSwjFjCJhUQ==");

    @Test
    void fingerprintIsTheSha256DsDigestAndTheKeyTagMatchesRfc4034() {
        DnssecKey key = DnssecKey.of(ZoneName.of("example.test"), KeyRole.KSK, Algorithm.ECDSAP256SHA256, PUBLIC);
        assertThat(key.flags()).isEqualTo(257);
        assertThat(key.keyTag().value()).isEqualTo(50913);
        assertThat(key.fingerprint().hex().toUpperCase())
                .isEqualTo("DA05444FD45B3140A9FA954DC3BABFCC228F91B167B1CBEAFE4A2BD3881421EE");
        assertThat(key.describe()).isEqualTo("KSK 50913 (fp da05444f, alg 13) of example.test.");
    }

    @Test
    void theSamePublicKeyAsZskIsAnotherKeyBecauseTheFlagsDiffer() {
        DnssecKey ksk = DnssecKey.of(ZoneName.of("example.test"), KeyRole.KSK, Algorithm.ECDSAP256SHA256, PUBLIC);
        DnssecKey zsk = DnssecKey.of(ZoneName.of("example.test"), KeyRole.ZSK, Algorithm.ECDSAP256SHA256, PUBLIC);
        DnssecKey otherZone = DnssecKey.of(ZoneName.of("example.org"), KeyRole.KSK, Algorithm.ECDSAP256SHA256, PUBLIC);
        assertThat(zsk.fingerprint()).isNotEqualTo(ksk.fingerprint());
        assertThat(otherZone.fingerprint()).isNotEqualTo(ksk.fingerprint());
        assertThat(ksk).isNotEqualTo(zsk);
    }

    @Test
    void protoRoundTripsAndRefusesADescriptorThatLiesAboutItsFingerprint() {
        DnssecKey key = DnssecKey.of(ZoneName.of("Example.TEST."), KeyRole.ZSK, Algorithm.ECDSAP256SHA256, PUBLIC);
        assertThat(key.zone().toString()).isEqualTo("example.test.");
        KeyDescriptor d = KeyProtos.toProto(key);
        assertThat(KeyProtos.fromProto(d)).isEqualTo(key);

        byte[] fp = key.fingerprint().bytes();
        fp[0] ^= 1;
        KeyDescriptor lying =
                d.toBuilder().setFingerprint(ByteString.copyFrom(fp)).build();
        assertThatThrownBy(() -> KeyProtos.fromProto(lying)).hasMessageContaining("claims fingerprint");
        KeyDescriptor wrongTag = d.toBuilder().setKeyTag(d.getKeyTag() + 1).build();
        assertThatThrownBy(() -> KeyProtos.fromProto(wrongTag)).hasMessageContaining("claims key tag");
    }

    @Test
    void parsesRolesAndAlgorithmsAsOperatorsWriteThem() {
        assertThat(KeyRole.parse("ksk")).isEqualTo(KeyRole.KSK);
        assertThat(Algorithm.parse("13")).isEqualTo(Algorithm.ECDSAP256SHA256);
        assertThat(Algorithm.parse("ecdsap384sha384")).isEqualTo(Algorithm.ECDSAP384SHA384);
        assertThat(Algorithm.parse("15")).isEqualTo(Algorithm.ED25519);
        assertThat(Algorithm.parse("ed25519")).isEqualTo(Algorithm.ED25519);
        assertThatThrownBy(() -> Algorithm.parse("16"))
                .hasMessageContaining("unsupported DNSSEC algorithm '16'")
                .hasMessageContaining("15 ED25519");
        assertThatThrownBy(() -> KeyRole.parse("zsk2")).hasMessageContaining("expected ksk, zsk or csk");
        assertThatThrownBy(() -> ZoneName.of(" ")).hasMessageContaining("empty");
        assertThat(Fingerprint.parse(DnssecKey.of(ZoneName.of("a."), KeyRole.ZSK, Algorithm.ECDSAP256SHA256, PUBLIC)
                                .fingerprint()
                                .hex())
                        .shortHex())
                .hasSize(8);
    }
}
