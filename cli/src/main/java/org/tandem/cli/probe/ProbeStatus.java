package org.tandem.cli.probe;

/**
 * A probe's verdict in the Nagios/Icinga plugin convention: the exit code a monitoring system reads.
 * When several problems are found the worst one wins, in the order of the monitoring plugins'
 * {@code max_state_alt}: OK &lt; UNKNOWN &lt; WARNING &lt; CRITICAL.
 */
enum ProbeStatus {
    /** Every answer validated; the earliest signature expiry is further away than {@code --warn}. */
    OK(0, 0),
    /** Valid, but the earliest RRSIG expiry is within {@code --warn}. */
    WARNING(1, 2),
    /** A bogus or expired signature, an unsigned RRset, no DNSKEY for the anchor, a broken denial proof. */
    CRITICAL(2, 3),
    /** No answer, a timeout, a refusal, bad arguments or an unreadable trust anchor. */
    UNKNOWN(3, 1);

    private final int code;
    private final int rank;

    ProbeStatus(int code, int rank) {
        this.code = code;
        this.rank = rank;
    }

    /** The process exit code. */
    int code() {
        return code;
    }

    /** How bad: OK 0, UNKNOWN 1, WARNING 2, CRITICAL 3. */
    int severity() {
        return rank;
    }

    /** The worse of the two. */
    ProbeStatus worst(ProbeStatus other) {
        return other.rank > rank ? other : this;
    }
}
