package org.tandem.chaos.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tandem.chaos.history.JsonLines;

/** The judge's self-test, as {@code bin/chaos --self-test} runs it: every check fires on the history that breaks it. */
class SelfTestTest {
    @TempDir
    Path dir;

    @Test
    void everyInvariantCheckFiresOnAHistoryThatBreaksItAndTheCleanHistoryPasses() throws Exception {
        SelfTest.Result r = SelfTest.run(dir);

        assertThat(r.outcomes())
                .as("every crafted history makes its check fire")
                .allSatisfy(o -> assertThat(o.fired())
                        .as(o.invariant() + ": " + o.history())
                        .isTrue());
        assertThat(r.cleanPassed())
                .as("the clean history: " + r.cleanViolations())
                .isTrue();
        assertThat(r.ok()).isTrue();

        JsonNode json = JsonLines.MAPPER.readTree(dir.resolve("self-test.json").toFile());
        List<String> fired = new ArrayList<>();
        for (JsonNode c : json.get("checks")) {
            assertThat(c.get("fired").asBoolean()).as(c.toString()).isTrue();
            fired.add(c.get("invariant").asText());
        }
        assertThat(fired)
                .contains("INV-L1", "INV-L3", "INV-L4", "INV-L5", "INV-D5", "INV-K5", "distribution", "no-servfail");
        assertThat(json.get("all_fired").asBoolean()).isTrue();
    }

    @Test
    void theBogusVersionIsNamedByItsContentNotItsSerial() throws Exception {
        SelfTest.Result r = SelfTest.run(dir);

        assertThat(r.outcomes())
                .filteredOn(o -> o.history().startsWith("a bogus version"))
                .singleElement()
                .satisfies(o -> assertThat(o.detail())
                        .contains("serial 12")
                        .contains("a version nobody committed")
                        .contains("cccccccccccccccc"));
    }
}
