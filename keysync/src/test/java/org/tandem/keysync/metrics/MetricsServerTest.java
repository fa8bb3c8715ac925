package org.tandem.keysync.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The text rules of {@link MetricsServer} (its HTTP behaviour is tested through the signer node's endpoint). */
class MetricsServerTest {
    @Test
    void aReasonIsCutToOneLineOfBoundedLengthWithoutControlCharacters() {
        assertThat(MetricsServer.oneLine("x".repeat(1000) + "\u0007")).hasSize(MetricsServer.MAX_REASON_CHARS + 3);
        assertThat(MetricsServer.oneLine("first\u001b[31m\nsecond")).isEqualTo("first?[31m");
    }
}
