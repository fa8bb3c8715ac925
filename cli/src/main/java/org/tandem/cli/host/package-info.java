/**
 * This host's HSMs for the offline commands ({@code keys}/{@code kek} with {@code --hsm-config},
 * {@code sign}, the benchmarks): the options ({@link org.tandem.cli.host.HostOptions}: HSM
 * configuration, the ZooKeeper holding the manifests with the operator's TLS files, the audit log) and
 * the {@link org.tandem.cli.host.Session} that opens them, in that order, and closes what it opened.
 *
 * <p>Rules: ZooKeeper only with TLS unless plaintext is asked for explicitly; keysync and the signer
 * as libraries; no picocli command here and no coordinator.
 */
package org.tandem.cli.host;
