package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.tandem.keysync.hsm.Hsm;
import org.tandem.keysync.hsm.HsmException;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.HsmKey;
import org.tandem.keysync.hsm.HsmUnavailableException;
import org.tandem.keysync.hsm.KeyRef;
import org.tandem.keysync.hsm.KeySpec;
import org.tandem.keysync.hsm.TransportKey;
import org.tandem.keysync.hsm.WrappedKey;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.testing.SettableClock;

class TokenRecoveryTest {
    private final SettableClock clock = new SettableClock(Instant.parse("2026-12-06T22:00:00Z"));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final PluggableToken token = new PluggableToken();
    private final TokenRecovery recovery = new TokenRecovery("node-a", List.of(token), clock, registry);

    @Test
    void presentTokenIsNeitherReportedNorReopened() {
        recovery.tick();
        clock.advance(Duration.ofSeconds(30));
        recovery.tick();

        assertThat(recovery.problems()).isEmpty();
        assertThat(token.reopens).isZero();
        assertThat(registry.get("tandem.hsm.absent").gauge().value()).isZero();
    }

    @Test
    void absentTokenIsReportedAndReopenedWithDoublingBackOffUntilItIsBack() {
        token.present = false;
        recovery.tick();
        assertThat(recovery.problems())
                .singleElement()
                .asString()
                .contains("HSM dc1-hsm1 (token 'tok-a') absent since 2026-12-06T22:00:00Z, retrying (0 attempts")
                .contains("CKR_GENERAL_ERROR");
        assertThat(registry.get("tandem.hsm.absent").gauge().value()).isEqualTo(1.0);

        clock.advance(Duration.ofMillis(500));
        recovery.tick();
        assertThat(token.reopens).as("not before the first back-off of 1 s").isZero();

        List<Integer> waits = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            clock.advance(Duration.ofSeconds(60));
            recovery.tick();
            String line = recovery.problems().get(0);
            waits.add(Integer.parseInt(line.replaceAll(".*next in (\\d+) s.*", "$1")));
            assertThat(line).contains((i + 1) + " attempts").contains("token 'tok-a' not found");
        }
        assertThat(waits).containsExactly(2, 4, 8, 15, 15, 15, 15);
        assertThat(token.reopens).isEqualTo(7);

        token.present = true;
        clock.advance(Duration.ofSeconds(15));
        recovery.tick();

        assertThat(token.reopens).isEqualTo(8);
        assertThat(recovery.problems()).isEmpty();
        assertThat(recovery.isAbsent(token)).isFalse();
        assertThat(registry.get("tandem.hsm.absent").gauge().value()).isZero();
        assertThat(registry.get("tandem.hsm.reopen.attempts").counter().count()).isEqualTo(8.0);
    }

    /** A token that can be pulled out: absent answers CKR_GENERAL_ERROR, reopen fails until it is back. */
    private static final class PluggableToken implements Hsm {
        volatile boolean present = true;
        volatile boolean opened = true;
        int reopens;

        @Override
        public Optional<String> absence() {
            return present && opened ? Optional.empty() : Optional.of("C_GetTokenInfo(slot 7): CKR_GENERAL_ERROR");
        }

        @Override
        public void reopen() throws HsmException {
            reopens++;
            if (!present) {
                opened = false;
                throw new HsmUnavailableException(id(), "token 'tok-a' not found in libsofthsm2.so");
            }
            opened = true;
        }

        @Override
        public HsmId id() {
            return new HsmId("dc1-hsm1");
        }

        @Override
        public String toString() {
            return "HSM dc1-hsm1 (token 'tok-a')";
        }

        @Override
        public List<HsmKey> list(ZoneName zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public HsmKey generate(KeySpec spec) {
            throw new UnsupportedOperationException();
        }

        @Override
        public byte[] sign(KeyRef key, byte[] data) {
            throw new UnsupportedOperationException();
        }

        @Override
        public WrappedKey wrap(HsmKey key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public HsmKey unwrap(WrappedKey wrapped) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void delete(KeyRef key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<byte[]> kekCheckValue() {
            throw new UnsupportedOperationException();
        }

        @Override
        public byte[] generateKek() {
            throw new UnsupportedOperationException();
        }

        @Override
        public TransportKey newTransportKey() {
            throw new UnsupportedOperationException();
        }

        @Override
        public byte[] exportKek(TransportKey transportKey) {
            throw new UnsupportedOperationException();
        }

        @Override
        public byte[] importKek(TransportKey transportKey, byte[] wrappedKek, byte[] expectedCheckValue) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {}
    }
}
