/**
 * The HSM port: storage of DNSSEC keys and the crypto done with them, nothing else. {@link
 * org.tandem.keysync.hsm.Hsm} is implemented over PKCS#11 in {@code hsm.pkcs11}; unit tests above
 * the port may use an in-memory fake. Must not import Curator or gRPC.
 */
package org.tandem.keysync.hsm;
