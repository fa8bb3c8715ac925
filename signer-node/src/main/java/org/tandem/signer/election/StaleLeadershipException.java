package org.tandem.signer.election;

import java.util.Objects;
import org.tandem.keysync.key.ZoneName;

/**
 * A commit was refused because the {@link Leadership} it was made under is no longer the cluster's:
 * its local lease ran out or it was revoked (refused before ZooKeeper is asked), the epoch znode moved
 * on (another node was elected since: ZooKeeper BadVersion), the latch node is gone (the session
 * expired: ZooKeeper NoNode), or its epoch is below one the ledger already holds (the epoch znode was
 * deleted and recreated). INV-L4: nothing was written.
 */
public final class StaleLeadershipException extends LedgerException {
    private static final long serialVersionUID = 1L;

    private final String zone;
    private final long epoch;
    private final String node;
    private final String reason;

    StaleLeadershipException(ZoneName zone, long epoch, String node, String reason, Throwable cause) {
        super(
                "zone " + Objects.requireNonNull(zone, "zone") + ": publish by node "
                        + Objects.requireNonNull(node, "node") + " under epoch " + epoch + " refused: "
                        + Objects.requireNonNull(reason, "reason"),
                cause);
        this.zone = zone.toString();
        this.epoch = epoch;
        this.node = node;
        this.reason = reason;
    }

    /** The zone of the refused commit. */
    public ZoneName zone() {
        return ZoneName.of(zone);
    }

    /** The epoch of the stale leadership. */
    public long epoch() {
        return epoch;
    }

    /** The node that tried to commit. */
    public String node() {
        return node;
    }

    /** Why the leadership is stale, one phrase. */
    public String reason() {
        return reason;
    }
}
