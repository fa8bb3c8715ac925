package org.tandem.signer.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.ZoneName;

class PublishRecordTest {
    private static final String SHA = "ab".repeat(32);

    @Test
    void roundTripsThroughTheProtobufIncludingSerialsAboveTwoToTheThirtyOne() {
        PublishRecord r = new PublishRecord(
                ZoneName.of("example.test"),
                4_000_000_000L,
                SHA,
                7,
                "node-1",
                Instant.parse("2026-12-01T10:00:00.123Z"));
        assertThat(PublishRecord.fromProto(r.toProto())).isEqualTo(r);
    }

    @Test
    void carriesThePublishedDnskeySetSortedAndItsTtlThroughTheProtobuf() {
        String a = "0a".repeat(32);
        String b = "FF".repeat(32);
        PublishRecord r = new PublishRecord(
                ZoneName.of("example.test"),
                5,
                SHA,
                2,
                "node-b",
                Instant.parse("2026-12-01T10:00:00Z"),
                List.of(b, a, a),
                3600);
        assertThat(r.dnskeyFingerprints()).containsExactly(a, b.toLowerCase());
        assertThat(r.toProto().getDnskeyFingerprintsList()).containsExactly(a, b.toLowerCase());
        assertThat(r.toProto().getDnskeyTtlSeconds()).isEqualTo(3600);
        assertThat(PublishRecord.fromProto(r.toProto())).isEqualTo(r);
        // a record written before the fields existed reads back with an empty set and TTL 0
        PublishRecord old = new PublishRecord(ZoneName.of("example.test"), 5, SHA, 2, "node-b", Instant.EPOCH);
        assertThat(PublishRecord.fromProto(old.toProto()).dnskeyFingerprints()).isEmpty();
        assertThat(PublishRecord.fromProto(old.toProto()).dnskeyTtlSeconds()).isZero();
        assertThatThrownBy(() -> new PublishRecord(
                        ZoneName.of("example.test"), 5, SHA, 2, "n", Instant.EPOCH, List.of("abc"), 0))
                .hasMessageContaining("DNSKEY fingerprint");
        assertThatThrownBy(() ->
                        new PublishRecord(ZoneName.of("example.test"), 5, SHA, 2, "n", Instant.EPOCH, List.of(), -1))
                .hasMessageContaining("TTL");
    }

    @Test
    void refusesARecordThatCouldNotHaveBeenCommitted() {
        ZoneName z = ZoneName.of("example.test");
        assertThatThrownBy(() -> new PublishRecord(z, 1, "abc", 1, "n", Instant.EPOCH))
                .hasMessageContaining("64 hex");
        assertThatThrownBy(() -> new PublishRecord(z, 1, SHA, 0, "n", Instant.EPOCH))
                .hasMessageContaining("epoch");
        assertThatThrownBy(() -> new PublishRecord(z, -1, SHA, 1, "n", Instant.EPOCH))
                .hasMessageContaining("serial");
    }

    @Test
    void aVerdictIsSyncedOnlyWithoutProblemsAndNeverOverNoZones() {
        ZoneName z = ZoneName.of("example.test");
        assertThat(KeySyncVerdict.synced(Instant.EPOCH, List.of(z)).synced()).isTrue();
        KeySyncVerdict bad =
                KeySyncVerdict.notSynced(Instant.EPOCH, List.of(z), List.of("zone example.test. ZSK missing"));
        assertThat(bad.synced()).isFalse();
        assertThat(bad.describe()).contains("ZSK missing");
        assertThatThrownBy(() -> KeySyncVerdict.synced(Instant.EPOCH, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
