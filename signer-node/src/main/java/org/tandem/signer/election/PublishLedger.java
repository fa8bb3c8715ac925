package org.tandem.signer.election;

import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.ZKConfig;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tandem.keysync.key.ZoneName;
import org.tandem.keysync.manifest.ZooKeeperLayout;
import org.tandem.proto.signer.v1.PublishedZone;

/**
 * The cluster's publish ledger in ZooKeeper: per zone, the last committed publication {@code
 * <root>/zones/<zone>/published} and its commits in order {@code <root>/zones/<zone>/history/p-NNNNNNNNNN}
 * (persistent-sequential), each a binary {@code tandem.signer.v1.PublishedZone}: serial, SHA-256 of the
 * content, epoch, node, time, DNSKEY fingerprints and TTL.
 *
 * <p>History retention: the leader deletes, after a commit, the records that {@link HistoryRetention} does
 * not keep ({@link #prune}), so that the history stays far below what one ZooKeeper reply can list; every
 * reader gets the same answer from the records kept (see {@link HistoryRetention} and
 * docs/ledger-history.md). A pruned history's node carries a {@link PruneMarker}.
 *
 * <p>Fencing (INV-L4): {@link #commit} is one ZooKeeper transaction — check(epoch znode version ==
 * leadership epoch), check(our latch node exists), setData(published, version as read) or
 * create(published), create(history record) — so a deposed leader's commit fails as a whole, however
 * late it arrives. Serials (INV-L5): a commit must carry a serial greater (RFC 1982) than the last
 * committed one; the same serial never carries two contents. What leaves the node (zone file,
 * AXFR/IXFR) must be what a successful commit returned.
 *
 * <p>Threads: safe for concurrent use; operations block the caller. Connection loss: reads are retried
 * by Curator (the client's retry policy), then fail with {@link LedgerUnavailableException}. A commit is
 * sent once, and only while connected: never later, when this node's lease may have run out; its
 * caller's next attempt finds a commit that was applied after all and reports it as the success it was.
 *
 * <p>The Curator client is borrowed: started and closed by the caller.
 */
public final class PublishLedger {
    private static final Logger LOG = LoggerFactory.getLogger(PublishLedger.class);
    private static final int SHA256_LENGTH = 32;
    private static final int MAX_ATTEMPTS = 3;

    private final CuratorFramework client;
    private final ZooKeeperLayout paths;
    private final Clock clock;
    /**
     * History records already read, per zone and child name. A record is written once, in the commit's
     * transaction, and never changed (persistent-sequential), so each is read from ZooKeeper once: the
     * published-long-enough check of every signing run reads the commits of one DNSKEY TTL, which at a
     * commit a second were thousands of reads a run, seconds of them over a lossy WAN.
     */
    private final Map<ZoneName, Map<String, PublishRecord>> parsedHistory = new ConcurrentHashMap<>();
    /** Each zone's prune marker by the history node's data version: read again only when it changed. */
    private final Map<ZoneName, Versioned<Optional<PruneMarker>>> markers = new ConcurrentHashMap<>();
    /** Per zone, the history size below which the next {@link #prune} does nothing (hysteresis). */
    private final Map<ZoneName, Integer> pruneAbove = new ConcurrentHashMap<>();

