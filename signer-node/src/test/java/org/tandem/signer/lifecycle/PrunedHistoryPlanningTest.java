package org.tandem.signer.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.Algorithm;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.KeyTag;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.election.HistoryRetention;
import org.tandem.signer.election.PublishRecord;

/**
 * The planner reads the publish history the leader prunes: it must date every published key and size
 * Ipub the same from the records kept as from the whole history.
 */
class PrunedHistoryPlanningTest {
    private static final ZoneName ZONE = ZoneName.of("example.test.");
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Fingerprint KSK = Fingerprint.parse("a".repeat(64));
    private static final Fingerprint ZSK = Fingerprint.parse("b".repeat(64));
    private static final Fingerprint NEXT_ZSK = Fingerprint.parse("c".repeat(64));
    private static final ZoneTimings TIMINGS = new ZoneTimings(Duration.ofHours(1), Duration.ofHours(2), Duration.ZERO);
    private static final RolloverPolicy POLICY = new RolloverPolicy(
            List.of(
                    new RolePolicy(KeyRole.KSK, Algorithm.ECDSAP256SHA256, Duration.ZERO),
                    new RolePolicy(KeyRole.ZSK, Algorithm.ECDSAP256SHA256, Duration.ofDays(30))),
            Duration.ofMinutes(5),
            Duration.ofHours(1),
            Duration.ofHours(1),
            ParentPolicy.defaults());

    /**
     * 40 days, one commit an hour: KSK and ZSK from the start, NEXT_ZSK added on day 28, ZSK removed on day
     * 31 and put back on day 33 (an operator's undo), the DNSKEY TTL one hour throughout.
     */
    private static List<PublishRecord> fortyDays() {
        List<PublishRecord> out = new ArrayList<>();
        for (int h = 0; h < 40 * 24; h++) {
            Instant at = T0.plus(Duration.ofHours(h));
            List<Fingerprint> keys = new ArrayList<>(List.of(KSK));
            if (h < 31 * 24 || h >= 33 * 24) {
                keys.add(ZSK);
            }
            if (h >= 28 * 24) {
                keys.add(NEXT_ZSK);
            }
            out.add(new PublishRecord(
                    ZONE,
                    h + 1,
                    "0".repeat(64),
                    1,
                    "node-a",
                    at,
                    keys.stream().map(Fingerprint::hex).toList(),
                    3600));
        }
        return out;
    }

    /** As the daemon hands the ledger's history to the rollover agent. */
    private static List<PublishedVersion> versions(List<PublishRecord> records) {
        return records.stream()
                .map(r -> new PublishedVersion(
                        r.serial(),
                        r.committedAt(),
                        r.dnskeyFingerprints().stream().map(Fingerprint::parse).collect(Collectors.toSet()),
                        Duration.ofSeconds(r.dnskeyTtlSeconds())))
                .toList();
    }

    private static KeyTimeline activeSince(KeyRole role, int tag, Fingerprint fp, Instant manifestPublished) {
        return new KeyTimeline(
                role,
                Algorithm.ECDSAP256SHA256,
                new KeyTag(tag),
                fp,
                KeyState.ACTIVE,
                T0.minus(Duration.ofDays(1)),
                Optional.of(manifestPublished),
                Optional.of(manifestPublished),
                Optional.empty(),
                Optional.empty());
    }

    @Test
    void everyPublishedKeyIsDatedByItsFirstVersionAndIpubIsTheSameAfterPruning() {
        List<PublishRecord> all = fortyDays();
        Instant now = all.get(all.size() - 1).committedAt();
        HistoryRetention.Plan plan =
                new HistoryRetention(Duration.ofDays(2), 24, 24, 1000, 100).plan(all, now, Duration.ofHours(2));
        List<PublishRecord> kept = IntStream.range(0, all.size())
                .filter(i -> !plan.delete().contains(i))
                .mapToObj(all::get)
                .toList();
        assertThat(kept.size()).as("pruned to about two days").isLessThan(all.size() / 10);

        RolloverPlanner planner = new RolloverPlanner(POLICY, TIMINGS);
        List<KeyTimeline> keys = List.of(
                activeSince(KeyRole.KSK, 1, KSK, T0.minus(Duration.ofDays(1))),
                activeSince(KeyRole.ZSK, 2, ZSK, T0.minus(Duration.ofDays(1))),
                activeSince(KeyRole.ZSK, 3, NEXT_ZSK, T0));
        for (KeyTimeline k : keys) {
            assertThat(RolloverPlanner.dated(k, versions(kept)))
                    .as(k.describe())
                    .isEqualTo(RolloverPlanner.dated(k, versions(all)));
        }
        assertThat(RolloverPlanner.dated(keys.get(2), versions(kept)).published())
                .contains(T0.plus(Duration.ofDays(28)));
        assertThat(planner.publishInterval(versions(kept))).isEqualTo(planner.publishInterval(versions(all)));
    }
}
