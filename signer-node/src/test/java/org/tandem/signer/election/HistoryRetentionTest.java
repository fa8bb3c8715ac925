package org.tandem.signer.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.ZoneName;

class HistoryRetentionTest {
    private static final ZoneName ZONE = ZoneName.of("example.test.");
    private static final Instant NOW = Instant.parse("2026-12-07T00:00:00Z");
    private static final String SHA = "0".repeat(64);
    private static final String KSK = "a".repeat(64);
    private static final String ZSK = "b".repeat(64);
    private static final String NEW_ZSK = "c".repeat(64);
    private static final String OLD_KEY = "d".repeat(64);

    /** One day window, keep the newest 3, cap 1000. */
    private static final HistoryRetention DAY = new HistoryRetention(Duration.ofDays(1), 3, 3, 1000, 100);

    private static PublishRecord record(long serial, Instant at, long ttl, String... keys) {
        return new PublishRecord(ZONE, serial, SHA, 1, "node-a", at, Arrays.asList(keys), ttl);
    }

    private static List<Long> keptSerials(List<PublishRecord> history, HistoryRetention.Plan plan) {
        List<Long> kept = new ArrayList<>();
        for (int i = 0; i < history.size(); i++) {
            if (!plan.delete().contains(i)) {
                kept.add(history.get(i).serial());
            }
        }
        return kept;
    }

    /** One record an hour for {@code hours} hours up to {@link #NOW}, KSK and ZSK, TTL one hour. */
    private static List<PublishRecord> hourly(int hours) {
        return IntStream.range(0, hours)
                .mapToObj(h -> record(h + 1, NOW.minus(Duration.ofHours(hours - 1 - h)), 3600, KSK, ZSK))
                .toList();
    }

    @Test
    void keepsEveryRecordWithinTheWindowAndTheNewestOneBeforeIt() {
        List<PublishRecord> history = hourly(72); // serial 72 at NOW, serial 48 exactly one day before
        HistoryRetention.Plan plan = DAY.plan(history, NOW, Duration.ZERO);

        List<Long> kept = keptSerials(history, plan);
        // serial 1 carried both keys first (the planner's first-published date), 47 is the newest before the window
        assertThat(kept).containsExactlyElementsOf(concat(List.of(1L, 47L), rangeClosed(48, 72)));
        assertThat(history.get(plan.contiguousFrom()).serial()).isEqualTo(47);
        assertThat(plan.window()).isEqualTo(Duration.ofDays(1));
        assertThat(plan.overCap()).isFalse();
    }

    @Test
    void alwaysKeepsTheNewestRecordsHoweverOld() {
        List<PublishRecord> history = List.of(
                record(1, NOW.minus(Duration.ofDays(30)), 3600, KSK),
                record(2, NOW.minus(Duration.ofDays(20)), 3600, KSK),
                record(3, NOW.minus(Duration.ofDays(10)), 3600, KSK),
                record(4, NOW.minus(Duration.ofDays(9)), 3600, KSK),
                record(5, NOW.minus(Duration.ofDays(8)), 3600, KSK));

        assertThat(keptSerials(history, DAY.plan(history, NOW, Duration.ZERO))).containsExactly(1L, 3L, 4L, 5L);
    }

    @Test
    void keepsTheFirstRecordOfEveryKeyStillPublishedButNotOfAKeyThatLeft() {
        Instant old = NOW.minus(Duration.ofDays(30));
        List<PublishRecord> history = new ArrayList<>(List.of(
                record(1, old, 3600, KSK, OLD_KEY),
                record(2, old.plusSeconds(60), 3600, KSK, OLD_KEY, ZSK),
                record(3, old.plusSeconds(120), 3600, KSK, ZSK),
                record(4, old.plusSeconds(180), 3600, KSK, ZSK, NEW_ZSK)));
        hourly(30).forEach(r -> history.add(record(r.serial() + 10, r.committedAt(), 3600, KSK, ZSK, NEW_ZSK)));

        List<Long> kept = keptSerials(history, DAY.plan(history, NOW, Duration.ZERO));

        // 1: KSK first, 2: ZSK first, 4: NEW_ZSK first; 3 only removed OLD_KEY, which the newest RRset lacks
        assertThat(kept).startsWith(1L, 2L, 4L).doesNotContain(3L);
    }

