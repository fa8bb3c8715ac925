package org.tandem.signer.election;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.tandem.keysync.key.ZoneName;

/**
 * A {@link KeySyncCheck} whose verdict the test sets, for the election ITs that are about ZooKeeper,
 * not HSMs (the HSM-backed check has its own IT). Counts its calls.
 */
final class SwitchableCheck implements KeySyncCheck {
    static final ZoneName ZONE = ZoneName.of("example.test");

    private volatile String problem;
    final AtomicInteger calls = new AtomicInteger();
    /** System.nanoTime() of the latest call. */
    volatile long lastCallNanos;

    SwitchableCheck(boolean synced) {
        this.problem = synced ? null : "zone example.test. ZSK 4711 fp 0123456789abcdef on HSM test-hsm: missing";
    }

    void synced() {
        problem = null;
    }

    void notSynced(String why) {
        problem = why;
    }

    @Override
    public KeySyncVerdict check() {
        lastCallNanos = System.nanoTime();
        calls.incrementAndGet();
        String p = problem;
        return p == null
                ? KeySyncVerdict.synced(Instant.now(), List.of(ZONE))
                : KeySyncVerdict.notSynced(Instant.now(), List.of(ZONE), List.of(p));
    }
}
