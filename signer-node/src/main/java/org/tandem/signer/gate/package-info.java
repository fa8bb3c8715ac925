/**
 * The pre-publication validation gate: an
 * independent verifier that takes a signed zone as dnsjava records and decides whether it may be
 * published (INV-D1, INV-D2, INV-D6).
 *
 * <p>Owns: the signature checks (every authoritative RRset signed by each algorithm of the apex
 * DNSKEY RRset <em>as published</em>, DNSKEY signed by a SEP key), validity windows, the NSEC and
 * NSEC3 chains with their type bitmaps, and ZONEMD (RFC 8976, SIMPLE scheme) verification and
 * digest computation. {@link org.tandem.signer.gate.IncrementalGate} applies the same checks to the
 * delta of an incremental re-sign, on its own copy of the zone last published. Signing input and canonical forms are
 * built here from RFC 4034 §3.1.8.1 and §6; signatures are verified with the Amazon Corretto Crypto Provider (a
 * different crypto implementation from the HSM that signs), falling back to the JDK's SunEC.
 *
 * <p>IMPORTANT: the gate must stay independent of the signing path, or it will share the signer's
 * bugs (DENIC, May 2026: published signatures mostly did not match the published DNSKEY). It must
 * not import PKCS#11, {@code org.tandem.keysync.hsm}, nor the signer's {@code
 * org.tandem.signer.sign} and {@code org.tandem.signer.nsec} packages, nor dnsjava's {@code
 * DNSSEC.verify}/{@code DNSSEC.digestRRset} (dnsjava 3.6.5 downcases SVCB/HTTPS target names, which
 * RFC 3597 §7 forbids; BIND, ldns and Knot do not). From dnsjava it uses only the record model, the
 * parser, canonical name ordering and the RDATA codecs.
 */
package org.tandem.signer.gate;
