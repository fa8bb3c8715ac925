/**
 * Replicate before publish: the leader's agent that brings every GENERATED key of a zone onto every
 * node of the cluster (this node's HSMs and its configured peers', through the peers' KeySync
 * service, wrapped under the cluster KEK), proves it everywhere with fresh nonces, and only then
 * promotes it GENERATED → PUBLISHED in the manifest, so that no node publishes a key another node
 * could not sign with after a failover.
 *
 * <p>And the other end of a key's life, on every node (leader and standby): {@link
 * org.tandem.signer.replication.KeyDestruction} destroys on this node's HSMs the keys the manifest lists as
 * DELETED.
 *
 * <p>Owns: {@link org.tandem.signer.replication.KeyReplicator} (one pass over the zones), {@link
 * org.tandem.signer.replication.PeerLinks} (the mutual-TLS channels to the peers), the pass's
 * outcome types.
 *
 * <p>Must not import: the signing machinery ({@code sign}, {@code gate}, {@code zone}, {@code nsec},
 * {@code publish}), the election ({@code election}: the caller passes whether it still leads),
 * {@code org.tandem.keysync.hsm.pkcs11}, Curator. gRPC is allowed here (client side only, through
 * keysync's {@code RemoteKeySet} and {@code MtlsChannels}).
 */
package org.tandem.signer.replication;
