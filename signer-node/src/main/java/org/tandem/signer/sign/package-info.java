/**
 * Zone signing: {@link org.tandem.signer.sign.ZoneSigner} turns an {@link
 * org.tandem.signer.zone.UnsignedZone} and the zone's {@link org.tandem.signer.sign.SigningKey}s
 * into a {@link org.tandem.signer.sign.SignedZone} (RRSIGs made on the HSMs, the NSEC or NSEC3 chain
 * from {@code nsec}, the SOA serial by {@link org.tandem.signer.sign.SerialPolicy}, ZONEMD by
 * {@link org.tandem.signer.sign.ZonemdDigest}). {@link org.tandem.signer.sign.CapabilityCanary}
 * runs first: a record type that cannot be signed stops the run, never a silent skip (INV-D2).
 *
 * <p>Incremental re-sign: {@link org.tandem.signer.sign.SignedZoneState} holds a signed zone in
 * memory (sorted owners, NSEC3 by hash, an index of RRSIG expirations, a journal for commit and
 * rollback); {@link org.tandem.signer.sign.IncrementalSigner} applies a change set or a new unsigned
 * zone to it, reusing every signature the rules allow and re-making the denial records only around
 * the change.
 *
 * <p>Owns the RFC 4034 §3.1.8.1 signing input and the RFC 4034 §6.2 canonical RR form (as amended
 * by RFC 6840 §5.1 and RFC 3597 §7). Does not write files (the {@code publish} package does) and
 * does not judge its own output (the {@code gate} package verifies independently).
 *
 * <p>Must not import Curator, gRPC, PKCS#11 ({@code hsm.pkcs11}), nor the {@code zone} loader or the
 * {@code gate}: it sees HSMs only through keysync's {@code Hsm} port.
 */
package org.tandem.signer.sign;
