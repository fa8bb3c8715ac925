/**
 * The cluster as the coordinator sees it: {@link org.tandem.coordinator.view.ZooKeeperView} (epoch,
 * manifests, publish ledger; read only), {@link org.tandem.coordinator.view.NodeClients} (mutual-TLS
 * stubs for every node's SignerNode and KeySync), {@link org.tandem.coordinator.view.Inventories} and
 * {@link org.tandem.coordinator.view.KeyFacts} (the proofs of possession, verified here with the
 * manifest's DNSKEY over the coordinator's nonce), and {@link org.tandem.coordinator.view.ClusterView}
 * (the {@code GetClusterStatus} and {@code GetClusterKeys} answers).
 */
package org.tandem.coordinator.view;
