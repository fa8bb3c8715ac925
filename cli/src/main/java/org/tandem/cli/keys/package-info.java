/**
 * {@code signerctl keys ...} and {@code signerctl kek ...}: generate, list, sync, verify and delete a
 * zone's keys, and the cluster key-encryption key ceremony. Each command has up to two forms ({@link
 * org.tandem.cli.keys.KeyCommandOptions}): on this host's HSMs ({@code --hsm-config}, keysync as a
 * library through {@link org.tandem.cli.host.Session}), or for the cluster through the coordinator
 * ({@code --config}, delegated to {@link org.tandem.cli.cluster.ClusterKeyCommands}). Both, or
 * neither, is a usage error naming which to use.
 *
 * <p>Rules: the form is decided once, by {@code KeyCommandOptions.form}, before anything is opened;
 * the cluster form goes to {@code org.tandem.cli.cluster} and never opens an HSM; the host form never
 * talks to the coordinator.
 */
package org.tandem.cli.keys;
