/**
 * The signer node daemon's own concepts: its configuration ({@link org.tandem.signer.node.NodeConfig},
 * loaded and fully checked from {@code node.yaml} before anything starts), the control surface the
 * daemon offers to the gRPC service ({@link org.tandem.signer.node.NodeControl} with its value
 * records) and the launcher {@link org.tandem.signer.node.SignerNodeMain}.
 *
 * <p>The daemon composition (election, publish, schedule, metrics and gRPC wired together) lives
 * here too once it exists; everything else of the node is in its own package and is only composed
 * here. Must not import PKCS#11 ({@code hsm.pkcs11}) or Curator directly: HSMs are opened through
 * keysync, ZooKeeper is reached through the {@code election} and {@code publish} packages.
 */
package org.tandem.signer.node;
