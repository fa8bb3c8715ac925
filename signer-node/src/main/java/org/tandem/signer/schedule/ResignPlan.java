package org.tandem.signer.schedule;

import java.time.Instant;
import java.util.Objects;
import org.tandem.keysync.key.ZoneName;

/**
 * When a zone is next due for re-signing, and why.
 *
 * @param zone the zone
 * @param due when to start the next run; never before the {@code now} it was planned at
 * @param reason the earliest of the reasons that made it due
 * @param heldByFloor whether the floor (minimum interval since the last attempt) pushed {@code due}
 *     later than the reason alone would have
 */
public record ResignPlan(ZoneName zone, Instant due, ResignReason reason, boolean heldByFloor) {
    public ResignPlan {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(due, "due");
        Objects.requireNonNull(reason, "reason");
    }
}
