/**
 * The cut-over preflight: {@link org.tandem.coordinator.preflight.Preflight} judges gathered evidence
 * (pure, no I/O); {@link org.tandem.coordinator.preflight.Cutover} gathers it from ZooKeeper and the
 * nodes, and performs the cut-over when every check passed. There is no way to skip a key check.
 */
package org.tandem.coordinator.preflight;
