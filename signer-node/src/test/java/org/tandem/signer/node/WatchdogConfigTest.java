package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code watchdog:} block of {@code node.yaml}: defaults, values, and every refusal with its key path. */
class WatchdogConfigTest {
    @TempDir
    Path dir;

    private NodeYamlFile file;

    @BeforeEach
    void files() throws Exception {
        file = new NodeYamlFile(dir);
    }

    @Test
    void absentBlockGivesOneMinuteThreeDaysOneDayAndNoSecondaries() throws Exception {
        WatchdogConfig w = file.load(NodeConfigTest.VALID).watchdog();
        assertThat(w).isEqualTo(WatchdogConfig.defaults());
        assertThat(w.interval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(w.warn()).isEqualTo(Duration.ofDays(3));
        assertThat(w.critical()).isEqualTo(Duration.ofDays(1));
        assertThat(w.secondaries()).isEmpty();
    }

    @Test
    void readsIntervalThresholdsAndSecondariesWithTsig() throws Exception {
        NodeConfig c = file.load(NodeConfigTest.VALID + """
                watchdog:
                  interval: 2s
                  warn: 40s
                  critical: 20s
                  secondaries:
                    - {name: knot-dc1, address: "127.0.0.1:5353"}
                    - name: nsd-dc2
                      address: "[::1]:53"
                      tsig: {name: xfr, algorithm: hmac-sha256, secret-file: tsig.secret}
                """);
        WatchdogConfig w = c.watchdog();
        assertThat(w.interval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(w.warn()).isEqualTo(Duration.ofSeconds(40));
        assertThat(w.critical()).isEqualTo(Duration.ofSeconds(20));
        assertThat(w.secondaries()).hasSize(2);
        assertThat(w.secondaries().get(0).address()).isEqualTo(new Endpoint("127.0.0.1", 5353));
        assertThat(w.secondaries().get(0).tsig()).isEmpty();
        assertThat(w.secondaries().get(1).address()).isEqualTo(new Endpoint("::1", 53));
        assertThat(w.secondaries().get(1).tsig().orElseThrow().secretFile()).isEqualTo(dir.resolve("tsig.secret"));
        assertThat(c.summary())
                .contains("watchdog: every 2s, warn below 40s, critical below 20s, secondaries"
                        + " knot-dc1 at 127.0.0.1:5353, nsd-dc2 at [::1]:53");
    }

    @Test
    void refusesCriticalNotShorterThanWarn() throws Exception {
        file.fails(
                NodeConfigTest.VALID + "watchdog: {warn: 1d, critical: 1d}\n",
                "watchdog.critical",
                "1d is not shorter than watchdog.warn 1d");
        file.fails(
                NodeConfigTest.VALID + "watchdog: {critical: 4d}\n",
                "watchdog.critical",
                "4d is not shorter than watchdog.warn 3d");
    }

    @Test
    void refusesZeroIntervalOrCriticalAndBadDurations() throws Exception {
        file.fails(NodeConfigTest.VALID + "watchdog: {interval: 0s}\n", "watchdog.interval", "must be positive");
        file.fails(NodeConfigTest.VALID + "watchdog: {critical: 0s}\n", "watchdog.critical", "must be positive");
        file.fails(NodeConfigTest.VALID + "watchdog: {warn: soon}\n", "watchdog.warn", "'soon' is not a duration");
    }

    @Test
    void refusesUnknownKeysAndBadSecondaries() throws Exception {
        file.fails(NodeConfigTest.VALID + "watchdog: {every: 1m}\n", "watchdog.every", "unknown key");
        file.fails(
                NodeConfigTest.VALID + "watchdog: {secondaries: [{name: self, address: \"h:53\"}]}\n",
                "watchdog.secondaries[0].name",
                "'self' is the watchdog's name for this node's own copy");
        file.fails(
                NodeConfigTest.VALID
                        + "watchdog: {secondaries: [{name: a, address: \"h:53\"}, {name: a, address: \"g:53\"}]}\n",
                "watchdog.secondaries[1].name",
                "secondary 'a' is listed twice");
        file.fails(
                NodeConfigTest.VALID + "watchdog: {secondaries: [{name: a, address: \"h:0\"}]}\n",
                "watchdog.secondaries[0].address",
                "port 0 cannot be sent to");
        file.fails(
                NodeConfigTest.VALID + "watchdog: {secondaries: [{name: a}]}\n",
                "watchdog.secondaries[0].address",
                "missing");
        file.fails(
                NodeConfigTest.VALID + "watchdog: {secondaries: [{name: a, address: \"h:53\", tsig: {name: k,"
                        + " algorithm: hmac-md5, secret-file: tsig.secret}}]}\n",
                "watchdog.secondaries[0].tsig.algorithm",
                "is not one of");
        file.fails(NodeConfigTest.VALID + "watchdog: {secondaries: knot}\n", "watchdog.secondaries", "expected a list");
    }
}
