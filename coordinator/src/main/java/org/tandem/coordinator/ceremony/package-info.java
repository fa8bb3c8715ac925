/**
 * The key ceremonies the coordinator carries out on an operator's order, across sites, through the
 * nodes' KeySync services: the cluster KEK (init, enrolment, status), key generation and the key
 * sync ({@link org.tandem.coordinator.ceremony.KeyCeremonies}). The coordinator holds no HSM: only
 * public halves, wrapped blobs, check values and proofs pass through it, and it verifies every
 * proof itself with the manifest's DNSKEY (the {@code view} package). Must not import keysync or
 * signer-node code.
 */
package org.tandem.coordinator.ceremony;
