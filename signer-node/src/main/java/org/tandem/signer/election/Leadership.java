package org.tandem.signer.election;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * One term of leadership of this node: the fencing handle every leader-only action must carry.
 *
 * <p>{@link #epoch()} is the data version of {@code <root>/cluster/epoch} after this node bumped it on
 * winning; {@link PublishLedger#commit} checks it in the same ZooKeeper transaction as the write
 * (INV-L4). {@link #isValid()} is the local lease (INV-L3): it turns false once no ZooKeeper round trip
 * has confirmed the leadership for longer than the lease (k × the negotiated session timeout, measured
 * on {@link System#nanoTime()}), or once the election revoked it, whichever comes first, even if no
 * event has arrived (a resumed, paused JVM). Once false it never turns true again, not even when a
 * late answer from ZooKeeper arrives: a new term is a new {@code Leadership}.
 *
 * <p>Threads: safe for concurrent use; created only by {@link KeySyncedElection}.
 */
public final class Leadership {
    private final String node;
    private final long epoch;
    private final String latchNode;
    private final String epochPath;
    private final Instant since;
    private final long leaseNanos;
    private final LongSupplier nanoTime;
    private final AtomicLong confirmedAtNanos;
    private final AtomicReference<LossReason> revoked = new AtomicReference<>();

    Leadership(
            String node,
            long epoch,
            String latchNode,
            String epochPath,
            Instant since,
            Duration lease,
            long confirmedAtNanos,
            LongSupplier nanoTime) {
        this.node = Objects.requireNonNull(node, "node");
        this.epoch = epoch;
        this.latchNode = Objects.requireNonNull(latchNode, "latchNode");
        this.epochPath = Objects.requireNonNull(epochPath, "epochPath");
        this.since = Objects.requireNonNull(since, "since");
        this.leaseNanos = lease.toNanos();
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.confirmedAtNanos = new AtomicLong(confirmedAtNanos);
        if (epoch < 1 || leaseNanos <= 0) {
            throw new IllegalArgumentException("epoch " + epoch + " and lease " + lease + " must be positive");
        }
    }

    /** The participant id of this node. */
    public String node() {
        return node;
    }

    /** The fencing token: the epoch znode's version after this node's bump, ≥ 1. */
    public long epoch() {
        return epoch;
    }

    /** When this term began (wall clock, for status). */
    public Instant since() {
        return since;
    }

    /** The lease: how long one confirming round trip keeps the leadership valid. */
    public Duration lease() {
        return Duration.ofNanos(leaseNanos);
    }

    /**
     * True while this node may sign and publish: not revoked, and confirmed by ZooKeeper within the
     * lease. Check it before every irreversible step; {@link PublishLedger#commit} checks it too.
     */
    public boolean isValid() {
        if (revoked.get() != null) {
            return false;
        }
        if (remainingNanos() <= 0) {
            // INV-L3: an expired lease is final; a late confirmation must not bring it back.
            revoked.compareAndSet(null, LossReason.LEASE_EXPIRED);
            return false;
        }
        return true;
    }

    /** Time left on the lease; zero once expired or revoked. */
    public Duration leaseRemaining() {
        return revoked.get() != null ? Duration.ZERO : Duration.ofNanos(Math.max(0, remainingNanos()));
    }

    /** Why it ended: the first revocation, or {@link LossReason#LEASE_EXPIRED} once the lease was found run out. */
    public Optional<LossReason> revocation() {
        return Optional.ofNullable(revoked.get());
    }

    String latchNode() {
        return latchNode;
    }

    String epochPath() {
        return epochPath;
    }

    private long remainingNanos() {
        return confirmedAtNanos.get() + leaseNanos - nanoTime.getAsLong();
    }

    /** A round trip sent at {@code sentAtNanos} confirmed the leadership; the lease never moves backwards. */
    void confirmed(long sentAtNanos) {
        if (!isValid()) {
            return;
        }
        confirmedAtNanos.accumulateAndGet(sentAtNanos, (a, b) -> b - a > 0 ? b : a);
    }

    /** Revokes; returns true for the call that revoked it first. */
    boolean revoke(LossReason reason) {
        return revoked.compareAndSet(null, Objects.requireNonNull(reason, "reason"));
    }

    @Override
    public String toString() {
        return "Leadership[node=" + node + " epoch=" + epoch + " valid=" + isValid() + "]";
    }
}
