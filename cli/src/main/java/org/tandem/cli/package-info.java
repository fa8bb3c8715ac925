/**
 * {@code signerctl}, the operator's command line: offline key and signing commands over keysync and
 * the signer, the demos, and the cluster commands that are clients of the coordinator. The only place
 * that turns exceptions into exit codes is {@link org.tandem.cli.SignerctlCommand}; the codes are
 * {@link org.tandem.cli.ExitCode} and documented in docs/operations.md.
 */
package org.tandem.cli;
