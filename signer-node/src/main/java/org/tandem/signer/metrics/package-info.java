/**
 * The node's monitoring surface: {@link org.tandem.signer.metrics.NodeMetrics} (Micrometer meters
 * in a Prometheus registry, fed from the daemon's {@code NodeStatus} and its failure counts),
 * and {@link org.tandem.signer.metrics.NodeHealth} (can the node do its job, and if not why); keysync's
 * {@code metrics.MetricsServer} serves both ({@code /metrics} and {@code /health}).
 *
 * <p>Must not import PKCS#11, Curator, gRPC or the signing packages: it only reads the
 * {@code node} package's records, keysync's key records ({@link org.tandem.signer.metrics.KeyFacts})
 * and the transfer server's {@code publish.TransferEvent}.
 */
package org.tandem.signer.metrics;
