/**
 * The expiry watchdog (F14): on every node, apart from the signing loop, it reads back what is
 * actually served (this node's transfer endpoint, its last published zone file, each configured
 * secondary), validates every copy with the independent {@link org.tandem.signer.gate.ValidationGate},
 * and judges how close the earliest RRSIG expiration is ({@link org.tandem.signer.watchdog.Classifier},
 * a pure function). WARNING feeds metrics and {@code /health}; CRITICAL on the leader makes it step
 * down when a key-synced standby can take over, and escalate when none can.
 *
 * <p>Owns: its thread, the AXFR client side, the per-source observations and their classification,
 * the {@code tandem.watchdog.*} meters. It reaches the election only through {@link
 * org.tandem.signer.watchdog.ExpiryWatchdog.ClusterSeat}, which the daemon implements.
 *
 * <p>Must not import the signing packages ({@code sign}, {@code nsec}, {@code schedule}), the
 * election, Curator, PKCS#11 or the node daemon: it must keep working, and judging independently,
 * when the signing loop is stuck.
 */
package org.tandem.signer.watchdog;
