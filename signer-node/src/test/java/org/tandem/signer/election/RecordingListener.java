package org.tandem.signer.election;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records every gained/lost call with the time it arrived. */
final class RecordingListener implements LeadershipListener {
    /** {@code validAtCall}: what {@code leadership.isValid()} said when the call arrived. */
    record Event(boolean gained, Leadership leadership, LossReason reason, long atNanos, boolean validAtCall) {}

    final List<Event> events = new CopyOnWriteArrayList<>();

    @Override
    public void gained(Leadership leadership) {
        events.add(new Event(true, leadership, null, System.nanoTime(), leadership.isValid()));
    }

    @Override
    public void lost(Leadership leadership, LossReason reason) {
        events.add(new Event(false, leadership, reason, System.nanoTime(), leadership.isValid()));
    }

    /**
     * The contract: already revoked when lost. (A leadership may be invalid by the time {@code gained}
     * runs, after a pause; listeners check {@code isValid()} themselves.)
     */
    void assertContractKept() {
        for (Event e : events) {
            if (!e.gained() && e.validAtCall()) {
                throw new AssertionError("lost() with a still valid " + e.leadership());
            }
        }
    }

    List<Event> gains() {
        return events.stream().filter(Event::gained).toList();
    }

    List<Event> losses() {
        return events.stream().filter(e -> !e.gained()).toList();
    }
}
