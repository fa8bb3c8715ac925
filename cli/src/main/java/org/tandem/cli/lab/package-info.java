/**
 * The lab the demos, the benchmarks and the chaos harness (module chaos-tests) build on: fresh
 * SoftHSM2 tokens ({@link org.tandem.cli.lab.TokenLab}), the cluster CA and certificates made with
 * {@code openssl} ({@link org.tandem.cli.lab.DemoPki}), outside tools on the PATH ({@link
 * org.tandem.cli.lab.Prerequisite}) and keysync's embedded ZooKeeper as a process of its own (the
 * hidden {@code signerctl zookeeper}, {@link org.tandem.cli.lab.ZooKeeperCommand}).
 *
 * <p>Rules: for labs only, never production: PINs in files beside the tokens, a CA key on disk.
 * Public API for chaos-tests; imports no other command package.
 */
package org.tandem.cli.lab;
