package org.tandem.signer.gate;

import java.time.Duration;
import java.util.Objects;

/**
 * What the gate demands beyond the RFCs.
 *
 * @param minimumValidity every RRSIG must stay valid at least this long after {@code now} (INV-D1:
 *     "valid at now and at now + margin"); default one day
 * @param threads size of the fixed pool that verifies signatures; default the available processors
 * @param requireZonemd whether a zone without an apex ZONEMD (SIMPLE scheme, SHA-384) is refused
 */
public record GatePolicy(Duration minimumValidity, int threads, boolean requireZonemd) {
    public static final Duration DEFAULT_MINIMUM_VALIDITY = Duration.ofDays(1);

    public GatePolicy {
        Objects.requireNonNull(minimumValidity, "minimumValidity");
        if (minimumValidity.isNegative()) {
            throw new IllegalArgumentException("minimumValidity must not be negative: " + minimumValidity);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1: " + threads);
        }
    }

    /** One day of margin, one thread per available processor, ZONEMD checked when present only. */
    public static GatePolicy defaults() {
        return new GatePolicy(DEFAULT_MINIMUM_VALIDITY, Runtime.getRuntime().availableProcessors(), false);
    }

    public GatePolicy withMinimumValidity(Duration margin) {
        return new GatePolicy(margin, threads, requireZonemd);
    }

    public GatePolicy withThreads(int count) {
        return new GatePolicy(minimumValidity, count, requireZonemd);
    }

    public GatePolicy withRequireZonemd(boolean required) {
        return new GatePolicy(minimumValidity, threads, required);
    }
}
