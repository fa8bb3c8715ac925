package org.tandem.signer.election;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records every gained/lost call with the time it arrived. */
final class RecordingListener implements LeadershipListener {
    record Event(boolean gained, Leadership leadership, LossReason reason, long atNanos) {}

    final List<Event> events = new CopyOnWriteArrayList<>();

    @Override
    public void gained(Leadership leadership) {
        events.add(new Event(true, leadership, null, System.nanoTime()));
    }

    @Override
    public void lost(Leadership leadership, LossReason reason) {
        // The contract: revoked before listeners hear of it.
        if (leadership.isValid()) {
            throw new AssertionError("lost() called while the leadership is still valid: " + leadership);
        }
        events.add(new Event(false, leadership, reason, System.nanoTime()));
    }

    List<Event> gains() {
        return events.stream().filter(Event::gained).toList();
    }

    List<Event> losses() {
        return events.stream().filter(e -> !e.gained()).toList();
    }
}
