package org.tandem.signer.publish;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.tandem.keysync.key.ZoneName;

/** The live counts behind {@link TransferCounters}, and the {@link TransferListener} told of each exchange per zone. */
final class Counters {
    final AtomicLong soaAnswers = new AtomicLong();
    final AtomicLong axfrTransfers = new AtomicLong();
    final AtomicLong ixfrIncremental = new AtomicLong();
    final AtomicLong ixfrFallbacks = new AtomicLong();
    final AtomicLong ixfrUpToDate = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong notAuthorized = new AtomicLong();
    final AtomicLong tsigRejected = new AtomicLong();
    final AtomicLong malformed = new AtomicLong();
    final AtomicLong connectionsRejected = new AtomicLong();
    final AtomicLong notifiesAcknowledged = new AtomicLong();
    final AtomicLong notifiesFailed = new AtomicLong();
    private volatile TransferListener listener = TransferListener.NONE;

    void listener(TransferListener listener) {
        this.listener = listener;
    }

    void event(Optional<ZoneName> zone, TransferEvent event) {
        listener.event(zone, event);
    }

    TransferCounters snapshot() {
        return new TransferCounters(
                soaAnswers.get(),
                axfrTransfers.get(),
                ixfrIncremental.get(),
                ixfrFallbacks.get(),
                ixfrUpToDate.get(),
                refused.get(),
                notAuthorized.get(),
                tsigRejected.get(),
                malformed.get(),
                connectionsRejected.get(),
                notifiesAcknowledged.get(),
                notifiesFailed.get());
    }
}
