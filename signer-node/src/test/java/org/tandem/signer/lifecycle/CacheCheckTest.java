package org.tandem.signer.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.tandem.signer.lifecycle.CacheCheck.DsSet;
import org.tandem.signer.lifecycle.CacheCheck.Key;
import org.tandem.signer.lifecycle.CacheCheck.Rrset;
import org.tandem.signer.lifecycle.CacheCheck.Signer;
import org.tandem.signer.lifecycle.CacheCheck.Version;
import org.tandem.signer.lifecycle.CacheCheck.Violation;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

class CacheCheckTest {
    private static final Instant T0 = Instant.parse("2027-01-01T00:00:00Z");
    private static final long TTL = 3600;
    private static final Key KSK1 = new Key(13, 1001, true, "aa01");
    private static final Key KSK2 = new Key(13, 1002, true, "aa02");
    private static final Key ZSK1 = new Key(13, 2001, false, "bb01");
    private static final Key ZSK2 = new Key(13, 2002, false, "bb02");
    private static final Duration DS_TTL = Duration.ofDays(1);
    private static final Duration DPRP = Duration.ofMinutes(5);

    private static Version version(long serial, Duration at, Set<Key> keys, Set<Key> dnskeySigners, Key dataSigner) {
        return new Version(
                serial,
                T0.plus(at),
                keys,
                TTL,
                dnskeySigners.stream().map(Key::signer).collect(Collectors.toSet()),
                Map.of("www.example.test./A", new Rrset(TTL, Set.of(dataSigner.signer()))));
    }

    private static List<DsSet> ds(Key k) {
        return List.of(new DsSet(T0, Set.of(k.dsDigest())));
    }

    @Test
    void aZskPrePublishedForLongerThanTheDnskeyTtlAndRemovedAfterTheSignatureTtlHasNoViolation() {
        List<Version> v = List.of(
                version(1, Duration.ZERO, Set.of(KSK1, ZSK1), Set.of(KSK1), ZSK1),
                version(2, Duration.ofHours(1), Set.of(KSK1, ZSK1, ZSK2), Set.of(KSK1), ZSK1),
                version(3, Duration.ofHours(3), Set.of(KSK1, ZSK1, ZSK2), Set.of(KSK1), ZSK2),
                version(4, Duration.ofHours(5), Set.of(KSK1, ZSK2), Set.of(KSK1), ZSK2));

        assertThat(CacheCheck.check(v, ds(KSK1), DS_TTL, DPRP)).isEmpty();
    }

    @Test
    void aZskThatSignsBeforeItsDnskeyLeftTheOldCachedRrsetIsReportedWithTimeSerialRoleAndTag() {
        List<Version> v = List.of(
                version(1, Duration.ZERO, Set.of(KSK1, ZSK1), Set.of(KSK1), ZSK1),
                version(2, Duration.ofMinutes(30), Set.of(KSK1, ZSK1, ZSK2), Set.of(KSK1), ZSK2));

        List<Violation> found = CacheCheck.check(v, ds(KSK1), DS_TTL, DPRP);

        assertThat(found).isNotEmpty();
        Violation first = found.get(0);
        assertThat(first.time()).isEqualTo(T0.plus(Duration.ofMinutes(30)));
        assertThat(first.serial()).isEqualTo(2);
        assertThat(first.role()).isEqualTo("ZSK");
        assertThat(first.tag()).isEqualTo(2002);
        assertThat(first.message()).contains("cached DNSKEY RRset of serial 1");
    }

