/**
 * The monitoring endpoint every Tandem process serves: {@link org.tandem.keysync.metrics.MetricsServer}
 * ({@code /metrics} in the Prometheus text format and {@code /health}), over plain HTTP with
 * deadlines. It knows nothing of what it serves: the process hands it a scrape and a health
 * supplier.
 *
 * <p>Must not import PKCS#11, Curator or gRPC.
 */
package org.tandem.keysync.metrics;
