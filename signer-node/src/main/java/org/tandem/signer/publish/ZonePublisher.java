package org.tandem.signer.publish;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.key.ZoneName;
import org.tandem.signer.SigningException;
import org.tandem.signer.gate.GateRefusedException;
import org.tandem.signer.gate.GateVerdict;
import org.tandem.signer.gate.ValidationGate;
import org.tandem.signer.sign.SignedZone;

/**
 * One publish of a signed zone, in the only safe order: the validation gate (INV-D1), stage in the
 * zone directory, the fenced commit, a fresh lease check, promote, then serve it for transfer. A
 * refusal at any step leaves the last good version published and served; a gate refusal (or a
 * failed write) also marks the zone unhealthy until a version passes.
 *
 * <p>Thread-safe: publishes of different zones may run in parallel; one zone is published by one
 * thread at a time (the daemon's per-zone schedule), which this class does not enforce.
 */
public final class ZonePublisher {
    private static final Logger LOG = LoggerFactory.getLogger(ZonePublisher.class);

    /**
     * The fenced commit between stage and promote: the daemon's ZooKeeper transaction that checks
     * its epoch and records zone, serial and digest. Throwing refuses the publish (a stale leader's
     * commit fails here); nothing becomes visible then.
     */
    @FunctionalInterface
    public interface FencedCommit {
        void commit(StagedZone staged, GateVerdict verdict) throws SigningException;
    }

    /** Refusal because this node may not publish now (no valid leadership lease). */
    public static final class NotLeaderException extends SigningException {
        private static final long serialVersionUID = 1L;

        public NotLeaderException(ZoneName zone, long serial, String when) {
            super("zone " + zone + " serial " + serial + ": not published, this node holds no valid leadership lease ("
                    + when + "); the published zone is unchanged");
        }
    }

    /** What a successful publish produced. */
    public record Result(ZoneDirectory.Published published, GateVerdict verdict) {}

    private final ValidationGate gate;
    private final ZoneDirectory directory;
    private final Optional<TransferServer> transfer;
    private final ServingPermit permit;
    private final Clock clock;
    private final Map<ZoneName, ZoneHealth> health = new ConcurrentHashMap<>();

    /**
     * @param transfer the transfer endpoint to serve each new version on, when configured
     * @param permit the election lease check (checked before the gate and again before promote)
     */
    public ZonePublisher(
            ValidationGate gate,
            ZoneDirectory directory,
            Optional<TransferServer> transfer,
            ServingPermit permit,
            Clock clock) {
        this.gate = Objects.requireNonNull(gate, "gate");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.transfer = Objects.requireNonNull(transfer, "transfer");
        this.permit = Objects.requireNonNull(permit, "permit");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Validates and publishes {@code zone}.
     *
     * @throws GateRefusedException when the gate refused it (zone marked unhealthy; nothing changed)
     * @throws NotLeaderException when the permit said no before the gate or before promote
     * @throws ZoneVersionConflictException when the serial is already published with other records
     * @throws SigningException when the fenced commit refused it, or a write failed
     * @throws InterruptedException when interrupted during the gate (nothing changed)
     */
    public Result publish(SignedZone zone, FencedCommit commit) throws SigningException, InterruptedException {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(commit, "commit");
        ZoneName name = zone.origin();
        if (!permit.mayServe()) {
            throw new NotLeaderException(name, zone.serial(), "before validation");
        }
        GateVerdict verdict = gate.verify(name.name(), zone.records(), clock.instant(), zone.unpublishedSigners());
        if (!verdict.passed()) {
            fail(name, "validation gate refused serial " + zone.serial() + ": " + verdict.summary());
            verdict.requirePassed();
        }
        ZoneDirectory.Published published;
        try (StagedZone staged = directory.stage(zone)) {
            commit.commit(staged, verdict);
            if (!permit.mayServe()) {
                throw new NotLeaderException(name, zone.serial(), "after the fenced commit, before promote");
            }
            published = staged.promote();
        } catch (ZoneVersionConflictException | NotLeaderException e) {
            throw e;
        } catch (SigningException e) {
            fail(name, e.getMessage());
            throw e;
        }
        if (transfer.isPresent()) {
            transfer.get().serve(zone);
        }
        health.put(name, new ZoneHealth(name, true, Optional.of(zone.serial()), Optional.empty(), clock.instant()));
        LOG.info(
                "zone={} serial={} published and served signatures-verified={}",
                name,
                zone.serial(),
                verdict.signaturesVerified());
        return new Result(published, verdict);
    }

    /** The zone's state after its last publish attempt; empty before the first. */
    public Optional<ZoneHealth> health(ZoneName zone) {
        return Optional.ofNullable(health.get(zone));
    }

    /** True when no zone's last attempt failed. */
    public boolean healthy() {
        return health.values().stream().allMatch(ZoneHealth::healthy);
    }

    private void fail(ZoneName zone, String why) {
        Optional<Long> current = transfer.flatMap(t -> t.servedSerial(zone));
        if (current.isEmpty()) {
            try {
                current = directory.currentSerial(zone);
            } catch (SigningException e) {
                current = Optional.empty();
            }
        }
        Instant now = clock.instant();
        health.put(zone, new ZoneHealth(zone, false, current, Optional.of(why), now));
        LOG.error(
                "zone={} unhealthy: {}; still published: serial {}",
                zone,
                why,
                current.map(String::valueOf).orElse("none"));
    }
}
