/**
 * Loading and checking unsigned zones: an RFC 1035 master file (with {@code $INCLUDE}, {@code
 * $GENERATE}, RFC 3597 unknown types) becomes an {@link org.tandem.signer.zone.UnsignedZone}, or a
 * {@link org.tandem.signer.zone.ZoneLoadException} that names file, line and record.
 *
 * <p>Owns: {@link org.tandem.signer.zone.ZoneLoader} (the entry point), the master-file reader
 * (directives, line tracking on top of dnsjava's {@code Tokenizer}), the zone-level checks (one SOA
 * and NS at the apex, CNAME rules, RRset TTLs, duplicates) and the removal of the DNSSEC records
 * the signer makes itself.
 *
 * <p>Must not import: PKCS#11 ({@code sun.security.pkcs11}, {@code org.tandem.keysync.hsm.pkcs11})
 * or the HSM port, Curator or ZooKeeper, gRPC. Loading is pure file I/O and parsing, so a zone can
 * be checked where no HSM or ensemble is reachable; signing is {@code org.tandem.signer.sign}'s.
 */
package org.tandem.signer.zone;
