package org.tandem.signer.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.tandem.signer.publish.PublishTestZones.a;
import static org.tandem.signer.publish.PublishTestZones.soa;
import static org.tandem.signer.publish.PublishTestZones.version;
import static org.tandem.signer.publish.PublishTestZones.with;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tandem.signer.sign.SignedZone;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;

class ZoneDiffTest {
    private static final int BUDGET =
            TransferMessages.budget(PublishTestZones.ZONE.name().length());

    @Test
    void aChangedAddressIsOneDeletionAndOneAddition() {
        SignedZone v1 = version(1, 10, 0);
        SignedZone v2 = with(v1, 2, 5, a("h2", 300, "198.51.100.7"));
        ZoneDiff d = ZoneDiff.between(soa(1), body(v1), soa(2), body(v2));
        assertThat(d.deleted()).containsExactly(v1.records().get(5));
        assertThat(d.added()).containsExactly(a("h2", 300, "198.51.100.7"));
        assertThat(d.from().getSerial()).isEqualTo(1);
        assertThat(d.to().getSerial()).isEqualTo(2);
    }

    @Test
    void aChangedTtlIsDeletedAndAddedAgainThoughDnsjavaEqualityIgnoresTtl() {
        SignedZone v1 = version(1, 3, 0);
        Record same = v1.records().get(3);
        SignedZone v2 = with(v1, 2, 3, a("h0", 60, "192.0.2.1"));
        assertThat(same).isEqualTo(v2.records().get(3)); // dnsjava: TTL not compared
        ZoneDiff d = ZoneDiff.between(soa(1), body(v1), soa(2), body(v2));
        assertThat(d.deleted())
                .singleElement()
                .satisfies(r -> assertThat(r.getTTL()).isEqualTo(300));
        assertThat(d.added())
                .singleElement()
                .satisfies(r -> assertThat(r.getTTL()).isEqualTo(60));
    }

    @Test
    void identicalVersionsDifferInNothing() {
        SignedZone v1 = version(1, 20, 0);
        ZoneDiff d = ZoneDiff.between(soa(1), body(v1), soa(2), body(version(2, 20, 0)));
        assertThat(d.deleted()).isEmpty();
        assertThat(d.added()).isEmpty();
        assertThat(d.size()).isEqualTo(2);
    }

    @Test
    void ixfrFromAnOlderSerialChainsEveryDifferenceBetweenTheCurrentSoas() {
        SignedZone v1 = version(1, 50, 0);
        SignedZone v2 = with(v1, 2, 10, a("h7", 300, "198.51.100.2"));
        SignedZone v3 = with(v2, 3, 20, a("h17", 300, "198.51.100.3"));
        ServedZone s = ServedZone.first(v1, BUDGET).next(v2, 16, BUDGET).next(v3, 16, BUDGET);

        List<Record> from1 = s.ixfrStream(1).orElseThrow();
        assertThat(serialsOfSoas(from1)).containsExactly(3L, 1L, 2L, 2L, 3L, 3L);
        assertThat(from1).hasSize(2 + (2 + 1 + 1) * 2);
        assertThat(from1.get(1 + 1)).isEqualTo(v1.records().get(10)); // deleted from v1
        assertThat(from1.get(1 + 3)).isEqualTo(a("h7", 300, "198.51.100.2")); // added in v2

        assertThat(serialsOfSoas(s.ixfrStream(2).orElseThrow())).containsExactly(3L, 2L, 3L, 3L);
    }

    @Test
    void anUnknownOrTooOldSerialHasNoIncrementalAnswer() {
        SignedZone v = version(1, 30, 0);
        ServedZone s = ServedZone.first(v, BUDGET);
        for (long serial = 2; serial <= 6; serial++) {
            v = with(v, serial, 3 + (int) serial, a("x" + serial, 300, "198.51.100." + serial));
            s = s.next(v, 3, BUDGET);
        }
        assertThat(s.journal).hasSize(3);
        assertThat(s.ixfrStream(1)).isEmpty(); // dropped from the bounded journal
        assertThat(s.ixfrStream(2)).isEmpty();
        assertThat(s.ixfrStream(3)).isPresent();
        assertThat(s.ixfrStream(4711)).isEmpty();
    }

    @Test
    void theJournalNeverHoldsMoreRecordsThanTheZone() {
        SignedZone v1 = version(1, 10, 0);
        SignedZone v2 = version(2, 10, 100); // every host address changes
        ServedZone s = ServedZone.first(v1, BUDGET).next(v2, 16, BUDGET);
        assertThat(s.journal).isEmpty(); // 2 + 10 deleted + 10 added > 13 records: AXFR is cheaper
        assertThat(s.ixfrStream(1)).isEmpty();
    }

    @Test
    void sameRecordsComparesTtlsToo() {
        SignedZone v1 = version(5, 3, 0);
        ServedZone s = ServedZone.first(v1, BUDGET);
        assertThat(s.sameRecords(version(5, 3, 0))).isTrue();
        assertThat(s.sameRecords(with(v1, 5, 3, a("h0", 60, "192.0.2.1")))).isFalse();
    }

    private static List<Record> body(SignedZone z) {
        List<Record> b = new ArrayList<>(z.records());
        b.removeIf(r -> r.getType() == Type.SOA);
        return b;
    }

    private static List<Long> serialsOfSoas(List<Record> stream) {
        return stream.stream()
                .filter(r -> r instanceof SOARecord)
                .map(r -> ((SOARecord) r).getSerial())
                .toList();
    }
}
