package org.tandem.chaos.scenario;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A random nemesis run's schedule: the seed, the planned duration and every fault drawn, in order.
 * {@code bin/chaos --nemesis random --duration D --seed S} with the same seed draws the same faults.
 *
 * @param seed the run's seed
 * @param duration how long faults were drawn
 * @param schedule the faults drawn, in order
 */
record Nemesis(long seed, Duration duration, List<Step> schedule) {
    /** One drawn fault: its place, the scenario, the seed of its own random choices, when it started. */
    record Step(int round, String scenario, long seed, Instant started) {}
}
