package org.tandem.signer.watchdog;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.SettableClock;
import org.tandem.signer.SigningException;
import org.tandem.signer.publish.PublishTestZones;
import org.tandem.signer.publish.SoftwareSignedZones;
import org.tandem.signer.sign.SignedZone;
import org.xbill.DNS.Record;

/**
 * {@link ExpiryWatchdog}'s decisions over a published file (no network): step down when a standby is
 * in the election, escalate once per episode when none is, nothing on a standby, and not in the
 * leader's first interval.
 */
class ExpiryWatchdogTest {
    private static final ZoneName ZONE = PublishTestZones.ZONE;
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    private static final Duration INTERVAL = Duration.ofSeconds(60);
    /** Fresh signatures last 14 days from signing; critical below 1 day, warn below 3. */
    private static final Thresholds T = new Thresholds(Duration.ofDays(3), Duration.ofDays(1), INTERVAL);

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final SettableClock clock = new SettableClock(NOW);

    /** A seat whose role and standbys the test sets; records step-downs. */
    private static final class Seat implements ExpiryWatchdog.ClusterSeat {
        OptionalLong epoch = OptionalLong.of(3);
        OptionalLong ledger = OptionalLong.empty();
        List<String> standbys = List.of();
        final List<String> stepDowns = new ArrayList<>();

        @Override
        public OptionalLong leaderEpoch() {
            return epoch;
        }

        @Override
        public Optional<InetSocketAddress> servingAddress() {
            return Optional.empty();
        }

        @Override
        public OptionalLong lastPublished(ZoneName zone) {
            return ledger;
        }

        @Override
        public List<String> eligibleStandbys() {
            return standbys;
        }

        @Override
        public void stepDown(String reason) {
            stepDowns.add(reason);
        }
    }

    private final Seat seat = new Seat();

    /** Publishes version {@code serial} signed at {@code signedAt} (valid 14 days from then). */
    private void publish(long serial, Instant signedAt) throws Exception {
        SignedZone z = new SoftwareSignedZones().sign(PublishTestZones.version(serial, 3, 0), signedAt);
        Files.writeString(
                file(), z.records().stream().map(Record::toString).collect(Collectors.joining("\n", "", "\n")));
    }

    private Path file() {
        return dir.resolve("example.test.zone");
    }

    private ExpiryWatchdog watchdog() {
        return ExpiryWatchdog.create(
                "node-a",
                List.of(new ExpiryWatchdog.WatchedZone(ZONE, file())),
                List.of(),
                Optional.empty(),
                T,
                INTERVAL,
                seat,
                registry,
                clock);
    }

    private double gauge(String name) {
        return registry.get(name).tag("zone", ZONE.toString()).gauge().value();
    }

    private double fileGauge(String name) {
        return registry.get(name)
                .tag("zone", ZONE.toString())
                .tag("source", "published-file")
                .gauge()
                .value();
    }

    private double count(String name) {
        return registry.get(name).tag("zone", ZONE.toString()).counter().count();
    }

    @Test
    void aFreshPublishedFileIsOkWithItsSerialAndExpiryInTheMetrics() throws Exception {
        publish(2026120601L, NOW.minus(Duration.ofDays(1)));
        ExpiryWatchdog w = watchdog();
        w.runOnce();
        assertThat(w.severities()).containsEntry(ZONE, Severity.OK);
        assertThat(w.healthReasons()).isEmpty();
        assertThat(gauge("tandem.watchdog.severity")).isZero();
        assertThat(fileGauge("tandem.watchdog.source.ok")).isEqualTo(1.0);
        assertThat(fileGauge("tandem.watchdog.serial")).isEqualTo(2026120601.0);
        assertThat(fileGauge("tandem.watchdog.rrsig.earliest.expiry.timestamp.seconds"))
                .isEqualTo(NOW.plus(Duration.ofDays(13)).getEpochSecond());
        assertThat(registry.get("tandem.watchdog.source.ok")
                        .tag("source", "self")
                        .gauge()
                        .value())
                .isNaN();
        assertThat(gauge("tandem.watchdog.warn.seconds")).isEqualTo(259200.0);
        assertThat(gauge("tandem.watchdog.critical.seconds")).isEqualTo(86400.0);
        assertThat(gauge("tandem.watchdog.last.run.timestamp.seconds")).isEqualTo(NOW.getEpochSecond());
    }

    @Test
    void aLeaderNearExpiryStepsDownWhenAStandbyIsInTheElectionButNotInItsFirstInterval() throws Exception {
        publish(2026120601L, NOW.minus(Duration.ofDays(13).plusHours(1))); // 23 h left
        seat.standbys = List.of("node-b");
        ExpiryWatchdog w = watchdog();
        w.runOnce();
        assertThat(w.severities()).containsEntry(ZONE, Severity.CRITICAL);
        assertThat(seat.stepDowns).as("first interval of the term").isEmpty();
        clock.set(NOW.plus(INTERVAL));
        w.runOnce();
        assertThat(seat.stepDowns)
                .singleElement()
                .asString()
                .startsWith("watchdog: zone example.test. CRITICAL, earliest RRSIG expires 2026-12-07T11:00:00Z");
        assertThat(count("tandem.watchdog.stepdowns")).isEqualTo(1.0);
        assertThat(count("tandem.watchdog.escalations")).isZero();
        assertThat(w.healthReasons())
                .singleElement()
                .asString()
                .startsWith("watchdog CRITICAL: zone example.test. source published-file serial 2026120601: earliest"
                        + " RRSIG (");
    }