    /**
     * @param client a started Curator client without a namespace
     * @param root the Tandem root, the same as the election's ({@code /tandem})
     * @param clock for {@link PublishRecord#committedAt()}
     */
    public PublishLedger(CuratorFramework client, String root, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        if (client.getState() != CuratorFrameworkState.STARTED) {
            throw new IllegalStateException("Curator client must be started, is " + client.getState());
        }
        this.paths = new ZooKeeperLayout(root);
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The last committed publication of the zone, empty if it was never published. */
    public Optional<PublishRecord> last(ZoneName zone) throws LedgerException {
        return readPublished(zone).map(Stored::record);
    }

    /**
     * The serial to sign the zone with: {@code candidate} (from the serial policy) if it is greater
     * (RFC 1982) than the last committed serial or the zone was never published, else last + 1
     * (modulo 2^32). Allocation is advisory; {@link #commit} enforces it.
     *
     * @param candidate 0 .. 2^32-1
     */
    public long nextSerial(ZoneName zone, long candidate) throws LedgerException {
        Serials.check(candidate);
        Optional<PublishRecord> last = last(zone);
        if (last.isEmpty() || Serials.greater(candidate, last.get().serial())) {
            return candidate;
        }
        return Serials.increment(last.get().serial());
    }

    /**
     * The current epoch of the cluster (the epoch znode's data version), 0 if nobody has ever led.
     */
    public long currentEpoch() throws LedgerException {
        String path = paths.epochPath();
        try {
            Stat stat = client.checkExists().forPath(path);
            return stat == null ? 0 : stat.getVersion();
        } catch (Exception e) {
            throw unavailable(e, null, path, "reading the epoch");
        }
    }

    /**
     * Commits a publication of {@code zone} with {@code serial} and content digest {@code sha256} under
     * {@code leadership}, in one ZooKeeper transaction (see the class comment).
     *
     * @return the committed record
     * @throws StaleLeadershipException if the leadership is not valid locally (lease, revoked), the
     *     epoch moved on, the latch node is gone, or the leadership's epoch is below the epoch of the
     *     ledger's last commit (the epoch znode was reset); nothing written
     * @throws SerialRefusedException if the serial is not greater than the last committed one, or
     *     equals it with other content; nothing written
     * @throws LedgerUnavailableException if ZooKeeper is unreachable; the outcome is unknown
     * @throws IllegalArgumentException if the serial is out of range or the digest is not 32 bytes
     */
    public PublishRecord commit(Leadership leadership, ZoneName zone, long serial, byte[] sha256)
            throws LedgerException {
        return commit(leadership, zone, serial, sha256, List.of(), 0);
    }

    /**
     * As {@link #commit(Leadership, ZoneName, long, byte[])}, recording also the published DNSKEY RRset:
     * the fingerprints of its keys (stored sorted) and its TTL, from which the coordinator derives since
     * when each key is published (RFC 7583 timing).
     *
     * @param dnskeyFingerprints SHA-256 DS digests of the published DNSKEYs, 64 hex digits each
     * @param dnskeyTtlSeconds the DNSKEY RRset's TTL, seconds; 0 when unknown
     * @throws IllegalArgumentException also for a fingerprint that is not 64 hex digits or a negative TTL
     */
    public PublishRecord commit(
            Leadership leadership,
            ZoneName zone,
            long serial,
            byte[] sha256,
            List<String> dnskeyFingerprints,
            long dnskeyTtlSeconds)
            throws LedgerException {
        Objects.requireNonNull(leadership, "leadership");
        Objects.requireNonNull(dnskeyFingerprints, "dnskeyFingerprints");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(sha256, "sha256");
        Serials.check(serial);
        if (sha256.length != SHA256_LENGTH) {
            throw new IllegalArgumentException("sha256 must be 32 bytes, got " + sha256.length);
        }
        String sha256Hex = HexFormat.of().formatHex(sha256);
        if (!leadership.isValid()) {
            throw stale(
                    leadership,
                    zone,
                    "leadership no longer valid here ("
                            + leadership.revocation().map(LossReason::display).orElse("lease-expired") + ")",
                    null);
        }
        String publishedPath = paths.publishedPath(zone);
        requireConnected(zone, publishedPath, "committing serial " + serial);
        ensureHistoryParent(zone);
        for (int attempt = 1; ; attempt++) {
            Optional<Stored> before = readPublished(zone);
            if (before.isPresent()) {
                PublishRecord last = before.get().record;
                if (leadership.epoch() < last.epoch()) {
                    long current = currentEpoch();
                    if (current >= last.epoch()) {
                        // the ordinary stale term: another node was elected and has published since
                        throw stale(
                                leadership,
                                zone,
                                "the cluster epoch is now " + current + ": node " + last.node()
                                        + " was elected since and committed serial " + last.serial()
                                        + " under epoch " + last.epoch(),
                                null);
                    }
                    // The epoch znode's version only grows; an epoch znode below an epoch the ledger already
                    // holds means it was deleted and recreated, and fencing would restart.
                    throw stale(
                            leadership,
                            zone,
                            "the ledger already holds serial " + last.serial() + " committed"
                                    + " under the higher epoch " + last.epoch() + " by node " + last.node()
                                    + "; the epoch znode "
                                    + leadership.epochPath()
                                    + " went backwards (deleted and recreated?), so fencing cannot be"
                                    + " trusted. Raise the epoch znode's version above " + last.epoch()
                                    + " (docs/security/"
                                    + "zookeeper.md) before any node publishes again",
                            null);
                }
                if (last.sameContent(serial, sha256Hex)
                        && last.epoch() == leadership.epoch()
                        && last.node().equals(leadership.node())) {
                    return last; // our own commit, already applied (a retry after connection loss)
                }
                if (last.serial() == serial) {
                    throw new SerialRefusedException(
                            zone,
                            serial,
                            leadership.epoch(),
                            leadership.node(),
                            last,
                            SerialRefusedException.Kind.SAME_SERIAL_OTHER_CONTENT);
                }
                if (!Serials.greater(serial, last.serial())) {
                    throw new SerialRefusedException(
                            zone,
                            serial,
                            leadership.epoch(),
                            leadership.node(),
                            last,
                            SerialRefusedException.Kind.NOT_INCREASING);
                }
            }
            PublishRecord record = new PublishRecord(
                    zone,
                    serial,
                    sha256Hex,
                    leadership.epoch(),
                    leadership.node(),
                    clock.instant().truncatedTo(ChronoUnit.MILLIS),
                    dnskeyFingerprints,
                    dnskeyTtlSeconds);
            byte[] data = record.toProto().toByteArray();
            if (!leadership.isValid()) {
                throw stale(leadership, zone, "leadership lost while committing serial " + serial, null);
            }
            try {
                // the raw handle, not Curator's transaction: Curator retries an operation after a connection
                // loss once the connection is back, which could be long after this node's lease ran out (a
                // quorum lost for 15 s, then back) and land the commit in the old epoch then. Sent once, a
                // commit whose outcome is unknown fails here; the next signing run, with a fresh lease check,
                // finds it applied (above) or commits anew.
                List<ACL> acl = client.getACL().forPath(paths.historyPath(zone));
                // the raw client queues a request made while it reconnects: check just before sending
                requireConnected(zone, publishedPath, "committing serial " + serial);
                Op write = before.isPresent()
                        ? Op.setData(publishedPath, data, before.get().version)
                        : Op.create(publishedPath, data, acl, CreateMode.PERSISTENT);
                client.getZookeeperClient()
                        .getZooKeeper()
                        .multi(List.of(
                                Op.check(leadership.epochPath(), (int) leadership.epoch()),
                                Op.check(leadership.latchNode(), -1),
                                write,
                                Op.create(
                                        paths.historyRecordPrefix(zone), data, acl, CreateMode.PERSISTENT_SEQUENTIAL)));
            } catch (KeeperException.BadVersionException
                    | KeeperException.NoNodeException
                    | KeeperException.NodeExistsException e) {
                refuseIfStale(leadership, zone, e);
                if (attempt >= MAX_ATTEMPTS) {
                    throw unavailable(
                            e, zone, publishedPath, "committing serial " + serial + " (published kept changing)");
                }
                continue; // published moved under us (a retried first attempt, or a concurrent commit): re-evaluate
            } catch (LedgerUnavailableException e) {
                throw e;
            } catch (Exception e) {
                throw unavailable(e, zone, publishedPath, "committing serial " + serial);
            }
            LOG.info(
                    "zone={} serial={} sha256={} epoch={} node={} committed",
                    zone,
                    serial,
                    sha256Hex.substring(0, 16),
                    leadership.epoch(),
                    leadership.node());
            return record;
        }
    }

    /**
     * Curator would wait for the connection and send the commit whenever it returned: perhaps after this
     * node's lease (INV-L3). The next signing run tries again, with a fresh lease check.
     */
    private void requireConnected(ZoneName zone, String path, String operation) throws LedgerUnavailableException {
        if (!client.getZookeeperClient().isConnected()) {
            throw new LedgerUnavailableException(
                    zone, path, operation + ": not connected to ZooKeeper now; nothing sent", null);
        }
    }

    /**
     * The commits of the zone the history holds, oldest first (for the rollover planner, the chaos harness
     * and tests: one writer per epoch, monotonic serials). Every commit until the leader first prunes; after
     * that the records {@link HistoryRetention} keeps: among them every record of the retention window, the
     * newest before it, and the first record carrying each key of the newest DNSKEY RRset.
     *
     * @throws LedgerUnavailableException also when the history holds more records than this client can list
     *     (its message names the recovery)
     */
    public List<PublishRecord> history(ZoneName zone) throws LedgerException {
        Optional<List<String>> children = historyChildren(zone);
        if (children.isEmpty()) {
            return List.of();
        }
        List<PublishRecord> out = new ArrayList<>(children.get().size());
        for (String child : children.get()) {
            historyRecord(zone, child).ifPresent(out::add);
        }
        return List.copyOf(out);
    }

    /** The history's children in commit order, or empty when the zone has no history yet. */
    private Optional<List<String>> historyChildren(ZoneName zone) throws LedgerException {
        return listHistory(zone).map(Listing::children);
    }

    /**
     * The history's children in commit order and its prune marker, or empty when the zone has no history
     * yet. A history too large to list with this client's {@code jute.maxbuffer} is refused before the
     * listing: ZooKeeper would send the reply, the client would drop the connection on it ("Packet len ...
     * is out of range") and every retry would do the same, suspending the election each time.
     */
    private Optional<Listing> listHistory(ZoneName zone) throws LedgerException {
        String historyPath = paths.historyPath(zone);
        Stat stat;
        try {
            stat = client.checkExists().forPath(historyPath);
        } catch (Exception e) {
            throw unavailable(e, zone, historyPath, "reading the publish history's size");
        }
        if (stat == null) {
            return Optional.empty();
        }
        int listable = listableChildren();
        if (stat.getNumChildren() > listable) {
            throw new LedgerUnavailableException(
                    zone,
                    historyPath,
                    "listing the publish history: it holds " + stat.getNumChildren() + " records, more than the "
                            + listable + " this client can list with jute.maxbuffer " + juteMaxBuffer()
                            + "; restart the nodes with a larger -Djute.maxbuffer (e.g. 16777216) so that the "
                            + "leader can prune it (docs/ledger-history.md)",
                    null);
        }
        List<String> children;
        Stat listed = new Stat();
        try {
            children =
                    new ArrayList<>(client.getChildren().storingStatIn(listed).forPath(historyPath));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw unavailable(e, zone, historyPath, "listing the publish history");
        }
        children.sort(null); // p-NNNNNNNNNN: zero-padded sequence numbers sort as text
        Map<String, PublishRecord> cached = parsedHistory.get(zone);
        if (cached != null && cached.size() > 0) {
            cached.keySet().retainAll(new HashSet<>(children)); // deleted records leave the cache too
        }
        return Optional.of(new Listing(children, marker(zone, historyPath, listed.getVersion()), listed));
    }

    /** The prune marker in the history node's data (written by {@link #prune}), read again only when it changed. */
    private Optional<PruneMarker> marker(ZoneName zone, String historyPath, int version) throws LedgerException {
        Versioned<Optional<PruneMarker>> known = markers.get(zone);
        if (known != null && known.version() == version) {
            return known.value();
        }
        byte[] data;
        try {
            data = client.getData().forPath(historyPath);
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw unavailable(e, zone, historyPath, "reading the publish history's prune marker");
        }
        Optional<PruneMarker> marker;
        try {
            marker = PruneMarker.parse(data);
        } catch (IllegalArgumentException e) {
            throw new LedgerCorruptException(historyPath, e.getMessage(), e);
        }
        markers.put(zone, new Versioned<>(version, marker));
        return marker;
    }

    /** The children a {@code getChildren} of the history can return within this client's jute.maxbuffer. */
    private int listableChildren() {
        // a child name p-NNNNNNNNNN is 12 bytes plus a 4-byte length; half the buffer leaves a wide margin
        return juteMaxBuffer() / 2 / 16;
    }

    private int juteMaxBuffer() {
        try {
            ZKClientConfig config = client.getZookeeperClient().getZooKeeper().getClientConfig();
            return config.getInt(ZKConfig.JUTE_MAXBUFFER, ZKClientConfig.CLIENT_MAX_PACKET_LENGTH_DEFAULT);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return ZKClientConfig.CLIENT_MAX_PACKET_LENGTH_DEFAULT;
        }
    }

    /** One history record, or empty when it was deleted (by an operator) since it was listed. */
    private Optional<PublishRecord> historyRecord(ZoneName zone, String child) throws LedgerException {
        Map<String, PublishRecord> cached = parsedHistory.computeIfAbsent(zone, z -> new ConcurrentHashMap<>());
        PublishRecord known = cached.get(child);
        if (known != null) {
            return Optional.of(known);
        }
        String path = ZKPaths.makePath(paths.historyPath(zone), child);
        byte[] data;
        try {
            data = client.getData().forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw unavailable(e, zone, path, "reading the publish history");
        }
        PublishRecord record = parse(zone, path, data);
        cached.put(child, record);
        return Optional.of(record);
    }

    /**
     * The recent DNSKEY history of the zone for the published-long-enough check: read backwards from
     * the newest commit until a record committed at or before {@code now} minus the largest DNSKEY TTL
     * read so far (or the first commit), so that the cost is the commits of about one TTL, not the
     * whole history. A pruned history is read back no further than the record from which it holds every
     * DNSKEY change ({@link PruneMarker#contiguousFrom}), and its first record is not the zone's first
     * publication ({@link PublishedDnskeys#fromFirst} false).
     *
     * @throws LedgerException when ZooKeeper cannot be read or a record does not parse
     */
    public PublishedDnskeys dnskeyHistory(ZoneName zone, Instant now) throws LedgerException {
        Objects.requireNonNull(now, "now");
        Optional<Listing> listed = listHistory(zone);
        if (listed.isEmpty()) {
            return new PublishedDnskeys(zone, List.of(), true);
        }
        List<String> children = listed.get().children();
        // a pruned history has gaps before the record from which it keeps every DNSKEY change: the walk stops
        // there, and its first record is not the zone's first publication
        Optional<PruneMarker> marker = listed.get().marker();
        String stopAt = marker.map(PruneMarker::contiguousFrom).orElse("");
        List<PublishRecord> newestFirst = new ArrayList<>();
        long maxTtl = 0;
        int i = children.size() - 1;
        boolean reachedGap = false;
        for (; i >= 0; i--) {
            if (children.get(i).compareTo(stopAt) < 0) {
                reachedGap = true;
                break;
            }
            Optional<PublishRecord> read = historyRecord(zone, children.get(i));
            if (read.isEmpty()) {
                continue;
            }
            PublishRecord r = read.get();
            newestFirst.add(r);
            maxTtl = Math.max(maxTtl, r.dnskeyTtlSeconds());
            if (maxTtl > 0 && !r.committedAt().isAfter(now.minusSeconds(maxTtl))) {
                break;
            }
            if (newestFirst.size() == 1
                    && (r.dnskeyTtlSeconds() <= 0 || r.dnskeyFingerprints().isEmpty())) {
                break; // the last record does not say: unknown, whatever came before
            }
        }
        List<PublishRecord> window = new ArrayList<>(newestFirst);
        Collections.reverse(window);
        if (window.isEmpty() && marker.isPresent()) {
            throw new LedgerCorruptException(
                    paths.historyPath(zone),
                    "the publish history was pruned but holds no record from " + stopAt
                            + " on: deleted by hand? The published-long-enough check cannot be answered",
                    null);
        }
        boolean fromFirst = !reachedGap && i <= 0 && marker.isEmpty();
        return new PublishedDnskeys(zone, window, fromFirst);
    }

    /**
     * What one {@link #prune} did.
     *
     * @param pruned records deleted by this call
     * @param remaining records the history holds now
     * @param oldestKept the oldest record kept, when the history was listed
     * @param window the retention window used ({@link HistoryRetention.Plan#window})
     * @param overCap whether the records kept still exceed the cap (see {@link HistoryRetention})
     */
    public record Pruned(
            int pruned, int remaining, Optional<PublishRecord> oldestKept, Duration window, boolean overCap) {
        public Pruned {
            Objects.requireNonNull(oldestKept, "oldestKept");
            Objects.requireNonNull(window, "window");
        }
    }

    /**
     * Deletes the history records of {@code zone} that {@code retention} does not keep ({@link
     * HistoryRetention#plan}), by the leader, after a successful commit. Nothing is listed while the history
     * holds at most {@link HistoryRetention#highWater} records (or, after a prune that left more, until a
     * batch more was committed): the common call costs one {@code exists}.
     *
     * <p>Fenced like {@link #commit} (INV-L4): each batch of at most {@link HistoryRetention#batchSize}
     * deletes is one ZooKeeper transaction with check(epoch znode version == leadership epoch), check(latch
     * node exists) and setData(history node, the {@link PruneMarker}, its version as read), so a deposed
     * leader deletes nothing, and of two pruners one fails. Each batch is sent once, only while connected;
     * a batch that fails leaves the history as it was before that batch.
     *
     * @param lookBack what the zone's policy looks back besides the recorded DNSKEY TTLs (see {@link
     *     HistoryRetention#plan}); zero when the zone has no lifecycle policy
     * @throws StaleLeadershipException if the leadership is not valid, the epoch moved on or the latch node
     *     is gone; nothing deleted by the refused batch
     * @throws LedgerUnavailableException if ZooKeeper is unreachable or the history changed under the prune;
     *     the batches before the failing one are applied
     */
    public Pruned prune(Leadership leadership, ZoneName zone, HistoryRetention retention, Duration lookBack)
            throws LedgerException {
        Objects.requireNonNull(leadership, "leadership");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(retention, "retention");
        Objects.requireNonNull(lookBack, "lookBack");
        String historyPath = paths.historyPath(zone);
        if (!leadership.isValid()) {
            throw stale(leadership, zone, "leadership no longer valid here: the history is not pruned", null);
        }
        requireConnected(zone, historyPath, "pruning the publish history");
        int size = historySize(zone);
        if (size <= Math.max(retention.highWater(), pruneAbove.getOrDefault(zone, 0))) {
            return new Pruned(0, size, Optional.empty(), retention.window(), false);
        }
        Optional<Stored> published = readPublished(zone);
        if (published.isPresent()
                && leadership.epoch() < published.get().record().epoch()) {
            throw stale(
                    leadership,
                    zone,
                    "the ledger holds serial " + published.get().record().serial() + " committed under the higher"
                            + " epoch " + published.get().record().epoch() + ": the history is not pruned",
                    null);
        }
        Optional<Listing> listing = listHistory(zone);
        if (listing.isEmpty()) {
            return new Pruned(0, 0, Optional.empty(), retention.window(), false);
        }
        List<String> names = new ArrayList<>();
        List<PublishRecord> records = new ArrayList<>();
        for (String child : listing.get().children()) {
            Optional<PublishRecord> r = historyRecord(zone, child);
            if (r.isPresent()) {
                names.add(child);
                records.add(r.get());
            }
        }
        HistoryRetention.Plan plan = retention.plan(records, clock.instant(), lookBack);
        if (plan.overCap()) {
            LOG.warn(
                    "zone={} event=history-over-cap records-kept={} max-records={} window={} reason=\"every record"
                            + " kept changes the DNSKEY RRset within the window; shorten the history window\"",
                    zone,
                    records.size() - plan.delete().size(),
                    retention.maxRecords(),
                    plan.window());
        }
        Set<Integer> deleted = new HashSet<>(plan.delete());
        Optional<PublishRecord> oldestKept = Optional.empty();
        String oldestKeptName = "";
        for (int i = 0; i < records.size(); i++) {
            if (!deleted.contains(i)) {
                oldestKept = Optional.of(records.get(i));
                oldestKeptName = names.get(i);
                break;
            }
        }
        String contiguousFrom =
                plan.contiguousFrom() < names.size() ? names.get(plan.contiguousFrom()) : names.get(names.size() - 1);
        long prunedBefore = listing.get().marker().map(PruneMarker::pruned).orElse(0L);
        int parentVersion = listing.get().stat().getVersion();
        int done = 0;
        int remaining = names.size();
        int limit = Math.min(plan.delete().size(), HistoryRetention.MAX_LISTABLE);
        while (done < limit) {
            List<Integer> batch = plan.delete().subList(done, Math.min(limit, done + retention.batchSize()));
            PruneMarker marker = new PruneMarker(contiguousFrom, prunedBefore + done + batch.size());
            List<Op> ops = new ArrayList<>(batch.size() + 3);
            ops.add(Op.check(leadership.epochPath(), (int) leadership.epoch()));
            ops.add(Op.check(leadership.latchNode(), -1));
            ops.add(Op.setData(historyPath, marker.toBytes(), parentVersion));
            for (int i : batch) {
                ops.add(Op.delete(ZKPaths.makePath(historyPath, names.get(i)), -1));
            }
            if (!leadership.isValid()) {
                throw stale(leadership, zone, "leadership lost while pruning the history", null);
            }
            try {
                // sent once, like a commit: never queued for a reconnection after this node's lease ran out
                requireConnected(zone, historyPath, "pruning the publish history");
                client.getZookeeperClient().getZooKeeper().multi(ops);
            } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
                refuseIfStale(leadership, zone, e);
                throw unavailable(e, zone, historyPath, "pruning the publish history (it changed meanwhile)");
            } catch (LedgerUnavailableException e) {
                throw e;
            } catch (Exception e) {
                throw unavailable(e, zone, historyPath, "pruning the publish history");
            }
            parentVersion++;
            done += batch.size();
            remaining -= batch.size();
            LOG.info(
                    "zone={} event=history-pruned records={} remaining={} oldest-kept={} oldest-kept-serial={}"
                            + " oldest-kept-at={} window={} epoch={} node={}",
                    zone,
                    batch.size(),
                    remaining,
                    oldestKeptName,
                    oldestKept.map(PublishRecord::serial).orElse(-1L),
                    oldestKept.map(PublishRecord::committedAt).orElse(null),
                    plan.window(),
                    leadership.epoch(),
                    leadership.node());
        }
        // hysteresis: a window that holds more than the high-water mark is listed again only a batch later
        pruneAbove.put(zone, done < plan.delete().size() ? 0 : remaining + retention.batchSize());
        return new Pruned(done, remaining, oldestKept, plan.window(), plan.overCap());
    }

