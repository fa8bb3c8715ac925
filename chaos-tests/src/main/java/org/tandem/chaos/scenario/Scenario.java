package org.tandem.chaos.scenario;

import org.tandem.chaos.cluster.Cluster;

/**
 * One named fault. {@link #run} starts on a converged cluster, injects the fault, waits for what
 * must happen, checks what only it can check (with {@link Trial#violate}), and heals the fault on
 * every path (also when it throws); the runner then waits for convergence and checks the invariants
 * on the recorded history.
 */
public interface Scenario {
    /** The name on the command line and in the report ({@code switch-failure}). */
    String name();

    /** What it does, one line, for {@code --list} and the report. */
    String description();

    void run(Cluster cluster, Trial trial) throws Exception;
}
