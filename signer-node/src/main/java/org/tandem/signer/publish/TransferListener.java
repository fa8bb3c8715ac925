package org.tandem.signer.publish;

import java.util.Optional;
import org.tandem.keysync.key.ZoneName;

/**
 * Told of every transfer and NOTIFY exchange of a {@link TransferServer}, per zone (for metrics).
 *
 * <p>Contracts: called on the server's threads, so it must be fast and must not throw; the zone is
 * one the server serves, or empty when the request names none (a name from the network is never
 * passed on, so a listener cannot be made to create one series per name a client invents).
 */
@FunctionalInterface
public interface TransferListener {
    /** A listener that ignores everything. */
    TransferListener NONE = (zone, event) -> {};

    /** One exchange for {@code zone} (empty: not a zone served here) ended as {@code event} says. */
    void event(Optional<ZoneName> zone, TransferEvent event);
}
