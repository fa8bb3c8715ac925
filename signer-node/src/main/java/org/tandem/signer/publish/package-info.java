/**
 * Publishing signed zones: {@link org.tandem.signer.publish.ZoneDirectory} writes each
 * version atomically into a directory for a hidden primary, in two steps (stage, promote) so that a
 * fenced commit can sit between them; {@link org.tandem.signer.publish.TransferServer} serves the
 * leader's current versions by AXFR/IXFR with NOTIFY, only while a
 * {@link org.tandem.signer.publish.ServingPermit} says yes. {@code AtomicZoneFile} writes a single
 * zone file (offline signing). Nothing here validates: the caller runs the validation gate before
 * every publish ({@link org.tandem.signer.publish.ZonePublisher} runs it). Must not import PKCS#11;
 * Curator is allowed (fenced publish) but not used yet.
 *
 * <p>How the node daemon wires it (names from the election package are the daemon's):
 *
 * <pre>{@code
 * ServingPermit lease = leadership::isValid;                // the election's local lease check
 * TransferServer xfr = TransferServer.start(transferConfig, lease, clock);
 * ZoneDirectory dir = new ZoneDirectory(publishDir, Retention.all());
 * ZonePublisher publisher = new ZonePublisher(gate, dir, Optional.of(xfr), lease, clock);
 * // on gaining leadership: serve what the cluster committed, so secondaries can transfer at once
 * dir.current(zone).filter(z -> z.serial() == committedSerial).ifPresent(xfr::serve);
 * // every new signed version:
 * publisher.publish(signed, (staged, verdict) ->
 *         fencedStore.commit(staged.zone(), staged.serial(), leadership.epoch()));  // throws when stale
 * // health endpoint / metrics: publisher.healthy(), publisher.health(zone), xfr.counters()
 * // shutdown: xfr.stop()
 * }</pre>
 */
package org.tandem.signer.publish;
