package org.tandem.signer.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.tandem.signer.nsec.Nsec3Parameters;
import org.xbill.DNS.Name;
import org.xbill.DNS.Type;

class SigningPolicyTest {
    private static final Instant NOW = Instant.parse("2026-11-22T10:15:30.750Z");

    @Test
    void defaultsAreKnotLike() {
        SigningPolicy p = SigningPolicy.defaults();
        assertThat(p.validity()).isEqualTo(Duration.ofDays(14));
        assertThat(p.refresh()).isEqualTo(Duration.ofDays(7));
        assertThat(p.inceptionOffset()).isEqualTo(Duration.ofMinutes(90));
        assertThat(p.jitter()).isEqualTo(Duration.ofDays(1));
        assertThat(p.dnskeyTtl()).isEqualTo(3600);
        assertThat(p.denial()).isEqualTo(Denial.NSEC);
        assertThat(p.nsec3()).isEqualTo(Nsec3Parameters.DEFAULT);
        assertThat(p.nsec3().iterations()).isZero(); // INV-D6
        assertThat(p.nsec3().salt()).isEmpty();
        assertThat(p.serial()).isEqualTo(SerialPolicy.INCREMENT);
        assertThat(p.zonemd()).isFalse();
        assertThat(p.threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void inceptionIsBackdatedNinetyMinutesInWholeSeconds() {
        assertThat(SigningPolicy.defaults().inception(NOW)).isEqualTo(Instant.parse("2026-11-22T08:45:30Z"));
    }

    @Test
    void expirationsStayWithinValidityMinusJitterAndValidityAndSpreadOut() {
        SigningPolicy p = SigningPolicy.defaults();
        Instant latest = Instant.parse("2026-12-06T10:15:30Z");
        Instant earliest = latest.minus(Duration.ofDays(1));
        Set<Instant> seen = new HashSet<>();
        for (int i = 0; i < 5000; i++) {
            Name owner = Name.fromConstantString("d" + i + ".example.");
            Instant e = p.expiration(NOW, owner, Type.NS);
            assertThat(e).isBetween(earliest, latest);
            assertThat(p.expiration(NOW, owner, Type.NS)).isEqualTo(e); // reproducible
            seen.add(e);
        }
        assertThat(seen).hasSizeGreaterThan(4500); // 86401 possible values: spread, not clustered
        long early = seen.stream()
                .filter(e -> e.isBefore(earliest.plus(Duration.ofHours(12))))
                .count();
        assertThat(early).isBetween(2000L, 3000L); // roughly uniform
    }

    @Test
    void zeroJitterGivesExactlyTheValidity() {
        SigningPolicy p = SigningPolicy.defaults().withValidity(Duration.ofDays(14), Duration.ofDays(7), Duration.ZERO);
        assertThat(p.expiration(NOW, Name.root, Type.SOA)).isEqualTo(Instant.parse("2026-12-06T10:15:30Z"));
    }

    @Test
    void refusesIncoherentSettings() {
        SigningPolicy d = SigningPolicy.defaults();
        assertThatThrownBy(() -> d.withValidity(Duration.ofDays(14), Duration.ofDays(7), Duration.ofDays(14)))
                .hasMessageContaining("jitter");
        assertThatThrownBy(() -> d.withValidity(Duration.ofDays(14), Duration.ofDays(13), Duration.ofDays(1)))
                .hasMessageContaining("refresh");
        assertThatThrownBy(() -> d.withValidity(Duration.ofMinutes(10), Duration.ofMinutes(5), Duration.ZERO))
                .hasMessageContaining("validity");
        assertThatThrownBy(() -> d.withThreads(0)).hasMessageContaining("threads");
        assertThatThrownBy(() -> d.withDnskeyTtl(-1)).hasMessageContaining("TTL");
    }
}
