/**
 * The signer node daemon's own concepts: its configuration ({@link org.tandem.signer.node.NodeConfig},
 * loaded and fully checked from {@code node.yaml} before anything starts), the control surface the
 * daemon offers to the gRPC service ({@link org.tandem.signer.node.NodeControl} with its value
 * records) and the launcher {@link org.tandem.signer.node.SignerNodeMain}.
 *
 * <p>The daemon composition lives here too: {@link org.tandem.signer.node.SignerNodeDaemon} wires
 * election, publish, schedule, replication, metrics and gRPC together, {@link
 * org.tandem.signer.node.ZoneCycle} is one zone's sign-gate-commit-publish run, and {@link
 * org.tandem.signer.node.TakeoverPreflight} the checks a node runs after winning the election and
 * before it leads. Everything else of
 * the node is in its own package and is only composed here. Must not import PKCS#11 ({@code
 * hsm.pkcs11}) or Curator directly: HSMs are opened through keysync ({@code HsmSessions}),
 * ZooKeeper is reached through the {@code election} package ({@code ClusterConnection}).
 */
package org.tandem.signer.node;
