/**
 * {@code signerctl}, the operator's command line: the picocli root {@link org.tandem.cli.SignerctlCommand}
 * and what every command shares: the exit codes ({@link org.tandem.cli.ExitCode}, documented for
 * operators in docs/operations.md), {@link org.tandem.cli.SignerctlException} (a failure with its own exit code), one
 * JSON document ({@link org.tandem.cli.Output}) or a {@link org.tandem.cli.Table} for people, and the
 * {@link org.tandem.cli.Terminal} a command confirms on.
 *
 * <p>The commands live in one package per purpose: {@code cluster} (the coordinator's clients),
 * {@code keys} (keys and the KEK), {@code host} (this host's HSMs for the offline commands), {@code
 * sign}, {@code audit}, {@code demo}, {@code bench} (hidden) and {@code lab} (SoftHSM2 tokens, the
 * demo PKI, the lab ZooKeeper).
 *
 * <p>Rules: the only place that turns exceptions into exit codes is {@code SignerctlCommand}; a
 * command returns {@code ExitCode.X.code()} or throws. This package imports the command packages only
 * to list them as subcommands of the root; nothing here knows a command's options or output.
 */
package org.tandem.cli;
