/**
 * The cluster commands: gRPC clients of the coordinator ({@code tandem.coordinator.v1.Coordinator})
 * with the operator's certificate, configured by {@code signerctl.yaml} ({@link
 * org.tandem.cli.cluster.ClusterConfig}). {@link org.tandem.cli.cluster.ClusterCommands}: {@code
 * status}, {@code preflight}, {@code failover}, {@code step-down}; {@link
 * org.tandem.cli.cluster.ClusterKeyCommands}: the {@code --config} forms of {@code kek} and {@code
 * keys}, and {@code keys --cluster}. One connection per command ({@link
 * org.tandem.cli.cluster.CoordinatorClient}), every call with a deadline; a gRPC status becomes an exit
 * code only in {@code CoordinatorClient.translate}. Rendering of the coordinator's answers: {@link
 * org.tandem.cli.cluster.ClusterView}.
 *
 * <p>Rules: talks to the cluster only through the coordinator: no HSM, no PKCS#11, no ZooKeeper, no
 * keysync {@code KeySync}; imports {@code org.tandem.cli} (exit codes, output), the coordinator's
 * proto and keysync's {@code grpc}, {@code config} and {@code key} packages, nothing of the other
 * command packages.
 */
package org.tandem.cli.cluster;
