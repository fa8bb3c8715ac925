package org.tandem.signer.node;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The result of a self-test: per zone, the capability canary and the key proof.
 *
 * @param zones one entry per configured zone, in configuration order
 * @param startedAt when the self-test started, by the node's clock
 * @param took how long it took
 */
public record SelfTestResult(List<ZoneSelfTest> zones, Instant startedAt, Duration took) {
    public SelfTestResult {
        zones = List.copyOf(zones);
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(took, "took");
        if (took.isNegative()) {
            throw new IllegalArgumentException("self-test duration must not be negative, got " + took);
        }
    }

    /** Every zone passed both checks (and there is at least one zone). */
    public boolean passed() {
        return !zones.isEmpty() && zones.stream().allMatch(ZoneSelfTest::passed);
    }
}
