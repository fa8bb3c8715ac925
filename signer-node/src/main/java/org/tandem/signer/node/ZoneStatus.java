package org.tandem.signer.node;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.tandem.keysync.key.ZoneName;

/**
 * What the node knows about one of its zones, for {@code GetStatus} and the metrics.
 *
 * @param zone the zone
 * @param serial SOA serial of the last version this node published (0 to 2^32−1); empty if none
 * @param lastPublish when this node last published the zone successfully; empty if never
 * @param earliestRrsigExpiry the earliest RRSIG expiration in the zone as last published (INV-D3:
 *     from the published zone, not from the signer's intent); empty if none is known
 * @param gate the validation gate's verdict on the last signed version
 * @param gateFailure the gate's summary of the last failure; empty unless {@code gate} is FAILED
 * @param canary the capability canary's last result
 * @param canaryFailure the canary's failure; empty unless {@code canary} is FAILED
 * @param keySync whether the node's HSMs hold the zone's key set, proven
 * @param keySyncReasons one line per problem; empty unless {@code keySync} is NOT_SYNCED
 * @param nextResign when the zone is next due for re-signing; empty when not scheduled
 * @param replicationPending one line per GENERATED key of the zone not yet published, naming role,
 *     key tag, fingerprint and every node that lacks it with the reason ({@code ZSK 12345 fp 3f2a…:
 *     missing on node-b (unreachable …)}): on the leader what its replication agent found, on a
 *     standby what its own HSM lacks; empty when no key waits
 * @param takeoverChecks the outcome of every check of the last takeover by this node (after it won
 *     the election), one line each ({@code canary: passed: …}); empty before the first win
 */
public record ZoneStatus(
        ZoneName zone,
        OptionalLong serial,
        Optional<Instant> lastPublish,
        Optional<Instant> earliestRrsigExpiry,
        CheckState gate,
        String gateFailure,
        CheckState canary,
        String canaryFailure,
        KeySyncState keySync,
        List<String> keySyncReasons,
        Optional<Instant> nextResign,
        List<String> replicationPending,
        List<String> takeoverChecks) {
    /** A status without pending keys or takeover checks. */
    public ZoneStatus(
            ZoneName zone,
            OptionalLong serial,
            Optional<Instant> lastPublish,
            Optional<Instant> earliestRrsigExpiry,
            CheckState gate,
            String gateFailure,
            CheckState canary,
            String canaryFailure,
            KeySyncState keySync,
            List<String> keySyncReasons,
            Optional<Instant> nextResign) {
        this(
                zone,
                serial,
                lastPublish,
                earliestRrsigExpiry,
                gate,
                gateFailure,
                canary,
                canaryFailure,
                keySync,
                keySyncReasons,
                nextResign,
                List.of(),
                List.of());
    }

    public ZoneStatus {
        replicationPending = List.copyOf(replicationPending);
        takeoverChecks = List.copyOf(takeoverChecks);
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(serial, "serial");
        Objects.requireNonNull(lastPublish, "lastPublish");
        Objects.requireNonNull(earliestRrsigExpiry, "earliestRrsigExpiry");
        Objects.requireNonNull(gate, "gate");
        Objects.requireNonNull(gateFailure, "gateFailure");
        Objects.requireNonNull(canary, "canary");
        Objects.requireNonNull(canaryFailure, "canaryFailure");
        Objects.requireNonNull(keySync, "keySync");
        keySyncReasons = List.copyOf(keySyncReasons);
        Objects.requireNonNull(nextResign, "nextResign");
        if (serial.isPresent() && (serial.getAsLong() < 0 || serial.getAsLong() > 0xFFFF_FFFFL)) {
            throw new IllegalArgumentException(
                    "zone " + zone + ": SOA serial must be 0 to 4294967295, got " + serial.getAsLong());
        }
        if (gate != CheckState.FAILED && !gateFailure.isEmpty()) {
            throw new IllegalArgumentException("zone " + zone + ": gate failure text without a FAILED gate");
        }
        if (canary != CheckState.FAILED && !canaryFailure.isEmpty()) {
            throw new IllegalArgumentException("zone " + zone + ": canary failure text without a FAILED canary");
        }
        if (keySync != KeySyncState.NOT_SYNCED && !keySyncReasons.isEmpty()) {
            throw new IllegalArgumentException("zone " + zone + ": key-sync reasons without NOT_SYNCED");
        }
    }

    /** The same status with these pending keys and takeover lines. */
    public ZoneStatus with(List<String> replicationPending, List<String> takeoverChecks) {
        return with(c -> {
            c.replicationPending = replicationPending;
            c.takeoverChecks = takeoverChecks;
        });
    }

    /** The same status with the components {@code change} sets; the canonical constructor checks the result. */
    ZoneStatus with(Consumer<Copy> change) {
        Copy c = new Copy(this);
        change.accept(c);
        return c.build();
    }

    /** The components of a {@link ZoneStatus}, each one changeable before {@link #build} checks them anew. */
    static final class Copy {
        private final ZoneName zone;
        OptionalLong serial;
        Optional<Instant> lastPublish;
        Optional<Instant> earliestRrsigExpiry;
        CheckState gate;
        String gateFailure;
        CheckState canary;
        String canaryFailure;
        KeySyncState keySync;
        List<String> keySyncReasons;
        Optional<Instant> nextResign;
        List<String> replicationPending;
        List<String> takeoverChecks;

        Copy(ZoneStatus s) {
            zone = s.zone;
            serial = s.serial;
            lastPublish = s.lastPublish;
            earliestRrsigExpiry = s.earliestRrsigExpiry;
            gate = s.gate;
            gateFailure = s.gateFailure;
            canary = s.canary;
            canaryFailure = s.canaryFailure;
            keySync = s.keySync;
            keySyncReasons = s.keySyncReasons;
            nextResign = s.nextResign;
            replicationPending = s.replicationPending;
            takeoverChecks = s.takeoverChecks;
        }

        ZoneStatus build() {
            return new ZoneStatus(
                    zone,
                    serial,
                    lastPublish,
                    earliestRrsigExpiry,
                    gate,
                    gateFailure,
                    canary,
                    canaryFailure,
                    keySync,
                    keySyncReasons,
                    nextResign,
                    replicationPending,
                    takeoverChecks);
        }
    }

    /** A zone the node has not done anything with yet: nothing published, nothing checked. */
    public static ZoneStatus initial(ZoneName zone) {
        return new ZoneStatus(
                zone,
                OptionalLong.empty(),
                Optional.empty(),
                Optional.empty(),
                CheckState.NOT_RUN,
                "",
                CheckState.NOT_RUN,
                "",
                KeySyncState.UNKNOWN,
                List.of(),
                Optional.empty());
    }
}
