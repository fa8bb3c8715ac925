package org.tandem.signer.replication;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.Destruction;
import org.tandem.keysync.KeySync;
import org.tandem.keysync.KeySyncException;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ZoneKeySet;

/**
 * Every node's destruction of the keys the manifest lists as DELETED (docs/key-lifecycle.md): the leader's
 * rollover agent marks a REMOVED key DELETED once no cache can hold it, and each node, leader and standby
 * alike, destroys its own copies on its own HSM(s) when it sees the mark, through {@link
 * KeySync#destroyDeleted} (the deletion path of {@code signerctl keys delete}, audited there).
 *
 * <p>Each {@link #run pass} looks at each zone at most every {@code interval}; a zone whose manifest
 * version was already settled here (every DELETED key destroyed or not held on every HSM of this node) is
 * not read again, only its version (a ZooKeeper stat), until the version changes, or {@link
 * #SETTLED_RECHECK} has passed. An HSM
 * that is absent or fails keeps the zone unsettled: the next pass tries again, so a node whose token was
 * away, or that was down, destroys the key when it is back. A failure is logged naming zone, role, key tag,
 * fingerprint, node and HSM, once per distinct reason; it never stops signing (nothing here is on the
 * signing path).
 *
 * <p>Threads: one pass at a time (the daemon's zone worker). Does not own {@code KeySync}.
 */
public final class KeyDestruction {
    private static final Logger LOG = LoggerFactory.getLogger(KeyDestruction.class);

    private final String node;
    private final KeySync keySync;
    private final Clock clock;
    private final Duration interval;
    /** A settled zone is still looked at this often: an HSM may show a copy again (a token put back). */
    static final Duration SETTLED_RECHECK = Duration.ofMinutes(10);

    /** Per zone: the manifest version whose DELETED keys this node holds no more, and since when. */
    private final Map<ZoneName, Settled> settled = new HashMap<>();
    /** Per zone: when its manifest was last read here. */
    private final Map<ZoneName, Instant> looked = new HashMap<>();
    /**
     * The last failure per key and HSM, until the key is destroyed there or no longer held: logged once per
     * distinct reason, and shown in {@code /health} and the metrics ({@link #failing}).
     */
    private final Map<String, Destruction> failures = new ConcurrentHashMap<>();

    /**
     * @param node this node's name, for the log
     * @param keySync keysync over this node's HSMs (its audit log records every destruction)
     * @param interval how often a zone's manifest is read again (and a failed destruction retried)
     */
    public KeyDestruction(String node, KeySync keySync, Clock clock, Duration interval) {
        this.node = Objects.requireNonNull(node, "node");
        this.keySync = Objects.requireNonNull(keySync, "keySync");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.interval = Objects.requireNonNull(interval, "interval");
        if (interval.isNegative()) {
            throw new IllegalArgumentException("interval must not be negative, got " + interval);
        }
    }

    /**
     * One pass over {@code zones}.
     *
     * @return what was destroyed and what failed in this pass (keys not held are left out)
     */
    public List<Destruction> run(List<ZoneName> zones) {
        Objects.requireNonNull(zones, "zones");
        List<Destruction> out = new ArrayList<>();
        Instant now = clock.instant();
        for (ZoneName zone : zones) {
            Instant last = looked.get(zone);
            if (last != null && now.isBefore(last.plus(interval)) && !now.isBefore(last)) {
                continue;
            }
            looked.put(zone, now);
            try {
                Settled done = settled.get(zone);
                if (done != null
                        && now.isBefore(done.at().plus(SETTLED_RECHECK))
                        && !now.isBefore(done.at())
                        && done.version() == keySync.manifestVersion(zone)) {
                    continue; // a stat, not the manifest: a settled zone costs ZooKeeper next to nothing
                }
                ZoneKeySet manifest = keySync.manifest(zone);
                if (manifest.deleted().isEmpty()) {
                    settled.put(zone, new Settled(manifest.version(), now));
                    continue;
                }
                boolean failed = false;
                for (Destruction d : keySync.destroyDeleted(zone)) {
                    switch (d.result()) {
                        case DESTROYED -> {
                            out.add(d);
                            failures.remove(failureKey(d));
                            LOG.info(
                                    "node={} zone={} key={} tag={} role={} hsm={} event=key-destroyed reason=\"{}\"",
                                    node,
                                    zone,
                                    d.key().fingerprint().shortHex(),
                                    d.key().keyTag(),
                                    d.key().role(),
                                    d.hsm(),
                                    d.detail());
                        }
                        case FAILED -> {
                            out.add(d);
                            failed = true;
                            Destruction before = failures.put(failureKey(d), d);
                            if (before == null || !d.detail().equals(before.detail())) {
                                LOG.warn(
                                        "node={} zone={} key={} fp={} tag={} role={} hsm={} "
                                                + "event=key-destruction-failed reason=\"{}\"; the key is DELETED in "
                                                + "the manifest and stays on HSM {} of {} until it can be destroyed "
                                                + "(retried every {} s; signing goes on)",
                                        node,
                                        zone,
                                        d.key().fingerprint().shortHex(),
                                        d.key().fingerprint().hex(),
                                        d.key().keyTag(),
                                        d.key().role(),
                                        d.hsm(),
                                        d.detail(),
                                        d.hsm(),
                                        node,
                                        interval.toSeconds());
                            }
                        }
                        case NOT_HELD -> failures.remove(failureKey(d));
                    }
                }
                if (!failed) {
                    settled.put(zone, new Settled(manifest.version(), now));
                }
            } catch (KeySyncException | RuntimeException e) {
                LOG.warn(
                        "node={} zone={} event=key-destruction-failed reason=\"{}\"; retried in {} s",
                        node,
                        zone,
                        e.getMessage(),
                        interval.toSeconds());
            }
        }
        return out;
    }

    /**
     * The destructions failing now, oldest key first: each a DELETED key still on one of this node's HSMs
     * because the last attempt failed there (thread-safe; for {@code /health} and the metrics).
     */
    public List<Destruction> failing() {
        return failures.values().stream()
                .sorted(Comparator.comparing((Destruction d) -> d.key().zone().toString())
                        .thenComparing(d -> d.key().fingerprint().hex())
                        .thenComparing(d -> d.hsm().toString()))
                .toList();
    }

    /** The {@code /health} reasons of {@link #failing}: zone, role, tag, fingerprint, HSM and why. */
    public List<String> problems() {
        return failing().stream()
                .map(d -> "zone " + d.key().zone() + ": " + d.key().role() + " "
                        + d.key().keyTag() + " (fp "
                        + d.key().fingerprint().shortHex() + ") is DELETED in the manifest but could not be destroyed"
                        + " on HSM " + d.hsm() + " of " + node + ": " + d.detail() + " (retried every "
                        + interval.toSeconds() + " s)")
                .toList();
    }

    /** A manifest version whose DELETED keys were not held on any HSM of this node at {@code at}. */
    private record Settled(int version, Instant at) {}

    private static String failureKey(Destruction d) {
        DnssecKey k = d.key();
        return k.zone() + " " + k.fingerprint().hex() + " " + d.hsm();
    }
}
