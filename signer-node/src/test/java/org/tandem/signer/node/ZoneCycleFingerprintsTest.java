package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.sign.SignedZone;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/** What the ledger records as the published DNSKEY set is keysync's identity of each apex key. */
class ZoneCycleFingerprintsTest {
    @Test
    void fingerprintsAreKeysyncFingerprintsOfTheApexDnskeysSortedAndOnlyTheApex() throws Exception {
        ZoneName zone = ZoneName.of("example.test");
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        DnssecKey ksk = DnssecKey.of(
                zone,
                KeyRole.KSK,
                Algorithm.ECDSAP256SHA256,
                g.generateKeyPair().getPublic());
        DnssecKey zsk = DnssecKey.of(
                zone,
                KeyRole.ZSK,
                Algorithm.ECDSAP256SHA256,
                g.generateKeyPair().getPublic());
        ZoneName child = ZoneName.of("child.example.test");
        DnssecKey below = DnssecKey.of(
                child,
                KeyRole.ZSK,
                Algorithm.ECDSAP256SHA256,
                g.generateKeyPair().getPublic());
        List<Record> records = List.of(
                ksk.dnskey(3600),
                zsk.dnskey(3600),
                below.dnskey(3600),
                Record.fromString(Name.fromString("example.test."), Type.TXT, 1, 300, "\"x\"", Name.root));
        SignedZone signed = new SignedZone(zone, 1, records, 0, 0, Duration.ZERO);

        List<String> expected = List.of(
                        ksk.fingerprint().hex(), zsk.fingerprint().hex())
                .stream()
                .sorted()
                .toList();
        assertThat(ZoneCycle.dnskeyFingerprints(signed)).isEqualTo(expected);
    }
}
