/**
 * {@code signerctl probe}: the outside-in check of a published zone. It queries one authoritative
 * server directly (UDP, TCP on truncation), validates the answers against a trust anchor with
 * dnsjava's {@code ValidatingResolver}, inspects every RRSIG it sees to name the first problem (owner,
 * type, key tag, expiry), and reports in the Nagios/Icinga plugin convention (exit 0 OK, 1 WARNING,
 * 2 CRITICAL, 3 UNKNOWN; one line on stdout with performance data).
 *
 * <p>It owns its exit codes ({@link org.tandem.cli.probe.ProbeStatus}), which are not
 * {@code signerctl}'s {@code ExitCode}s: a monitoring system reads them. It must not import the
 * signer, keysync or the HSM: it sees only what a resolver sees.
 */
package org.tandem.cli.probe;
