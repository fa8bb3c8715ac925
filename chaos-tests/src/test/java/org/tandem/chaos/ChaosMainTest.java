package org.tandem.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ChaosMainTest {
    @Test
    void theNemesisDurationIsReadInSecondsMinutesHoursOrIso8601() {
        assertThat(ChaosMain.parseDuration("30m")).isEqualTo(Duration.ofMinutes(30));
        assertThat(ChaosMain.parseDuration("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(ChaosMain.parseDuration("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(ChaosMain.parseDuration("PT5M")).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void aDurationThatIsNotOneIsRefusedWithTheFormsItTakes() {
        assertThatThrownBy(() -> ChaosMain.parseDuration("soon")).hasMessageContaining("30m, 2h, 90s");
        assertThatThrownBy(() -> ChaosMain.parseDuration("0m")).hasMessageContaining("positive");
        assertThatThrownBy(() -> ChaosMain.parseDuration("m")).hasMessageContaining("not a duration");
    }
}
