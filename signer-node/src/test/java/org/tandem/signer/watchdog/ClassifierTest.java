package org.tandem.signer.watchdog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.ZoneName;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

/** {@link Classifier}: every branch, from observations, thresholds and a fixed {@code now}. */
class ClassifierTest {
    private static final ZoneName ZONE = ZoneName.of("example.test");
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    private static final Thresholds T = new Thresholds(Duration.ofDays(3), Duration.ofDays(1), Duration.ofSeconds(60));

    private static Observation copy(
            String source, long serial, Duration left, long reference, Optional<Instant> behindSince) {
        return Observation.read(
                source,
                serial,
                Optional.empty(),
                Optional.of(new EarliestRrsig(NOW.plus(left), Name.fromConstantString("www.example.test."), Type.AAAA)),
                reference,
                behindSince);
    }

    private static Observation fresh(String source) {
        return copy(source, 7, Duration.ofDays(10), 7, Optional.empty());
    }

    private static ZoneVerdict classify(Observation... o) {
        return Classifier.classify(ZONE, List.of(o), T, NOW);
    }

    @Test
    void currentValidLongLivedCopiesAreOk() {
        ZoneVerdict v = classify(fresh("self"), fresh("published-file"), fresh("knot-dc1"));
        assertThat(v.severity()).isEqualTo(Severity.OK);
        assertThat(v.sources()).allMatch(s -> s.ok() && s.problems().isEmpty());
        assertThat(v.referenceSerial()).isEqualTo(7);
        assertThat(v.earliest().orElseThrow().expiration()).isEqualTo(NOW.plus(Duration.ofDays(10)));
    }

    @Test
    void noObservationIsOk() {
        ZoneVerdict v = classify();
        assertThat(v.severity()).isEqualTo(Severity.OK);
        assertThat(v.earliest()).isEmpty();
    }

    @Test
    void expiryWithinWarnIsWarningAndStillOkAsASource() {
        ZoneVerdict v = classify(copy("self", 7, Duration.ofDays(2), 7, Optional.empty()));
        assertThat(v.severity()).isEqualTo(Severity.WARNING);
        assertThat(v.sources().get(0).ok()).isTrue();
        assertThat(v.problems())
                .singleElement()
                .asString()
                .contains("zone example.test. source self serial 7")
                .contains("earliest RRSIG (www.example.test. AAAA) expires 2026-12-08T12:00:00Z, in 172800 s")
                .contains("below warn 259200 s");
    }

    @Test
    void expiryExactlyAtWarnIsOk() {
        assertThat(classify(copy("self", 7, Duration.ofDays(3), 7, Optional.empty()))
                        .severity())
                .isEqualTo(Severity.OK);
    }

    @Test
    void expiryWithinCriticalIsCritical() {
        ZoneVerdict v = classify(fresh("published-file"), copy("self", 7, Duration.ofHours(23), 7, Optional.empty()));
        assertThat(v.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(v.criticalSources()).containsExactly("self");
        assertThat(v.problems()).singleElement().asString().contains("below critical 86400 s");
        assertThat(v.earliest().orElseThrow().expiration()).isEqualTo(NOW.plus(Duration.ofHours(23)));
    }

    @Test
    void copyThatDoesNotValidateIsCriticalAndNotOk() {
        Observation bad = Observation.read(
                "knot-dc1",
                7,
                Optional.of("zone=example.test. REFUSED: 1 failure\nmore"),
                Optional.empty(),
                7,
                Optional.empty());
        ZoneVerdict v = classify(fresh("self"), bad);
        assertThat(v.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(v.criticalSources()).containsExactly("knot-dc1");
        assertThat(v.sources().get(1).ok()).isFalse();
        assertThat(v.problems())
                .singleElement()
                .asString()
                .isEqualTo("zone example.test. source knot-dc1 serial 7: does not validate: zone=example.test. REFUSED:"
                        + " 1 failure");
    }

    @Test
    void unreadableSourceIsWarningAndNotOk() {
        ZoneVerdict v = classify(fresh("self"), Observation.unreadable("knot-dc1", "connection refused", 7));
        assertThat(v.severity()).isEqualTo(Severity.WARNING);
        assertThat(v.sources().get(1).ok()).isFalse();
        assertThat(v.problems())
                .containsExactly("zone example.test. source knot-dc1: cannot be read: connection refused");
    }

    @Test
    void olderSerialWithinTheGraceIsStillCurrent() {
        ZoneVerdict v = classify(copy("knot-dc1", 6, Duration.ofDays(10), 7, Optional.of(NOW.minusSeconds(59))));
        assertThat(v.severity()).isEqualTo(Severity.OK);
        assertThat(v.sources().get(0).ok()).isTrue();
    }

    @Test
    void olderSerialForTheGraceOrLongerIsStaleWarning() {
        ZoneVerdict v = classify(copy("knot-dc1", 6, Duration.ofDays(10), 7, Optional.of(NOW.minusSeconds(60))));
        assertThat(v.severity()).isEqualTo(Severity.WARNING);
        assertThat(v.sources().get(0).ok()).isFalse();
        assertThat(v.problems())
                .containsExactly(
                        "zone example.test. source knot-dc1: serves serial 6, older than the published 7, for 60 s");
    }

    @Test
    void staleAndNearExpiryIsCriticalWithBothProblems() {
        ZoneVerdict v = classify(copy("knot-dc1", 6, Duration.ofHours(1), 7, Optional.of(NOW.minusSeconds(600))));
        assertThat(v.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(v.problems()).hasSize(2);
    }

    @Test
    void unsignedReadableCopyJudgedOnlyByTheGate() {
        Observation unsigned = Observation.read("self", 7, Optional.empty(), Optional.empty(), 7, Optional.empty());
        assertThat(classify(unsigned).severity()).isEqualTo(Severity.OK);
    }

    @Test
    void zoneSeverityIsTheWorstSource() {
        ZoneVerdict v = classify(
                copy("self", 7, Duration.ofDays(2), 7, Optional.empty()),
                Observation.unreadable("knot-dc1", "timeout", 7),
                copy("nsd", 7, Duration.ofHours(2), 7, Optional.empty()));
        assertThat(v.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(v.sources())
                .extracting(SourceVerdict::severity)
                .containsExactly(Severity.WARNING, Severity.WARNING, Severity.CRITICAL);
    }

    @Test
    void thresholdsRefuseCriticalNotBelowWarnAndNonPositiveGrace() {
        assertThatThrownBy(() -> new Thresholds(Duration.ofDays(1), Duration.ofDays(1), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shorter than warn");
        assertThatThrownBy(() -> new Thresholds(Duration.ofDays(3), Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Thresholds(Duration.ofDays(3), Duration.ofDays(1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("grace");
    }

    @Test
    void anObservationHasASerialExactlyWhenRead() {
        assertThatThrownBy(() -> new Observation(
                        "self",
                        Optional.of("x"),
                        java.util.OptionalLong.of(1),
                        Optional.empty(),
                        Optional.empty(),
                        0,
                        Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
