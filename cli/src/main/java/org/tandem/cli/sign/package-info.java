/**
 * Offline signing and validation: {@code signerctl sign} (one signing run with the zone's keys from one
 * HSM, proven against the manifest first; written only after the validation gate passed) and {@code
 * signerctl verify} (the validation gate on a signed zone file).
 *
 * <p>Rules: signs only through {@link org.tandem.cli.host.Session#provenKeys}, never with keys it did
 * not prove; writes nothing the gate did not pass (the signer's {@code IncrementalSigningRun}).
 */
package org.tandem.cli.sign;
