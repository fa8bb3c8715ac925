/**
 * The coordinator's metrics ({@link org.tandem.coordinator.metrics.CoordinatorMetrics}, a Micrometer
 * Prometheus registry fed by the preflight, the cut-overs and a periodic look at the cluster),
 * served by keysync's {@code metrics.MetricsServer}.
 *
 * <p>Must not import gRPC stubs, Curator or anything of the signer node: it reads the coordinator
 * proto's messages only.
 */
package org.tandem.coordinator.metrics;