    @Test
    void aLeaderNearExpiryWithoutAStandbyEscalatesOncePerEpisodeAndStays() throws Exception {
        publish(2026120601L, NOW.minus(Duration.ofDays(13).plusHours(1)));
        ExpiryWatchdog w = watchdog();
        w.runOnce();
        clock.set(NOW.plus(INTERVAL));
        w.runOnce();
        clock.set(NOW.plus(INTERVAL.multipliedBy(2)));
        w.runOnce();
        assertThat(seat.stepDowns).isEmpty();
        assertThat(count("tandem.watchdog.escalations")).as("one episode").isEqualTo(1.0);
        assertThat(gauge("tandem.watchdog.severity")).isEqualTo(2.0);
        // a new serial, still critical: a new episode
        publish(2026120602L, NOW.minus(Duration.ofDays(13).plusHours(2)));
        clock.set(NOW.plus(INTERVAL.multipliedBy(3)));
        w.runOnce();
        assertThat(count("tandem.watchdog.escalations")).isEqualTo(2.0);
    }

    @Test
    void aStandbysOwnFileIsNotJudgedHoweverOldOrNearExpiryAndNothingIsDone() throws Exception {
        // what the node published when it last led, two weeks ago: a day left, and four versions behind
        publish(2026120601L, NOW.minus(Duration.ofDays(13).plusHours(1)));
        seat.epoch = OptionalLong.empty();
        seat.ledger = OptionalLong.of(2026120605L);
        seat.standbys = List.of("node-b");
        ExpiryWatchdog w = watchdog();
        w.runOnce();
        clock.set(NOW.plus(INTERVAL.multipliedBy(3)));
        w.runOnce();
        assertThat(w.severities()).containsEntry(ZONE, Severity.OK);
        assertThat(w.healthReasons()).isEmpty();
        assertThat(seat.stepDowns).isEmpty();
        assertThat(count("tandem.watchdog.escalations")).isZero();
        assertThat(fileGauge("tandem.watchdog.serial"))
                .as("the standby's file is unobserved")
                .isNaN();

        seat.epoch = OptionalLong.of(4); // the same node leads again: its file is judged from now on
        clock.set(NOW.plus(INTERVAL.multipliedBy(4)));
        w.runOnce();
        assertThat(w.severities()).containsEntry(ZONE, Severity.CRITICAL);
        assertThat(w.healthReasons()).isNotEmpty();
        assertThat(fileGauge("tandem.watchdog.serial")).isEqualTo(2026120601.0);
    }

    @Test
    void aLeadersFileBehindTheLedgerIsAWarning() throws Exception {
        publish(2026120601L, NOW.minus(Duration.ofDays(1)));
        seat.ledger = OptionalLong.of(2026120605L); // the cluster has published four versions since
        ExpiryWatchdog leader = watchdog();
        leader.runOnce();
        clock.set(NOW.plus(INTERVAL));
        leader.runOnce();
        assertThat(leader.severities()).containsEntry(ZONE, Severity.WARNING);
        assertThat(leader.healthReasons()).singleElement().asString().contains("older than the published 2026120605");
    }

    @Test
    void withinWarnIsAWarningWithoutAction() throws Exception {
        publish(2026120601L, NOW.minus(Duration.ofDays(12))); // 2 days left
        seat.standbys = List.of("node-b");
        ExpiryWatchdog w = watchdog();
        w.runOnce();
        clock.set(NOW.plus(INTERVAL));
        w.runOnce();
        assertThat(w.severities()).containsEntry(ZONE, Severity.WARNING);
        assertThat(gauge("tandem.watchdog.severity")).isEqualTo(1.0);
        assertThat(seat.stepDowns).isEmpty();
        assertThat(w.healthReasons())
                .singleElement()
                .asString()
                .startsWith("watchdog WARNING: ")
                .contains("below warn 259200 s");
    }

    @Test
    void aFileThatDoesNotValidateIsCritical() throws Exception {
        publish(2026120601L, NOW.minus(Duration.ofDays(1)));
        String text = Files.readString(file());
        // drop every RRSIG of the ns1 A RRset: the gate refuses the copy
        String ns1ARrsig = "ns1\\.example\\.test\\.\\s+\\d+\\s+IN\\s+RRSIG\\s+A\\s.*";
        Files.writeString(
                file(), text.lines().filter(l -> !l.matches(ns1ARrsig)).collect(Collectors.joining("\n", "", "\n")));
        ExpiryWatchdog w = watchdog();
        w.runOnce();
        assertThat(w.severities()).containsEntry(ZONE, Severity.CRITICAL);
        assertThat(fileGauge("tandem.watchdog.source.ok")).isZero();
        assertThat(w.healthReasons()).singleElement().asString().contains("does not validate");
    }

    @Test
    void noPublishedFileYetIsNotObserved() throws SigningException, InterruptedException {
        ExpiryWatchdog w = watchdog();
        w.runOnce();
        assertThat(w.severities()).containsEntry(ZONE, Severity.OK);
        assertThat(fileGauge("tandem.watchdog.serial")).isNaN();
        assertThat(fileGauge("tandem.watchdog.source.ok")).isNaN();
    }
}
