/**
 * Proof of possession and key-set verification: every private key on every HSM signs a fresh
 * nonce RRset, and the signature is checked with the manifest's public key, in software, never by
 * asking the HSM. Must not import PKCS#11 or Curator.
 */
package org.tandem.keysync.proof;