    /**
     * How many records the zone's history holds (the history node's child count: one {@code exists}, no
     * listing), 0 when it has none.
     */
    public int historySize(ZoneName zone) throws LedgerException {
        String historyPath = paths.historyPath(zone);
        try {
            Stat stat = client.checkExists().forPath(historyPath);
            return stat == null ? 0 : stat.getNumChildren();
        } catch (Exception e) {
            throw unavailable(e, zone, historyPath, "reading the publish history's size");
        }
    }

    private void refuseIfStale(Leadership leadership, ZoneName zone, KeeperException cause) throws LedgerException {
        Stat epoch;
        Stat latchNode;
        try {
            epoch = client.checkExists().forPath(leadership.epochPath());
            latchNode = client.checkExists().forPath(leadership.latchNode());
        } catch (Exception e) {
            LedgerUnavailableException u = unavailable(e, zone, leadership.epochPath(), "checking a refused commit");
            u.addSuppressed(cause);
            throw u;
        }
        if (epoch == null || epoch.getVersion() != leadership.epoch()) {
            throw stale(
                    leadership,
                    zone,
                    "the cluster epoch is now " + (epoch == null ? "absent" : epoch.getVersion())
                            + ": another node was elected since (ZooKeeper " + cause.code() + ")",
                    cause);
        }
        if (latchNode == null) {
            throw stale(
                    leadership,
                    zone,
                    "its latch node " + leadership.latchNode() + " is gone: the session expired (ZooKeeper "
                            + cause.code() + ")",
                    cause);
        }
    }

