/**
 * The coordinator ({@code coordinator --config coordinator.yaml}): the cluster view from ZooKeeper and
 * from every node's SignerNode and KeySync services, the cut-over preflight and the cut-over, served as
 * the {@code tandem.coordinator.v1.Coordinator} gRPC service with mutual TLS.
 *
 * <p>Packages: {@code config} (coordinator.yaml), {@code view} (ZooKeeper ledger/manifests, node
 * clients, proof verification), {@code preflight} (the checks, pure), {@code ceremony} (the key
 * ceremonies through the nodes' KeySync services), {@code grpc} (service,
 * authorization, TLS), {@code audit} (the JSON-lines audit log).
 */
package org.tandem.coordinator;
