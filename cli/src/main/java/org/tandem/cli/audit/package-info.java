/**
 * {@code signerctl audit verify|key}: checks a hash-chained audit log and its signed checkpoints
 * against keys the operator trusts, and exports a node's audit-signing public key.
 *
 * <p>Rules: reads logs, never writes them; trusts only the keys named on the command line or held by
 * the HSMs of the {@code hsm.yaml} given.
 */
package org.tandem.cli.audit;
