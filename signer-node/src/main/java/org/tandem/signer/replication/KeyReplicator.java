package org.tandem.signer.replication;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.KeySync;
import org.tandem.keysync.KeySyncException;
import org.tandem.keysync.grpc.RemoteCallException;
import org.tandem.keysync.grpc.RemoteKeySet;
import org.tandem.keysync.hsm.HsmId;
import org.tandem.keysync.hsm.WrappedKey;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.proof.KeyCheck;
import org.tandem.keysync.proof.KeySetReport;
import org.tandem.keysync.proof.KeySetVerifier;
import org.tandem.keysync.proof.KeyStatus;

/**
 * The leader's replication agent ("replicate before publish"): for each GENERATED key of each zone,
 * it makes sure that this node's HSMs and every peer's HSMs hold the key, proven, and then promotes
 * it GENERATED → PUBLISHED in the manifest. Only then may any node publish it in the DNSKEY RRset.
 *
 * <p>One {@link #run pass}, per zone with GENERATED keys:
 *
 * <ol>
 *   <li>prove this node's HSMs against the manifest with a fresh nonce, and ask each peer's KeySync
 *       {@code Inventory} with another fresh nonce; every proof is verified here against the
 *       manifest's public key ({@link RemoteKeySet#verify}), never taken from the peer;
 *   <li>where this node lacks the key: {@code ExportWrappedKey} from a peer that holds it, proven, and
 *       unwrap it here through {@link KeySync#importWrapped} (manifest keys only, proven at once), or
 *       copy it between this node's own HSMs;
 *   <li>where a peer lacks it: wrap it from this node's HSM ({@link KeySync#wrapFor}, proven first)
 *       and {@code ImportWrappedKey} it there with a fresh nonce; the proof the peer returns is
 *       verified here;
 *   <li>when this node and every peer prove the key, and this node still leads: {@link
 *       KeySync#promote} (compare-and-set on the manifest).
 * </ol>
 *
 * <p>Anything that fails (a peer unreachable or refusing, an HSM error, a diverged key on some HSM,
 * which is never replaced automatically) leaves the key GENERATED, unpublished, and is named in the
 * pass's outcome. Without peers the key is promoted as soon as this node's HSMs prove it (the daemon
 * warns about that at start).
 *
 * <p>A peer that failed in a pass is asked again only after a pause that doubles from 5 s up to 60 s
 * (reset by a pass without failure), so that a refusing peer's audit log and this node's do not grow
 * every few seconds; its keys stay pending meanwhile, with the last failure named.
 *
 * <p>Threads: one pass at a time (the daemon's zone worker). Every remote call carries the deadline.
 * Does not own the HSMs, {@code KeySync} or the peer links.
 */
public final class KeyReplicator {
    private static final Logger LOG = LoggerFactory.getLogger(KeyReplicator.class);

    private final String node;
    private final KeySync keySync;
    private final KeySetVerifier verifier;
    private final PeerLinks peers;
    private final Clock clock;
    private final Duration deadline;
    /** Per peer: not asked again before this instant after a failure (doubling, at most {@link #MAX_BACKOFF}). */
    private final Map<String, Backoff> backoff = new HashMap<>();
    /** The longest wait before a peer that failed is asked again. */
    static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(5);