    @Test
    void theWindowIsNeverShorterThanThePolicysLookBackPlusTheLargestRecordedTtl() {
        List<PublishRecord> history = new ArrayList<>(hourly(72));
        history.set(
                10, record(11, history.get(10).committedAt(), Duration.ofDays(1).toSeconds(), KSK, ZSK));

        HistoryRetention.Plan plan = DAY.plan(history, NOW, Duration.ofHours(2));

        // a 1-day TTL recorded (serial 11) + 2 h of policy margins: 26 h, not the configured day
        assertThat(plan.window()).isEqualTo(Duration.ofHours(26));
        assertThat(keptSerials(history, plan)).contains(45L, 46L).doesNotContain(44L);
    }

    @Test
    void overTheCapOnlyRecordsRepeatingTheirPredecessorsDnskeysGoFromTheWindow() {
        HistoryRetention capped = new HistoryRetention(Duration.ofDays(1), 3, 3, 10, 100);
        List<PublishRecord> history = new ArrayList<>();
        for (int i = 0; i < 40; i++) { // every half hour within the window; the ZSK rolls at serial 21
            Instant at = NOW.minus(Duration.ofMinutes(30L * (39 - i)));
            history.add(i < 20 ? record(i + 1, at, 3600, KSK, ZSK) : record(i + 1, at, 3600, KSK, NEW_ZSK));
        }

        HistoryRetention.Plan plan = capped.plan(history, NOW, Duration.ZERO);

        // 1 (first KSK, first record), 21 (the change, first NEW_ZSK), then the newest up to the cap of 10
        assertThat(keptSerials(history, plan)).containsExactlyElementsOf(concat(List.of(1L, 21L), rangeClosed(33, 40)));
        assertThat(plan.overCap()).isFalse();
    }

    @Test
    void overTheCapEveryDnskeyChangeInTheWindowStaysAndThePlanSaysSo() {
        HistoryRetention capped = new HistoryRetention(Duration.ofDays(1), 3, 3, 10, 100);
        List<PublishRecord> history = new ArrayList<>();
        for (int i = 0; i < 20; i++) { // the TTL changes with every record
            history.add(record(i + 1, NOW.minus(Duration.ofMinutes(30L * (19 - i))), 3600 + i, KSK));
        }

        HistoryRetention.Plan plan = capped.plan(history, NOW, Duration.ZERO);

        assertThat(plan.delete()).isEmpty();
        assertThat(plan.overCap()).isTrue();
    }

    @Test
    void aHistoryWithinTheWindowLosesNothingAndAnEmptyOneIsFine() {
        List<PublishRecord> history = hourly(10);
        assertThat(DAY.plan(history, NOW, Duration.ZERO).delete()).isEmpty();
        assertThat(DAY.plan(history, NOW, Duration.ZERO).contiguousFrom()).isZero();
        assertThat(DAY.plan(List.of(), NOW, Duration.ZERO).delete()).isEmpty();
    }

    @Test
    void settingsThatCouldListMoreThanZooKeeperAnswersOrKeepNothingAreRefused() {
        assertThatThrownBy(() -> new HistoryRetention(Duration.ofDays(7), 0, 10, 100, 10))
                .hasMessageContaining("keep-last");
        assertThatThrownBy(() -> new HistoryRetention(Duration.ofDays(7), 10, 10, 60_000, 10))
                .hasMessageContaining("max-records");
        assertThatThrownBy(() -> new HistoryRetention(Duration.ofSeconds(5), 10, 10, 100, 10))
                .hasMessageContaining("window");
        assertThat(HistoryRetention.withWindow(Duration.ofDays(3)).keepLast())
                .isEqualTo(HistoryRetention.DEFAULT_KEEP_LAST);
    }

    @Test
    void thePruneMarkerReadsBackAndOtherDataMeansNeverPruned() {
        PruneMarker m = new PruneMarker("p-0000000042", 1234);
        assertThat(PruneMarker.parse(m.toBytes())).contains(m);
        assertThat(PruneMarker.parse("10.0.0.7".getBytes())).isEqualTo(Optional.empty());
        assertThat(PruneMarker.parse(null)).isEmpty();
        assertThatThrownBy(() -> PruneMarker.parse("tandem-history-pruned pruned=3".getBytes()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static List<Long> rangeClosed(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    private static List<Long> concat(List<Long> a, List<Long> b) {
        List<Long> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
