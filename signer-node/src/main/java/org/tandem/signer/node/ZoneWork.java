package org.tandem.signer.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.tandem.signer.election.PublishRecord;

/**
 * What the daemon knows and plans about one zone: its publisher, the state shown in status and
 * metrics, and when it must be signed next. Mutated only on the daemon's zone worker thread; read
 * from any thread through {@link #status()} (an immutable snapshot in a volatile field).
 */
final class ZoneWork {
    /** After a failed run, the next attempt waits this long (a bad source or a gate refusal is not retried hot). */
    static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(30);

    final ZonePublisher publisher;
    private volatile ZoneStatus status;
    private volatile Optional<String> problem = Optional.empty();
    private long publishedInEpoch = -1;
    private Instant due = Instant.MIN;
    private FileTime sourceStamp;
    private long sourceSize = -1;

    ZoneWork(ZonePublisher publisher) {
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.status = ZoneStatus.initial(publisher.zone().name());
        sourceChanged();
    }

    ZoneStatus status() {
        return status;
    }

    /** What keeps this zone from being published, for health; empty when nothing does. */
    Optional<String> problem() {
        return problem;
    }

    /**
     * True when the leader of {@code epoch} must sign the zone now: not yet published in this term
     * (a new leader always publishes first, with a serial above the old leader's), the source
     * changed, or the refresh point (or a retry time) has come.
     */
    boolean due(long epoch, Instant now) {
        boolean changed = sourceChanged();
        return publishedInEpoch != epoch || changed || !now.isBefore(due);
    }

    /** Records a publication; the next run is due when the earliest signature reaches its refresh point. */
    void published(ZonePublisher.Outcome.Published p, long epoch, Instant now) {
        publishedInEpoch = epoch;
        Optional<Instant> earliest = p.verdict().earliestExpiration();
        Duration refresh = publisher.zone().policy().refresh();
        due = earliest.map(e -> e.minus(refresh)).filter(d -> d.isAfter(now)).orElse(now.plus(RETRY_AFTER_FAILURE));
        problem = Optional.empty();
        ZoneStatus s = status;
        status = new ZoneStatus(s.zone(), OptionalLong.of(p.record().serial()), Optional.of(p.record().committedAt()),
                earliest, CheckState.PASSED, "", CheckState.PASSED, "", KeySyncState.SYNCED, List.of(), Optional.of(due));
    }

    /** Records a run that stopped; retried after {@link #RETRY_AFTER_FAILURE} (sooner if the source changes). */
    void stopped(ZonePublisher.Outcome.Stopped s, long epoch, Instant now) {
        if (s.stage() == ZonePublisher.Stage.NOT_LEADER) {
            return;
        }
        publishedInEpoch = epoch; // this term tried; wait for a change or the retry time
        due = now.plus(RETRY_AFTER_FAILURE);
        problem = Optional.of("zone " + publisher.zone().name() + ": " + s.stage().name().toLowerCase() + ": " + s.reason());
        ZoneStatus z = status;
        CheckState gate = s.stage() == ZonePublisher.Stage.GATE ? CheckState.FAILED : z.gate();
        CheckState canary = s.stage() == ZonePublisher.Stage.CANARY ? CheckState.FAILED : z.canary();
        KeySyncState keys = s.stage() == ZonePublisher.Stage.KEYS ? KeySyncState.NOT_SYNCED : z.keySync();
        status = new ZoneStatus(z.zone(), z.serial(), z.lastPublish(), z.earliestRrsigExpiry(), gate,
                gate == CheckState.FAILED ? s.reason() : "", canary, canary == CheckState.FAILED ? s.reason() : "", keys,
                keys == KeySyncState.NOT_SYNCED ? List.of(s.reason()) : List.of(), Optional.of(due));
    }

    /** Standby view: what the cluster last committed for the zone, from the ledger. */
    void committed(Optional<PublishRecord> last, Optional<Instant> earliestExpiry) {
        ZoneStatus z = status;
        status = new ZoneStatus(z.zone(), last.map(r -> OptionalLong.of(r.serial())).orElse(z.serial()),
                last.map(PublishRecord::committedAt).or(z::lastPublish), earliestExpiry.or(z::earliestRrsigExpiry),
                z.gate(), z.gateFailure(), z.canary(), z.canaryFailure(), z.keySync(), z.keySyncReasons(), Optional.empty());
    }

    /** The key-sync state the election's last check found. */
    void keySync(boolean synced, List<String> reasons) {
        ZoneStatus z = status;
        status = new ZoneStatus(z.zone(), z.serial(), z.lastPublish(), z.earliestRrsigExpiry(), z.gate(), z.gateFailure(),
                z.canary(), z.canaryFailure(), synced ? KeySyncState.SYNCED : KeySyncState.NOT_SYNCED,
                synced ? List.of() : reasons, z.nextResign());
        if (!synced) {
            problem = Optional.of("zone " + z.zone() + ": keys not synced: " + String.join("; ", reasons));
        } else if (problem.filter(p -> p.contains("keys not synced")).isPresent()) {
            problem = Optional.empty();
        }
    }

    /** True once when the source file's time or size differs from the last look. */
    private boolean sourceChanged() {
        FileTime t;
        long size;
        try {
            t = Files.getLastModifiedTime(publisher.zone().source());
            size = Files.size(publisher.zone().source());
        } catch (IOException e) {
            t = null;
            size = -2;
        }
        boolean changed = !Objects.equals(t, sourceStamp) || size != sourceSize;
        sourceStamp = t;
        sourceSize = size;
        return changed;
    }
}
