package org.tandem.signer.publish;

import java.util.Locale;

/**
 * One thing the transfer server did for one zone, for a {@link TransferListener}: the kind of
 * exchange ({@link #kind()}: {@code axfr}, {@code ixfr}, {@code notify_sent}, {@code notify_received})
 * and how it ended ({@link #result()}).
 */
public enum TransferEvent {
    /** A full zone transfer sent. */
    AXFR_SERVED("axfr", "served"),
    /** An AXFR refused (allow-list, TSIG, no lease, UDP) or answered NOTAUTH. */
    AXFR_REFUSED("axfr", "refused"),
    /** An IXFR answered with the differences from the client's serial. */
    IXFR_INCREMENTAL("ixfr", "incremental"),
    /** An IXFR whose serial the journal does not reach, answered with the full zone. */
    IXFR_FULL("ixfr", "full"),
    /** An IXFR answered with the current SOA alone (client current, or over UDP). */
    IXFR_UP_TO_DATE("ixfr", "up_to_date"),
    /** An IXFR refused or answered NOTAUTH. */
    IXFR_REFUSED("ixfr", "refused"),
    /** A NOTIFY a secondary acknowledged. */
    NOTIFY_ACKNOWLEDGED("notify_sent", "acknowledged"),
    /** A NOTIFY given up on (no answer after every attempt, an error answer, no lease). */
    NOTIFY_FAILED("notify_sent", "failed"),
    /** A NOTIFY received: the signer is the zone's primary and takes no NOTIFY; answered NOTIMP. */
    NOTIFY_RECEIVED_REFUSED("notify_received", "refused");

    private final String kind;
    private final String result;

    TransferEvent(String kind, String result) {
        this.kind = kind;
        this.result = result;
    }

    /** {@code axfr}, {@code ixfr}, {@code notify_sent} or {@code notify_received}. */
    public String kind() {
        return kind;
    }

    /** How the exchange ended, lower case, e.g. {@code served}, {@code refused}. */
    public String result() {
        return result;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
