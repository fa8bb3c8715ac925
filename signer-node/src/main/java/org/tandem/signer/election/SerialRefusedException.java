package org.tandem.signer.election;

import java.util.Objects;
import org.tandem.keysync.key.ZoneName;

/**
 * A commit was refused because its SOA serial is not greater (RFC 1982) than the last committed
 * serial of the zone, or repeats it with other content (INV-L5). Nothing was written.
 */
public final class SerialRefusedException extends LedgerException {
    private static final long serialVersionUID = 1L;

    /** What is wrong with the serial. */
    public enum Kind {
        /** Not greater than the last committed serial (RFC 1982): secondaries would ignore it. */
        NOT_INCREASING,
        /** Equal to the last committed serial but with another SHA-256: two contents, one serial. */
        SAME_SERIAL_OTHER_CONTENT
    }

    private final String zone;
    private final long serial;
    private final long epoch;
    private final String node;
    private final transient PublishRecord last;
    private final Kind kind;

    SerialRefusedException(ZoneName zone, long serial, long epoch, String node, PublishRecord last, Kind kind) {
        super(message(zone, serial, epoch, node, last, kind), null);
        this.zone = zone.toString();
        this.serial = serial;
        this.epoch = epoch;
        this.node = node;
        this.last = last;
        this.kind = kind;
    }

    private static String message(ZoneName zone, long serial, long epoch, String node, PublishRecord last, Kind kind) {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(last, "last");
        Objects.requireNonNull(kind, "kind");
        String what = kind == Kind.NOT_INCREASING
                ? "serial " + serial + " is not greater (RFC 1982) than the last committed serial " + last.serial()
                : "serial " + serial + " was already committed with other content (sha256 "
                        + last.sha256Hex().substring(0, 16) + "…)";
        return "zone " + zone + ": publish by node " + node + " under epoch " + epoch + " refused: " + what
                + " (committed by node " + last.node() + " under epoch " + last.epoch() + " at " + last.committedAt()
                + "); allocate a serial with nextSerial";
    }

    public ZoneName zone() {
        return ZoneName.of(zone);
    }

    /** The refused serial. */
    public long serial() {
        return serial;
    }

    /** The epoch of the refused commit. */
    public long epoch() {
        return epoch;
    }

    /** The node that tried to commit. */
    public String node() {
        return node;
    }

    /** The last committed record the serial was compared with (null after deserialisation). */
    public PublishRecord last() {
        return last;
    }

    public Kind kind() {
        return kind;
    }
}