    /**
     * @param node this node's name, for messages and the audit log
     * @param keySync keysync over this node's HSMs (its audit log records every wrap, unwrap, promotion)
     * @param verifier proves the keys with fresh nonces
     * @param peers the other nodes' KeySync services; none: promote on this node's own proof
     * @param deadline for each remote call
     */
    public KeyReplicator(
            String node, KeySync keySync, KeySetVerifier verifier, PeerLinks peers, Clock clock, Duration deadline) {
        this.node = Objects.requireNonNull(node, "node");
        this.keySync = Objects.requireNonNull(keySync, "keySync");
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.peers = Objects.requireNonNull(peers, "peers");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.deadline = Objects.requireNonNull(deadline, "deadline");
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive, got " + deadline);
        }
    }

    /**
     * One pass over {@code zones}.
     *
     * @param leading asked right before each promotion: only the leader promotes
     */
    public ReplicationPass run(List<ZoneName> zones, BooleanSupplier leading) {
        return run(zones, leading, z -> false);
    }

    /**
     * One pass over {@code zones}; the GENERATED keys of a zone for which {@code planned} holds (its
     * policy has {@code keys:}) are replicated and proven but not promoted: they come back in {@link
     * ReplicationPass.ZoneOutcome#proven()} and the rollover agent publishes them when its plan says so.
     *
     * @param leading asked right before each promotion: only the leader promotes
     */
    public ReplicationPass run(List<ZoneName> zones, BooleanSupplier leading, Predicate<ZoneName> planned) {
        Objects.requireNonNull(zones, "zones");
        Objects.requireNonNull(planned, "planned");
        Objects.requireNonNull(leading, "leading");
        Instant at = clock.instant();
        Map<String, PeerTally> tally = new LinkedHashMap<>();
        for (PeerLinks.Link l : peers.links()) {
            tally.put(l.peer().name(), new PeerTally());
        }
        List<ReplicationPass.ZoneOutcome> out = new ArrayList<>();
        for (ZoneName zone : zones) {
            out.add(zone(zone, leading, tally, planned.test(zone)));
        }
        List<ReplicationPass.PeerOutcome> peerOut = new ArrayList<>();
        tally.forEach((name, t) -> {
            peerOut.add(new ReplicationPass.PeerOutcome(name, !t.failed, t.pending, t.problems));
            if (t.asked) {
                if (t.failed || !t.problems.isEmpty()) {
                    Backoff b = backoff.get(name);
                    Duration next = b == null ? FIRST_BACKOFF : b.delay().multipliedBy(2);
                    next = next.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : next;
                    backoff.put(
                            name,
                            new Backoff(
                                    clock.instant().plus(next),
                                    next,
                                    t.problems.isEmpty() ? "failed" : t.problems.get(t.problems.size() - 1)));
                } else {
                    backoff.remove(name);
                }
            }
        });
        return new ReplicationPass(at, out, peerOut);
    }

    private ReplicationPass.ZoneOutcome zone(
            ZoneName zone, BooleanSupplier leading, Map<String, PeerTally> tally, boolean planned) {
        ZoneKeySet manifest;
        try {
            manifest = keySync.manifest(zone);
        } catch (KeySyncException e) {
            return new ReplicationPass.ZoneOutcome(zone, List.of(), List.of("manifest unreadable: " + e.getMessage()));
        }
        List<ZoneKeySet.Entry> generated = manifest.pendingReplication();
        if (generated.isEmpty()) {
            return new ReplicationPass.ZoneOutcome(zone, List.of(), List.of());
        }
        KeySetReport local = verifier.verify(manifest, keySync.hsms());
        Map<PeerLinks.Link, Object> remote = new LinkedHashMap<>(); // KeySetReport or the failure text
        for (PeerLinks.Link l : peers.links()) {
            PeerTally t = tally.get(l.peer().name());
            if (t.failed) {
                remote.put(l, t.problems.get(t.problems.size() - 1));
                continue;
            }
            Backoff b = backoff.get(l.peer().name());
            if (b != null && clock.instant().isBefore(b.until())) {
                // a peer that failed is asked again after a growing pause (its audit log and ours stay small)
                t.fail("not asked again before " + b.until() + " after: " + b.problem());
                remote.put(l, t.problems.get(t.problems.size() - 1));
                continue;
            }
            t.asked = true;
            try {
                remote.put(l, RemoteKeySet.verify(l.stub(), manifest, verifier.nonce(), clock, deadline));
            } catch (RemoteCallException | RuntimeException e) {
                String why = "unreachable or refusing (Inventory: " + e.getMessage() + ")";
                t.fail(why);
                remote.put(l, why);
            }
        }
        List<DnssecKey> promoted = new ArrayList<>();
        List<DnssecKey> proven = new ArrayList<>();
        List<String> pending = new ArrayList<>();
        for (ZoneKeySet.Entry e : generated) {
            DnssecKey key = e.key();
            List<String> lacking = new ArrayList<>();
            List<String> proof = new ArrayList<>();
            boolean here = bringHere(key, local, remote, lacking, proof);
            for (Map.Entry<PeerLinks.Link, Object> r : remote.entrySet()) {
                PeerLinks.Link l = r.getKey();
                PeerTally t = tally.get(l.peer().name());
                Optional<String> problem = r.getValue() instanceof KeySetReport report
                        ? bringThere(key, l, report, here, proof)
                        : Optional.of("missing on " + l.peer().name() + " (" + r.getValue() + ")");
                if (problem.isPresent()) {
                    lacking.add(problem.get());
                    t.pending++;
                    if (!(r.getValue() instanceof String)) {
                        t.problems.add("zone " + zone + " " + describe(key) + ": " + problem.get());
                    }
                }
            }
            String line = describe(key) + ": " + String.join("; ", lacking);
            if (!lacking.isEmpty()) {
                pending.add(line);
                LOG.warn(
                        "node={} zone={} key={} tag={} role={} event=replication-pending {}",
                        node,
                        zone,
                        key.fingerprint().shortHex(),
                        key.keyTag(),
                        key.role(),
                        String.join("; ", lacking));
                continue;
            }
            if (planned) {
                // the rollover agent decides when it is published; proven now on every HSM of every node
                proven.add(key);
                LOG.info(
                        "node={} zone={} key={} tag={} role={} event=key-proven-everywhere proven-on=\"{}\"",
                        node,
                        zone,
                        key.fingerprint().shortHex(),
                        key.keyTag(),
                        key.role(),
                        String.join(", ", proof));
                continue;
            }
            if (!leading.getAsBoolean()) {
                pending.add(describe(key) + ": not promoted: this node no longer leads");
                continue;
            }
            try {
                if (keySync.promote(zone, key.fingerprint(), "proven on " + String.join(", ", proof))) {
                    promoted.add(key);
                    LOG.info(
                            "node={} zone={} key={} tag={} role={} event=key-promoted state=PUBLISHED proven-on=\"{}\"",
                            node,
                            zone,
                            key.fingerprint().shortHex(),
                            key.keyTag(),
                            key.role(),
                            String.join(", ", proof));
                }
            } catch (KeySyncException ex) {
                pending.add(describe(key) + ": proven on every node but not promoted: " + ex.getMessage());
            }
        }
        return new ReplicationPass.ZoneOutcome(zone, promoted, pending, proven);
    }

    /**
     * Makes sure this node's HSMs hold the key, proven; fetches it from a peer or copies it between
     * its own HSMs when one lacks it. Adds to {@code lacking} what is still missing here.
     *
     * @return true when every HSM of this node holds it, proven
     */
    private boolean bringHere(
            DnssecKey key,
            KeySetReport local,
            Map<PeerLinks.Link, Object> remote,
            List<String> lacking,
            List<String> proof) {
        List<KeyCheck> mine = checks(local, key.fingerprint());
        if (mine.stream().allMatch(KeyCheck::ok)) {
            proof.add(node + " (" + hsms(mine) + ")");
            return true;
        }
        Optional<KeyCheck> diverged =
                mine.stream().filter(KeyReplicator::diverged).findFirst();
        if (diverged.isPresent()) {
            lacking.add("diverged on " + node + " (this node): "
                    + diverged.get().describe() + "; replace it deliberately: signerctl keys sync --replace-diverged");
            return false;
        }
        List<String> tried = new ArrayList<>();
        try {
            List<HsmId> now;
            if (mine.stream().anyMatch(KeyCheck::ok)) {
                // another HSM of this node holds it, proven: copy it locally
                now = keySync.importWrapped(keySync.wrapFor(key.zone(), key.fingerprint(), node), node);
            } else {
                Optional<PeerLinks.Link> source = remote.entrySet().stream()
                        .filter(r -> r.getValue() instanceof KeySetReport rep
                                && checks(rep, key.fingerprint()).stream().anyMatch(KeyCheck::ok))
                        .map(Map.Entry::getKey)
                        .findFirst();
                if (source.isEmpty()) {
                    lacking.add("missing on " + node + " (this node: " + problems(mine)
                            + "), and no reachable peer holds it, proven");
                    return false;
                }
                tried.add(source.get().peer().name());
                WrappedKey wrapped = RemoteKeySet.export(source.get().stub(), key.zone(), key.fingerprint(), deadline);
                now = keySync.importWrapped(wrapped, source.get().peer().name());
                LOG.info(
                        "node={} zone={} key={} tag={} role={} event=key-imported from={} hsms={}",
                        node,
                        key.zone(),
                        key.fingerprint().shortHex(),
                        key.keyTag(),
                        key.role(),
                        source.get().peer().name(),
                        now);
            }
            proof.add(node + " ("
                    + String.join(", ", now.stream().map(HsmId::name).toList()) + ")");
            return true;
        } catch (KeySyncException | RuntimeException e) {
            lacking.add("missing on " + node + " (this node: " + problems(mine) + "; "
                    + (tried.isEmpty() ? "local copy" : "import from " + tried.get(0)) + " failed: " + e.getMessage()
                    + ")");
            return false;
        }
    }

    /**
     * Makes sure the peer's HSMs hold the key, proven: imports it there (wrapped from this node)
     * when the peer's inventory lacks it.
     *
     * @return empty when the peer holds it, proven, on every HSM; otherwise why not
     */
    private Optional<String> bringThere(
            DnssecKey key, PeerLinks.Link peer, KeySetReport report, boolean here, List<String> proof) {
        List<KeyCheck> theirs = checks(report, key.fingerprint());
        if (!theirs.isEmpty() && theirs.stream().allMatch(KeyCheck::ok)) {
            proof.add(peer.peer().name() + " (" + hsms(theirs) + ")");
            return Optional.empty();
        }
        Optional<KeyCheck> diverged =
                theirs.stream().filter(KeyReplicator::diverged).findFirst();
        String name = peer.peer().name();
        if (diverged.isPresent()) {
            return Optional.of("diverged on " + name + ": " + diverged.get().describe() + "; replace it deliberately"
                    + " there: signerctl keys sync --replace-diverged");
        }
        if (!here) {
            return Optional.of("missing on " + name + " (" + problems(theirs) + "; not sent: " + node
                    + " does not hold it, proven, itself)");
        }
        try {
            WrappedKey wrapped =
                    keySync.wrapFor(key.zone(), key.fingerprint(), peer.peer().name());
            List<HsmId> proven =
                    RemoteKeySet.importKey(peer.stub(), wrapped, Optional.empty(), verifier.nonce(), clock, deadline);
            List<HsmId> needed = report.hsms();
            if (!proven.containsAll(needed)) {
                return Optional.of(
                        "missing on " + name + " (imported and proven on " + proven + " only, not on " + needed + ")");
            }
            LOG.info(
                    "node={} zone={} key={} tag={} role={} event=key-sent to={} hsms={}",
                    node,
                    key.zone(),
                    key.fingerprint().shortHex(),
                    key.keyTag(),
                    key.role(),
                    peer.peer().name(),
                    proven);
            proof.add(peer.peer().name() + " ("
                    + String.join(", ", proven.stream().map(HsmId::name).toList()) + ")");
            return Optional.empty();
        } catch (KeySyncException | RuntimeException e) {
            return Optional.of(
                    "missing on " + name + " (" + problems(theirs) + "; import failed: " + e.getMessage() + ")");
        }
    }

    /** Another key claims the identity, or the private key does not match: never replaced here (DENIC). */
    private static boolean diverged(KeyCheck c) {
        return c.status() == KeyStatus.DIFFERENT_PUBLIC_KEY || c.status() == KeyStatus.PRIVATE_KEY_MISMATCH;
    }

    private static List<KeyCheck> checks(KeySetReport report, Fingerprint fp) {
        return report.checks().stream()
                .filter(c -> c.status() != KeyStatus.UNEXPECTED_EXTRA_KEY
                        && c.fingerprint().filter(fp::equals).isPresent())
                .toList();
    }

    private static String hsms(List<KeyCheck> checks) {
        return String.join(", ", checks.stream().map(c -> c.hsm().name()).toList());
    }

    private static String problems(List<KeyCheck> checks) {
        List<String> bad = checks.stream()
                .filter(c -> !c.ok())
                .map(c -> c.status().display() + " on HSM " + c.hsm()
                        + (c.detail().isEmpty() ? "" : " (" + c.detail() + ")"))
                .toList();
        return bad.isEmpty() ? "not reported" : String.join(", ", bad);
    }

    private static String describe(DnssecKey key) {
        return key.role() + " " + key.keyTag() + " fp " + key.fingerprint().shortHex();
    }

    /** When a peer that failed is asked again, and why it failed. */
    private record Backoff(Instant until, Duration delay, String problem) {}

    /** Failures and pending keys of one peer during a pass. */
    private static final class PeerTally {
        boolean asked;
        boolean failed;
        int pending;
        final List<String> problems = new ArrayList<>();

        void fail(String why) {
            failed = true;
            problems.add(why);
        }
    }
}
