/**
 * {@code signerctl lifecycle simulate}: the rollover planner, the rollover agent and the signer run
 * over days or years of simulated time on this host's HSMs, with a simulated parent, writing every
 * published version, then checks them with signer-node's {@link org.tandem.signer.lifecycle.CacheCheck}
 * (whether a resolver holding any still-cached DNSKEY RRset, RRSIG or DS could fail to validate a
 * version).
 *
 * <p>Rules: the simulation never opens the cluster's ZooKeeper (its manifest lives in an in-process
 * ZooKeeper it starts and removes).
 */
package org.tandem.cli.lifecycle;
