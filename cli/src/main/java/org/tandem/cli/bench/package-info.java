/**
 * The hidden benchmark commands the scripts in {@code bench/} run: {@code bench-keysync} (KEK
 * ceremony, then generate + sync + verify per zone), {@code bench-incremental} (one-delegation
 * incremental re-sign + incremental gate) and {@code bench-token-rate} (the token's raw signing rate
 * and the gate verifier's). They print timings, never change a real cluster.
 *
 * <p>Rules: keys and tokens only from the {@code lab} or an {@code hsm.yaml} given; imports {@code
 * host} and {@code lab}, no other command package.
 */
package org.tandem.cli.bench;
