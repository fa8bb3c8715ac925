/**
 * The key domain: values that describe DNSSEC keys and their identity. No I/O here: nothing in this
 * package may import PKCS#11, Curator, gRPC or file APIs.
 *
 * <p>IMPORTANT: a key's identity is its {@link org.tandem.keysync.key.Fingerprint} (the SHA-256 DS
 * digest of its DNSKEY). The {@link org.tandem.keysync.key.KeyTag} is for display and RRSIGs only:
 * at DENIC in May 2026 three different key pairs shared key tag 33834.
 */
package org.tandem.keysync.key;
