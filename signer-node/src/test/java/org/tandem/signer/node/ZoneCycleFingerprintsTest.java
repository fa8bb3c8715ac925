package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.SoftwareKeys;
import org.tandem.signer.sign.SignedZone;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/** What the ledger records as the published DNSKEY set is keysync's identity of each apex key. */
class ZoneCycleFingerprintsTest {
    @Test
    void fingerprintsAreKeysyncFingerprintsOfTheApexDnskeysSortedAndOnlyTheApex() throws Exception {
        ZoneName zone = ZoneName.of("example.test");
        DnssecKey ksk = SoftwareKeys.p256(zone, KeyRole.KSK);
        DnssecKey zsk = SoftwareKeys.p256(zone, KeyRole.ZSK);
        ZoneName child = ZoneName.of("child.example.test");
        DnssecKey below = SoftwareKeys.p256(child, KeyRole.ZSK);
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
