/**
 * The "internet" site of the chaos harness: what the world outside the signer cluster sees.
 *
 * <ul>
 *   <li>{@link org.tandem.chaos.inet.AuthServer}: Knot DNS as a secondary with every signer node as a
 *       primary (only the leader answers, the standby REFUSES);
 *   <li>{@link org.tandem.chaos.inet.Resolver}: Unbound validating the zone with its KSK as trust
 *       anchor, a stub zone to Knot;
 *   <li>{@link org.tandem.chaos.inet.ObserverMain}: the observer JVM, probing through Unbound ({@code
 *       prober.jsonl}) and capturing every version Knot serves ({@code captures.jsonl}, {@code
 *       published/}).
 * </ul>
 *
 * <p>This package writes configurations and runs the observer; it starts no other process (the
 * harness does, through {@link org.tandem.chaos.HostLauncher}). It uses dnsjava for DNS and the record
 * types of {@link org.tandem.chaos.history}; it must not import the signer node's or keysync's
 * classes (it observes them from outside, as the internet does).
 */
package org.tandem.chaos.inet;