    private void ensureHistoryParent(ZoneName zone) throws LedgerException {
        String historyPath = paths.historyPath(zone);
        try {
            if (client.checkExists().forPath(historyPath) == null) {
                client.create()
                        .creatingParentContainersIfNeeded()
                        .withMode(CreateMode.PERSISTENT)
                        .forPath(historyPath);
            }
        } catch (KeeperException.NodeExistsException e) {
            // created concurrently: fine
        } catch (Exception e) {
            throw unavailable(e, zone, historyPath, "creating the publish history");
        }
    }

    private Optional<Stored> readPublished(ZoneName zone) throws LedgerException {
        String path = paths.publishedPath(zone);
        Stat stat = new Stat();
        byte[] data;
        try {
            data = client.getData().storingStatIn(stat).forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (Exception e) {
            throw unavailable(e, zone, path, "reading the last publication");
        }
        return Optional.of(new Stored(parse(zone, path, data), stat.getVersion()));
    }

    private static PublishRecord parse(ZoneName zone, String path, byte[] data) throws LedgerCorruptException {
        PublishRecord record;
        try {
            record = PublishRecord.fromProto(PublishedZone.parseFrom(data == null ? new byte[0] : data));
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            throw new LedgerCorruptException(path, "not a PublishedZone record (" + e.getMessage() + ")", e);
        }
        if (!record.zone().equals(zone)) {
            throw new LedgerCorruptException(path, "it is a record of zone " + record.zone(), null);
        }
        return record;
    }

    private static StaleLeadershipException stale(Leadership l, ZoneName zone, String reason, Throwable cause) {
        LOG.warn("zone={} epoch={} node={} publish refused: {}", zone, l.epoch(), l.node(), reason);
        return new StaleLeadershipException(zone, l.epoch(), l.node(), reason, cause);
    }

    /** Curator declares {@code throws Exception}: RuntimeExceptions are bugs and propagate. */
    private static LedgerUnavailableException unavailable(Exception e, ZoneName zone, String path, String operation) {
        if (e instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new LedgerUnavailableException(zone, path, operation, e);
    }

    private record Stored(PublishRecord record, int version) {}

    private record Listing(List<String> children, Optional<PruneMarker> marker, Stat stat) {}

    private record Versioned<T>(int version, T value) {}
}
