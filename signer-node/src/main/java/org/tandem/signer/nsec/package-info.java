/**
 * Authenticated denial of existence: the NSEC chain (RFC 4034 §4, RFC 4035 §2.3) and the NSEC3
 * chain with its NSEC3PARAM (RFC 5155, parameters per RFC 9276), built from the zone's owner
 * names as {@link org.tandem.signer.nsec.OwnerNode}s in canonical order (RFC 4034 §6.1), empty
 * non-terminals included.
 *
 * <p>Pure: no I/O, no clocks, no threads, no HSM. It decides which names get a denial record and
 * what their type bitmaps say; signing them is the {@code sign} package's job. Must not import
 * {@code sign}, keysync's {@code hsm}, PKCS#11, Curator or gRPC.
 */
package org.tandem.signer.nsec;
