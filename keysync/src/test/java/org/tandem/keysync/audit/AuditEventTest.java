package org.tandem.keysync.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.tandem.keysync.audit.TestLogs.T0;

import org.junit.jupiter.api.Test;

class AuditEventTest {
    @Test
    void acceptsEmptyFieldsThatDoNotApply() {
        AuditEvent event = event("", null, "ops@h1 signerctl kek init");

        assertThat(event.fingerprint()).isEmpty();
        assertThat(event.keyTag()).isNull();
    }

    @Test
    void rejectsAFingerprintThatIsNotLowercaseHex() {
        assertThatThrownBy(() -> event("AB12", 1, "ops@h1 x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fingerprint");
        assertThatThrownBy(() -> event("abc", 1, "ops@h1 x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsAKeyTagOutside16Bits() {
        assertThatThrownBy(() -> event("ab", 65536, "ops@h1 x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keyTag");
        assertThat(event("ab", 65535, "ops@h1 x").keyTag()).isEqualTo(65535);
    }

    @Test
    void rejectsABlankActorAndUnpairedSurrogates() {
        assertThatThrownBy(() -> event("ab", 1, " "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("actor");
        assertThatThrownBy(() -> event("ab", 1, "ops@h1 \uD800"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("surrogate");
    }

    private static AuditEvent event(String fingerprint, Integer keyTag, String actor) {
        return new AuditEvent(
                T0, AuditOperation.KEK_INIT, "", "tok-a", fingerprint, keyTag, "", AuditOutcome.OK, "", actor);
    }
}
