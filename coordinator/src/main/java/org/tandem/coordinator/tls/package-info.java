/**
 * The coordinator's TLS: TLS 1.3 only, the cluster CA as the only trust anchor, client
 * certificates required on its server, connection limits on its server, and on its channels to the
 * nodes only servers whose certificate says {@code OU=node}. The same rules as keysync's
 * {@code MtlsServers}/{@code MtlsChannels}, which the coordinator does not depend on.
 *
 * <p>Must not import: keysync, Curator or ZooKeeper.
 */
package org.tandem.coordinator.tls;
