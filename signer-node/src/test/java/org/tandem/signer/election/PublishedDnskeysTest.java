package org.tandem.signer.election;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.ZoneName;

class PublishedDnskeysTest {
    private static final ZoneName ZONE = ZoneName.of("example.test.");
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    private static final Fingerprint KSK = fp('a');
    private static final Fingerprint ZSK = fp('b');
    private static final Fingerprint NEW = fp('c');
    private static final String SHA = "0".repeat(64);

    private static Fingerprint fp(char c) {
        return Fingerprint.of(HexFormat.of().parseHex(String.valueOf(c).repeat(64)));
    }

    private static PublishRecord record(long serial, Instant at, long ttl, Fingerprint... keys) {
        return new PublishRecord(
                ZONE,
                serial,
                SHA,
                1,
                "node-a",
                at,
                Arrays.stream(keys).map(Fingerprint::hex).toList(),
                ttl);
    }

    @Test
    void aZoneNeverPublishedLetsEveryKeySign() {
        PublishedDnskeys none = new PublishedDnskeys(ZONE, List.of(), true);
        assertThat(none.check(NEW, T0).passed()).isTrue();
        assertThat(none.check(NEW, T0).detail()).contains("never published");
    }

    @Test
    void aKeyInEveryRrsetSinceTheFirstPublicationSignsAtOnce() {
        PublishedDnskeys h = new PublishedDnskeys(
                ZONE, List.of(record(1, T0, 3600, KSK, ZSK), record(2, T0.plusSeconds(10), 3600, KSK, ZSK)), true);
        PublishedDnskeys.Verdict v = h.check(ZSK, T0.plusSeconds(20));
        assertThat(v.passed()).isTrue();
        assertThat(v.detail()).contains("since the zone's first publication (serial 1");
    }

    @Test
    void aKeyAddedLessThanTheTtlAgoMayNotSignAndOneAddedLongerAgoMay() {
        PublishedDnskeys h = new PublishedDnskeys(
                ZONE,
                List.of(record(1, T0, 3600, KSK, ZSK), record(2, T0.plusSeconds(100), 3600, KSK, ZSK, NEW)),
                true);
        PublishedDnskeys.Verdict early = h.check(NEW, T0.plusSeconds(100 + 3599));
        assertThat(early.passed()).isFalse();
        assertThat(early.detail())
                .contains(
                        "published since " + T0.plusSeconds(100),
                        "(serial 2)",
                        "3599 s",
                        "less than the DNSKEY TTL 3600 s",
                        "until " + T0.plusSeconds(3700));
        assertThat(h.check(NEW, T0.plusSeconds(3700)).passed()).isTrue();
        assertThat(h.check(ZSK, T0.plusSeconds(150)).passed())
                .as("old keys sign on")
                .isTrue();
    }

    @Test
    void aKeyNotInTheLastRrsetMayNotSign() {
        PublishedDnskeys h = new PublishedDnskeys(ZONE, List.of(record(7, T0, 3600, KSK, ZSK)), true);
        PublishedDnskeys.Verdict v = h.check(NEW, T0.plusSeconds(86400));
        assertThat(v.passed()).isFalse();
        assertThat(v.detail()).contains("not in the published DNSKEY RRset (serial 7 by node-a)");
    }

    @Test
    void aLastRecordWithoutTheDnskeySetIsUnknownAndRefusesEveryKey() {
        PublishedDnskeys h = new PublishedDnskeys(
                ZONE, List.of(record(1, T0, 3600, KSK, ZSK), record(2, T0.plusSeconds(5), 0)), true);
        assertThat(h.check(ZSK, T0.plusSeconds(86400)).passed()).isFalse();
        assertThat(h.check(ZSK, T0.plusSeconds(86400)).detail()).startsWith("unknown:");
    }

    @Test
    void aRecordThatDoesNotSayBreaksTheRunAndTheLargestTtlCounts() {
        // serial 2 was written without fingerprints: the key counts as published since serial 3 only
        PublishedDnskeys h = new PublishedDnskeys(
                ZONE,
                List.of(
                        record(1, T0, 86400, KSK, ZSK),
                        record(2, T0.plusSeconds(10), 0),
                        record(3, T0.plusSeconds(20), 3600, KSK, ZSK)),
                true);
        PublishedDnskeys.Verdict v = h.check(ZSK, T0.plusSeconds(20 + 7200));
        assertThat(v.passed())
                .as("2 h after serial 3, but the TTL of serial 1 was a day")
                .isFalse();
        assertThat(v.detail()).contains("DNSKEY TTL 86400 s");
        assertThat(h.check(ZSK, T0.plusSeconds(20 + 86400)).passed()).isTrue();
    }

    @Test
    void aWindowThatDoesNotReachTheFirstPublicationPassesAKeyPresentThroughout() {
        PublishedDnskeys h = new PublishedDnskeys(
                ZONE, List.of(record(40, T0, 3600, KSK, ZSK), record(41, T0.plusSeconds(4000), 3600, KSK, ZSK)), false);
        PublishedDnskeys.Verdict v = h.check(ZSK, T0.plusSeconds(4100));
        assertThat(v.passed()).isTrue();
        assertThat(v.detail()).contains("since at least " + T0);
    }
}