    @Test
    void aZskRemovedWhileItsSignaturesMayStillBeCachedIsReported() {
        List<Version> v = List.of(
                version(1, Duration.ZERO, Set.of(KSK1, ZSK1, ZSK2), Set.of(KSK1), ZSK1),
                version(2, Duration.ofHours(2), Set.of(KSK1, ZSK1, ZSK2), Set.of(KSK1), ZSK2),
                // 30 minutes later: the RRSIG by 2001 of serial 1 may be cached until 2 h + 5 m + 1 h
                version(3, Duration.ofMinutes(150), Set.of(KSK1, ZSK2), Set.of(KSK1), ZSK2));

        List<Violation> found = CacheCheck.check(v, ds(KSK1), DS_TTL, DPRP);

        assertThat(found).extracting(Violation::serial).contains(3L);
        assertThat(found).extracting(Violation::tag).contains(2001);
        assertThat(found.get(0).message()).contains("of serial 1 signed by {2001/13}");
    }

    @Test
    void anOldKskWithdrawnBeforeTheOldDsLeftTheCachesIsReportedAsAKskViolation() {
        List<Version> v = new ArrayList<>();
        v.add(version(1, Duration.ZERO, Set.of(KSK1, ZSK1), Set.of(KSK1), ZSK1));
        v.add(version(2, Duration.ofDays(1), Set.of(KSK1, KSK2, ZSK1), Set.of(KSK1, KSK2), ZSK1));
        v.add(version(3, Duration.ofDays(5), Set.of(KSK2, ZSK1), Set.of(KSK2), ZSK1));
        // the parent names KSK1 only until day 4.5; with TTLds 1 day a cache may hold that until day 5.5
        List<DsSet> parent = List.of(
                new DsSet(T0, Set.of(KSK1.dsDigest())),
                new DsSet(T0.plus(Duration.ofHours(108)), Set.of(KSK1.dsDigest(), KSK2.dsDigest())));

        List<Violation> found = CacheCheck.check(v, parent, DS_TTL, DPRP);

        assertThat(found).isNotEmpty().allSatisfy(x -> {
            assertThat(x.role()).isEqualTo("KSK");
            assertThat(x.serial()).isEqualTo(3);
            assertThat(x.tag()).isEqualTo(1001);
        });
    }

    @Test
    void theSameKskRolloverWaitingForTheDsTtlHasNoViolationAndNoDsMeansInsecure() {
        List<Version> v = new ArrayList<>();
        v.add(version(1, Duration.ZERO, Set.of(KSK1, ZSK1), Set.of(KSK1), ZSK1));
        v.add(version(2, Duration.ofDays(1), Set.of(KSK1, KSK2, ZSK1), Set.of(KSK1, KSK2), ZSK1));
        v.add(version(3, Duration.ofDays(6), Set.of(KSK2, ZSK1), Set.of(KSK2), ZSK1));
        List<DsSet> parent = List.of(
                new DsSet(T0, Set.of()),
                new DsSet(T0.plus(Duration.ofHours(12)), Set.of(KSK1.dsDigest())),
                new DsSet(T0.plus(Duration.ofDays(3)), Set.of(KSK1.dsDigest(), KSK2.dsDigest())),
                new DsSet(T0.plus(Duration.ofHours(108)), Set.of(KSK2.dsDigest())));

        assertThat(CacheCheck.check(v, parent, DS_TTL, DPRP)).isEmpty();
    }

    @Test
    void versionFactsAreReadFromSignedRecords() throws Exception {
        Name apex = Name.fromString("example.test.");
        List<Record> records = List.of(
                Record.fromString(
                        apex,
                        Type.DNSKEY,
                        DClass.IN,
                        3600,
                        "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+"
                                + "KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==",
                        apex),
                Record.fromString(apex, Type.A, DClass.IN, 300, "192.0.2.1", apex));

        Version v = Version.of(7, T0, apex, records);

        assertThat(v.dnskeys()).singleElement().satisfies(k -> {
            assertThat(k.sep()).isTrue();
            assertThat(k.algorithm()).isEqualTo(13);
            assertThat(k.dsDigest()).hasSize(64);
        });
        assertThat(v.dnskeyTtl()).isEqualTo(3600);
        assertThat(v.rrsets()).as("an unsigned RRset is not checked").isEmpty();
        assertThat(new Signer(13, 1)).isEqualTo(new Signer(13, 1));
    }
}
