/**
 * Leader election and fencing of the signer cluster: who may sign and publish, and the ZooKeeper
 * ledger that makes a deposed leader's publish fail.
 *
 * <p>Owns:
 *
 * <ul>
 *   <li>{@link org.tandem.signer.election.KeySyncedElection}: a Curator {@code LeaderLatch} under
 *       {@code <root>/cluster/leader} that a node enters only while its {@link
 *       org.tandem.signer.election.KeySyncCheck} passes; on winning it re-proves the keys and bumps
 *       the epoch {@code <root>/cluster/epoch}; it revokes on SUSPENDED, LOST, a lost latch, a moved
 *       epoch, a failed re-check and on expiry of the local lease.
 *   <li>{@link org.tandem.signer.election.TakeoverCheck}: what a node that won the latch checks
 *       before it bumps the epoch; a refusal leaves the election without leading.
 *   <li>{@link org.tandem.signer.election.Leadership}: the fencing handle, valid only while the lease
 *       holds.
 *   <li>{@link org.tandem.signer.election.PublishLedger}: per zone {@code <root>/zones/<zone>/published}
 *       and {@code <root>/zones/<zone>/history/p-NNNNNNNNNN}, written in one ZooKeeper transaction that
 *       checks the epoch and the latch node (INV-L4), with SOA serials that never go backwards and
 *       never repeat with other content (INV-L5). Its history's DNSKEY sets answer {@link
 *       org.tandem.signer.election.PublishedDnskeys published-long-enough}.
 * </ul>
 *
 * <p>Does not own: signing, the zone files and transfers that leave the node ({@code publish}); those
 * must act only on a {@link org.tandem.signer.election.Leadership} that {@code isValid()} and on what
 * the ledger committed.
 *
 * <p>Must not import: {@code org.tandem.keysync.hsm.pkcs11}, gRPC, or {@code org.apache.curator.test}
 * (test scope only). Curator is allowed here, and only in {@code election}, {@code manifest} and
 * {@code publish}.
 */
package org.tandem.signer.election;
