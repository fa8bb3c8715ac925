package org.tandem.signer.election;

import java.time.Clock;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.apache.curator.framework.CuratorFramework;

/**
 * What a {@link KeySyncedElection} is made of: the ZooKeeper session and root, the node, the key check, the
 * timing and clocks, and the optional guards. Start with {@link #of} and add the guards with {@link
 * #withClockGuard} and {@link #withTakeoverCheck}.
 *
 * @param client a Curator client, started by the caller, without a namespace; its session timeout sets the
 *     lease; borrowed, closed by the caller after the election
 * @param root the Tandem root, usually {@code /tandem} (the manifest store's root)
 * @param node this node's name, the participant id; unique in the cluster, non-blank, without {@code '/'}
 * @param check proves the keys; see {@link KeySyncCheck} for when it is called
 * @param settings timing
 * @param clock wall clock for states and times shown
 * @param nanoTime the monotonic clock of the lease, {@link System#nanoTime()} except in tests
 * @param clockGuard null: no clock check (tests of the election alone); otherwise the node stays out while
 *     its wall clock disagrees with ZooKeeper's by more than the guard's threshold (INV-D5): the guard is
 *     sampled at every re-check (and at start); a candidate or leader whose guard fails, on a re-check or,
 *     between re-checks, on the lease watchdog's extrapolation (lease / 10), leaves the latch with {@link
 *     LossReason#CLOCK_SKEW}. Build it on this session's {@link ClusterConnection#clockGuard}.
 * @param takeoverCheck null: none (tests of the election alone); otherwise run each time the node wins the
 *     latch, after re-proving the keys and before bumping the epoch: a refusal leaves the election ({@link
 *     LossReason#TAKEOVER_REFUSED}) without leading, and the node re-enters after the hold-off like after any
 *     loss
 */
public record ElectionSetup(
        CuratorFramework client,
        String root,
        String node,
        KeySyncCheck check,
        ElectionSettings settings,
        Clock clock,
        LongSupplier nanoTime,
        ClockGuard clockGuard,
        TakeoverCheck takeoverCheck) {
    public ElectionSetup {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(node, "node");
        if (node.isBlank() || node.indexOf('/') >= 0) {
            throw new IllegalArgumentException("node name must be non-blank and without '/', got '" + node + "'");
        }
        Objects.requireNonNull(check, "check");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /** An election without clock guard and takeover check, on {@link System#nanoTime()}. */
    public static ElectionSetup of(
            CuratorFramework client,
            String root,
            String node,
            KeySyncCheck check,
            ElectionSettings settings,
            Clock clock) {
        return new ElectionSetup(client, root, node, check, settings, clock, System::nanoTime, null, null);
    }

    /** The same with the clock-skew guard (INV-D5). */
    public ElectionSetup withClockGuard(ClockGuard guard) {
        Objects.requireNonNull(guard, "clockGuard");
        return new ElectionSetup(client, root, node, check, settings, clock, nanoTime, guard, takeoverCheck);
    }

    /** The same with the takeover check run after each win, before the epoch bump. */
    public ElectionSetup withTakeoverCheck(TakeoverCheck takeover) {
        Objects.requireNonNull(takeover, "takeoverCheck");
        return new ElectionSetup(client, root, node, check, settings, clock, nanoTime, clockGuard, takeover);
    }

    /** The same on another monotonic clock (tests that move the lease's time). */
    public ElectionSetup withNanoTime(LongSupplier monotonic) {
        return new ElectionSetup(client, root, node, check, settings, clock, monotonic, clockGuard, takeoverCheck);
    }
}
