/**
 * Publishing signed zones (issue 4): {@link org.tandem.signer.publish.ZoneDirectory} writes each
 * version atomically into a directory for a hidden primary, in two steps (stage, promote) so that a
 * fenced commit can sit between them; {@link org.tandem.signer.publish.TransferServer} serves the
 * leader's current versions by AXFR/IXFR with NOTIFY, only while a
 * {@link org.tandem.signer.publish.ServingPermit} says yes. {@code AtomicZoneFile} writes a single
 * zone file (offline signing). Nothing here validates: the caller runs the validation gate before
 * every publish. Must not import PKCS#11; Curator is allowed (fenced publish) but not used yet.
 */
package org.tandem.signer.publish;
