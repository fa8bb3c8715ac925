package org.tandem.cli.probe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

class ProbeResultTest {
    private static final Name ZONE = Name.fromConstantString("example.test.");
    private static final Name WWW = Name.fromConstantString("www.example.test.");
    private static final Instant NOW = Instant.parse("2026-12-06T10:00:00Z");
    private static final Instant EXPIRY = Instant.parse("2026-12-20T10:00:00Z");
    private static final Duration WARN = Duration.ofDays(3);
    private static final Expiry EARLIEST = new Expiry(EXPIRY, WWW, Type.A, 12345);

    private static ProbeResult result(List<Problem> problems) {
        return new ProbeResult(
                ZONE, "192.0.2.53:53", OptionalLong.of(2026120601L), 12, "axfr", Optional.of(EARLIEST), problems, NOW);
    }

    private static Problem expired() {
        return Problem.signature(
                ProbeStatus.CRITICAL,
                "rrsig-expired",
                WWW,
                Type.A,
                12345,
                Instant.parse("2026-12-01T00:00:00Z"),
                "RRSIG expired at 2026-12-01T00:00:00Z");
    }

    private static Problem soon() {
        return Problem.signature(
                ProbeStatus.WARNING, "rrsig-expires-soon", WWW, Type.A, 12345, EXPIRY, "RRSIG expires within 3d");
    }

    private static Problem timeout() {
        return Problem.of(ProbeStatus.UNKNOWN, "no-answer", WWW, Type.AAAA, "no answer from 192.0.2.53:53");
    }

    @Test
    void okLineNamesZoneSerialNamesAndTheEarliestExpiryWithPerformanceData() {
        assertThat(result(List.of()).nagiosLine(WARN))
                .isEqualTo("TANDEM PROBE OK - example.test. serial 2026120601, "
                        + "12 names, earliest RRSIG expiry 2026-12-20T10:00:00Z (www.example.test. A, key 12345) | "
                        + "expiry_seconds=1209600s;259200:;0: names=12 problems=0");
    }

    @Test
    void criticalOutranksWarningAndUnknownAndTheLineNamesTheCriticalProblemFirst() {
        ProbeResult r = result(List.of(timeout(), soon(), expired()));
        assertThat(r.status()).isEqualTo(ProbeStatus.CRITICAL);
        assertThat(r.status().code()).isEqualTo(2);
        assertThat(r.nagiosLine(WARN))
                .isEqualTo("TANDEM PROBE CRITICAL - example.test. serial 2026120601: www.example.test. A, key 12345, "
                        + "expiry 2026-12-01T00:00:00Z: RRSIG expired at 2026-12-01T00:00:00Z (+2 more); 12 names "
                        + "checked | expiry_seconds=1209600s;259200:;0: names=12 problems=3");
    }

    @Test
    void warningOutranksUnknownAsTheMonitoringPluginsOrderStates() {
        assertThat(result(List.of(timeout(), soon())).status()).isEqualTo(ProbeStatus.WARNING);
        assertThat(result(List.of(timeout())).status()).isEqualTo(ProbeStatus.UNKNOWN);
        assertThat(result(List.of()).status()).isEqualTo(ProbeStatus.OK);
        assertThat(List.of(ProbeStatus.OK, ProbeStatus.WARNING, ProbeStatus.CRITICAL, ProbeStatus.UNKNOWN))
                .extracting(ProbeStatus::code)
                .containsExactly(0, 1, 2, 3);
    }

    @Test
    void unknownWithoutAnswerHasNoSerialNorExpiryInTheLine() {
        ProbeResult r = new ProbeResult(
                ZONE,
                "127.0.0.1:5300",
                OptionalLong.empty(),
                0,
                "none",
                Optional.empty(),
                List.of(Problem.of(ProbeStatus.UNKNOWN, "no-answer", ZONE, Type.SOA, "no answer from 127.0.0.1:5300")),
                NOW);
        assertThat(r.nagiosLine(WARN))
                .isEqualTo("TANDEM PROBE UNKNOWN - example.test.: example.test. SOA: no answer "
                        + "from 127.0.0.1:5300; 0 names checked | names=0 problems=1");
    }

    @Test
    void aDetailWithALineBreakStillGivesOneLine() {
        Problem p = Problem.of(ProbeStatus.CRITICAL, "validation-failed", WWW, Type.A, "one\ntwo");
        assertThat(result(List.of(p)).nagiosLine(WARN)).doesNotContain("\n").contains("one two");
    }

    @Test
    void jsonCarriesStatusCodeZoneSerialNamesEarliestExpiryAndProblems() throws Exception {
        Map<String, Object> m = result(List.of(soon(), expired())).json();
        JsonNode j = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(m));
        assertThat(j.get("status").asText()).isEqualTo("CRITICAL");
        assertThat(j.get("code").asInt()).isEqualTo(2);
        assertThat(j.get("zone").asText()).isEqualTo("example.test.");
        assertThat(j.get("serial").asLong()).isEqualTo(2026120601L);
        assertThat(j.get("names_checked").asInt()).isEqualTo(12);
        assertThat(j.get("names_from").asText()).isEqualTo("axfr");
        JsonNode e = j.get("earliest_expiry");
        assertThat(e.get("time").asText()).isEqualTo("2026-12-20T10:00:00Z");
        assertThat(e.get("seconds_left").asLong()).isEqualTo(14 * 86_400L);
        assertThat(e.get("owner").asText()).isEqualTo("www.example.test.");
        assertThat(e.get("type").asText()).isEqualTo("A");
        assertThat(e.get("key_tag").asInt()).isEqualTo(12345);
        assertThat(j.get("problems")).hasSize(2);
        JsonNode first = j.get("problems").get(0);
        assertThat(first.get("status").asText()).isEqualTo("CRITICAL");
        assertThat(first.get("kind").asText()).isEqualTo("rrsig-expired");
        assertThat(first.get("owner").asText()).isEqualTo("www.example.test.");
        assertThat(first.get("type").asText()).isEqualTo("A");
        assertThat(first.get("key_tag").asInt()).isEqualTo(12345);
        assertThat(first.get("expiry").asText()).isEqualTo("2026-12-01T00:00:00Z");
    }
}
