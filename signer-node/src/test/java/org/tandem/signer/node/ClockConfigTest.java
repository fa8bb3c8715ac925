package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** INV-D5: the optional {@code clock: {max-skew: …}} of node.yaml. */
class ClockConfigTest {
    @TempDir
    Path dir;

    private NodeYamlFile file;

    @BeforeEach
    void files() throws Exception {
        file = new NodeYamlFile(dir);
    }

    private static String withClock(String clock) {
        return NodeConfigTest.VALID.replace("grpc:\n", clock + "grpc:\n");
    }

    @Test
    void defaultsTo30Seconds() throws Exception {
        NodeConfig c = file.load(NodeConfigTest.VALID);
        assertThat(c.clock().maxSkew()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.clock()).isEqualTo(ClockConfig.defaults());
        assertThat(c.summary()).contains("clock: max-skew 30s vs ZooKeeper server time");
        assertThat(file.load(withClock("clock: {}\n")).clock()).isEqualTo(ClockConfig.defaults());
    }

    @Test
    void takesMaxSkew() throws Exception {
        assertThat(file.load(withClock("clock: {max-skew: 5s}\n")).clock().maxSkew())
                .isEqualTo(Duration.ofSeconds(5));
        assertThat(file.load(withClock("clock:\n  max-skew: 1500ms\n")).clock().maxSkew())
                .isEqualTo(Duration.ofMillis(1500));
        assertThat(file.load(withClock("clock: {max-skew: 15m}\n")).clock().maxSkew())
                .isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void refusesThresholdsThatTheReadingCannotTellOrThatEatTheBackDating() throws Exception {
        file.fails(withClock("clock: {max-skew: 50ms}\n"), "clock.max-skew", "must be 100ms to 15m, got 50ms");
        file.fails(withClock("clock: {max-skew: 2h}\n"), "clock.max-skew", "must be 100ms to 15m, got 2h");
        file.fails(withClock("clock: {max-skew: 0s}\n"), "clock.max-skew", "must be 100ms to 15m");
        file.fails(withClock("clock: {max-skew: soon}\n"), "clock.max-skew", "'soon' is not a duration");
        file.fails(
                withClock("clock: {max-skew: 30s, source: ntp}\n"),
                "clock.source",
                "unknown key; expected one of [max-skew]");
        assertThatThrownBy(() -> new ClockConfig(Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("90 min");
    }
}
