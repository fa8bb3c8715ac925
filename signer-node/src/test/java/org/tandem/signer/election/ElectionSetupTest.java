package org.tandem.signer.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.key.ZoneName;

class ElectionSetupTest {
    // never started: the setup only holds it
    private static final CuratorFramework CLIENT =
            CuratorFrameworkFactory.newClient("127.0.0.1:1", new RetryOneTime(1));
    private static final Clock CLOCK = Clock.systemUTC();
    private static final KeySyncCheck CHECK =
            () -> KeySyncVerdict.synced(CLOCK.instant(), List.of(ZoneName.of("example.test.")));
    private static final ElectionSettings SETTINGS =
            new ElectionSettings(Duration.ofMillis(200), 0.5, Duration.ofMillis(300));

    @Test
    void startsWithoutGuardsOnTheSystemsMonotonicClock() {
        ElectionSetup s = ElectionSetup.of(CLIENT, "/tandem", "node-a", CHECK, SETTINGS, CLOCK);
        assertThat(s.clockGuard()).isNull();
        assertThat(s.takeoverCheck()).isNull();
        assertThat(s.nanoTime()).isNotNull();
    }

    @Test
    void eachWithKeepsTheOtherParts() {
        TakeoverCheck takeover = () -> new TakeoverVerdict(CLOCK.instant(), List.of());
        LongSupplier frozen = () -> 42;
        ElectionSetup s = ElectionSetup.of(CLIENT, "/tandem", "node-a", CHECK, SETTINGS, CLOCK)
                .withTakeoverCheck(takeover)
                .withNanoTime(frozen);
        assertThat(s.takeoverCheck()).isSameAs(takeover);
        assertThat(s.nanoTime()).isSameAs(frozen);
        assertThat(s.node()).isEqualTo("node-a");
        assertThat(s.root()).isEqualTo("/tandem");
        assertThatThrownBy(() -> s.withClockGuard(null)).hasMessage("clockGuard");
    }

    @Test
    void refusesANodeNameThatIsBlankOrHasASlash() {
        assertThatThrownBy(() -> ElectionSetup.of(CLIENT, "/tandem", " ", CHECK, SETTINGS, CLOCK))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ElectionSetup.of(CLIENT, "/tandem", "a/b", CHECK, SETTINGS, CLOCK))
                .hasMessageContaining("'a/b'");
    }
}
