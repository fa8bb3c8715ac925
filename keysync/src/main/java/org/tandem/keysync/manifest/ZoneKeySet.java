package org.tandem.keysync.manifest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyProtos;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.key.ZoneName;
import org.tandem.proto.keysync.v1.KeyManifest;
import org.tandem.proto.keysync.v1.ManifestKey;

/**
 * One zone's desired key set as the domain sees it: the manifest read from ZooKeeper, checked.
 * Invariants (checked on every construction): no fingerprint twice; no two keys with the same
 * algorithm and key tag (INV-K4, RFC 4035 §5.3.1); every key belongs to the zone.
 *
 * @param version the manifest's ZooKeeper version, -1 when the zone has no manifest yet
 */
public record ZoneKeySet(ZoneName zone, int version, List<Entry> entries) {
    /**
     * One desired key.
     *
     * @param since when the key entered each state after GENERATED (PUBLISHED, PRE_ACTIVE, ACTIVE, RETIRED,
     *     POST_ACTIVE, REMOVED, DELETED); a
     *     state missing from the map was not reached, or was reached before manifests recorded the times
     */
    public record Entry(
            DnssecKey key,
            KeyState state,
            Instant created,
            String generatedOn,
            Map<KeyState, Instant> since,
            Optional<Instant> dsSince,
            Optional<Instant> cdsSince) {
        public Entry {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(created, "created");
            Objects.requireNonNull(generatedOn, "generatedOn");
            since = since.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(since));
            if (since.containsKey(KeyState.GENERATED)) {
                throw new IllegalArgumentException("the time of GENERATED is 'created'");
            }
            Objects.requireNonNull(dsSince, "dsSince");
            Objects.requireNonNull(cdsSince, "cdsSince");
        }

        /**
         * An entry the parent's DS and the zone's CDS do not name.
         *
         * @param since see the record
         */
        public Entry(DnssecKey key, KeyState state, Instant created, String generatedOn, Map<KeyState, Instant> since) {
            this(key, state, created, generatedOn, since, Optional.empty(), Optional.empty());
        }

        /**
         * The same entry with the parent's marks: {@code ds} since when the parent's DS RRset names the key,
         * {@code cds} since when the zone's CDS/CDNSKEY ask for it (empty: they do not).
         */
        public Entry withParent(Optional<Instant> ds, Optional<Instant> cds) {
            return new Entry(key, state, created, generatedOn, since, ds, cds);
        }

        /** An entry without state times (as every entry was before manifests recorded them). */
        public Entry(DnssecKey key, KeyState state, Instant created, String generatedOn) {
            this(key, state, created, generatedOn, Map.of());
        }

        /** When the key entered {@code s}: {@code created} for GENERATED, else the recorded time if any. */
        public Optional<Instant> entered(KeyState s) {
            return s == KeyState.GENERATED ? Optional.of(created) : Optional.ofNullable(since.get(s));
        }

        Entry in(KeyState to, Optional<Instant> at) {
            Map<KeyState, Instant> times = new EnumMap<>(KeyState.class);
            times.putAll(since);
            at.filter(t -> to != KeyState.GENERATED).ifPresent(t -> times.put(to, t));
            return new Entry(key, to, created, generatedOn, times, dsSince, cdsSince);
        }
    }

    public ZoneKeySet {
        Objects.requireNonNull(zone, "zone");
        entries = List.copyOf(entries);
        for (Entry e : entries) {
            if (!e.key().zone().equals(zone)) {
                throw new IllegalArgumentException(e.key().describe() + " listed in the manifest of " + zone);
            }
        }
        for (int i = 0; i < entries.size(); i++) {
            DnssecKey a = entries.get(i).key();
            for (int j = i + 1; j < entries.size(); j++) {
                DnssecKey b = entries.get(j).key();
                if (a.fingerprint().equals(b.fingerprint())) {
                    throw new IllegalArgumentException("manifest of " + zone + " lists " + a.describe() + " twice");
                }
                if (collide(a, b)) {
                    throw new KeyTagCollision(a, b);
                }
            }
        }
    }

    /** Two different keys with one algorithm and key tag: RFC 4035 §5.3.1 validators may try both. */
    public static boolean collide(DnssecKey a, DnssecKey b) {
        return a.algorithm() == b.algorithm()
                && a.keyTag().equals(b.keyTag())
                && !a.fingerprint().equals(b.fingerprint());
    }

    /** Refused: a key set in which two keys share algorithm and key tag (INV-K4). */
    public static final class KeyTagCollision extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        KeyTagCollision(DnssecKey a, DnssecKey b) {
            super("key tag collision in " + a.zone() + ": " + a.describe() + " and " + b.describe()
                    + " share algorithm and key tag; identity is the fingerprint, but validators cannot tell "
                    + "them apart");
        }
    }

    public static ZoneKeySet empty(ZoneName zone) {
        return new ZoneKeySet(zone, -1, List.of());
    }

    public static ZoneKeySet fromProto(KeyManifest m, int version) {
        ZoneName zone = ZoneName.of(m.getZone());
        List<Entry> entries = new ArrayList<>();
        for (ManifestKey k : m.getKeysList()) {
            Map<KeyState, Instant> since = new EnumMap<>(KeyState.class);
            putTime(since, KeyState.PUBLISHED, k.getPublishedEpochSeconds());
            putTime(since, KeyState.ACTIVE, k.getActiveEpochSeconds());
            putTime(since, KeyState.RETIRED, k.getRetiredEpochSeconds());
            putTime(since, KeyState.REMOVED, k.getRemovedEpochSeconds());
            putTime(since, KeyState.PRE_ACTIVE, k.getPreActiveEpochSeconds());
            putTime(since, KeyState.POST_ACTIVE, k.getPostActiveEpochSeconds());
            putTime(since, KeyState.DELETED, k.getDeletedEpochSeconds());
            entries.add(new Entry(
                    KeyProtos.fromProto(k.getKey()),
                    KeyProtos.fromProto(k.getState()),
                    Instant.ofEpochSecond(k.getCreatedEpochSeconds()),
                    k.getGeneratedOn(),
                    since,
                    time(k.getDsEpochSeconds()),
                    time(k.getCdsEpochSeconds())));
        }
        return new ZoneKeySet(zone, version, entries);
    }

    public KeyManifest toProto(Instant now, String updatedBy) {
        KeyManifest.Builder b = KeyManifest.newBuilder()
                .setZone(zone.toString())
                .setUpdatedEpochMillis(now.toEpochMilli())
                .setUpdatedBy(updatedBy);
        for (Entry e : entries) {
            b.addKeys(ManifestKey.newBuilder()
                    .setKey(KeyProtos.toProto(e.key()))
                    .setState(KeyProtos.toProto(e.state()))
                    .setCreatedEpochSeconds(e.created().getEpochSecond())
                    .setGeneratedOn(e.generatedOn())
                    .setPublishedEpochSeconds(seconds(e, KeyState.PUBLISHED))
                    .setActiveEpochSeconds(seconds(e, KeyState.ACTIVE))
                    .setRetiredEpochSeconds(seconds(e, KeyState.RETIRED))
                    .setRemovedEpochSeconds(seconds(e, KeyState.REMOVED))
                    .setPreActiveEpochSeconds(seconds(e, KeyState.PRE_ACTIVE))
                    .setPostActiveEpochSeconds(seconds(e, KeyState.POST_ACTIVE))
                    .setDeletedEpochSeconds(seconds(e, KeyState.DELETED))
                    .setDsEpochSeconds(e.dsSince().map(Instant::getEpochSecond).orElse(0L))
                    .setCdsEpochSeconds(
                            e.cdsSince().map(Instant::getEpochSecond).orElse(0L)));
        }
        return b.build();
    }

    private static void putTime(Map<KeyState, Instant> since, KeyState state, long epochSeconds) {
        if (epochSeconds > 0) {
            since.put(state, Instant.ofEpochSecond(epochSeconds));
        }
    }

    private static Optional<Instant> time(long epochSeconds) {
        return epochSeconds > 0 ? Optional.of(Instant.ofEpochSecond(epochSeconds)) : Optional.empty();
    }

    /**
     * A copy with every entry's parent marks replaced: the keys of {@code ds} are named by the parent's DS
     * RRset since {@code dsSince}, the keys of {@code cds} by the zone's CDS/CDNSKEY since {@code cdsSince};
     * every other key by neither. The version stays (write it with a compare-and-set on it).
     */
    public ZoneKeySet withParent(Set<Fingerprint> ds, Instant dsSince, Set<Fingerprint> cds, Instant cdsSince) {
        Objects.requireNonNull(dsSince, "dsSince");
        Objects.requireNonNull(cdsSince, "cdsSince");
        List<Entry> all = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            Fingerprint fp = e.key().fingerprint();
            all.add(e.withParent(
                    ds.contains(fp) ? Optional.of(dsSince) : Optional.empty(),
                    cds.contains(fp) ? Optional.of(cdsSince) : Optional.empty()));
        }
        return new ZoneKeySet(zone, version, all);
    }

    private static long seconds(Entry e, KeyState state) {
        Instant t = e.since().get(state);
        return t == null ? 0 : t.getEpochSecond();
    }

    /** A copy with the entry added; throws {@link KeyTagCollision} on a tag collision. */
    public ZoneKeySet with(Entry entry) {
        List<Entry> all = new ArrayList<>(entries);
        all.add(entry);
        return new ZoneKeySet(zone, version, all);
    }

    /**
     * The keys a signer cluster publishes in the DNSKEY RRset: PUBLISHED, ACTIVE and RETIRED. A
     * GENERATED key is not among them until every node holds it, proven (then the leader promotes it
     * to PUBLISHED); a REMOVED key has left; a PRE_ACTIVE or POST_ACTIVE key signs without its DNSKEY
     * (see {@link #used()}).
     */
    public List<Entry> publishable() {
        return entries.stream().filter(e -> e.state().inDnskeySet()).toList();
    }

    /**
     * The keys a signer cluster uses in the zone: the {@link #publishable()} ones and those that sign
     * without their DNSKEY in the zone (PRE_ACTIVE, POST_ACTIVE: an algorithm rollover, RFC 6781 §4.1.4).
     */
    public List<Entry> used() {
        return entries.stream()
                .filter(e -> e.state().inDnskeySet() || e.state().signs())
                .toList();
    }

    /** The keys generated but not yet replicated and proven on every node: state GENERATED. */
    public List<Entry> pendingReplication() {
        return entries.stream().filter(e -> e.state() == KeyState.GENERATED).toList();
    }

    /**
     * A copy in which the key {@code fp} is in state {@code to}; the version stays (write it with a
     * compare-and-set on it).
     *
     * @throws IllegalStateException when the key is not in the set or not in state {@code from}
     */
    public ZoneKeySet withState(Fingerprint fp, KeyState from, KeyState to) {
        return withState(fp, from, to, Optional.empty());
    }

    /**
     * As {@link #withState(Fingerprint, KeyState, KeyState)}, recording {@code at} as the time the key entered
     * {@code to} (the rollover planner dates its steps by these times).
     */
    public ZoneKeySet withState(Fingerprint fp, KeyState from, KeyState to, Instant at) {
        return withState(fp, from, to, Optional.of(at));
    }

    private ZoneKeySet withState(Fingerprint fp, KeyState from, KeyState to, Optional<Instant> at) {
        Objects.requireNonNull(fp, "fp");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Entry e = find(fp).orElseThrow(() -> new IllegalStateException("zone " + zone + ": no key with fingerprint "
                + fp.hex() + " in the manifest (version " + version + ")"));
        if (e.state() != from) {
            throw new IllegalStateException("zone " + zone + ": " + e.key().describe() + " is " + e.state()
                    + " in the manifest (version " + version + "), not " + from);
        }
        List<Entry> all = new ArrayList<>(entries.size());
        for (Entry x : entries) {
            all.add(x == e ? x.in(to, at) : x);
        }
        return new ZoneKeySet(zone, version, all);
    }

    /** The keys resolvers should know: every key neither REMOVED nor DELETED. */
    public List<Entry> live() {
        return entries.stream().filter(e -> !e.state().gone()).toList();
    }

    /** The keys every node destroys on its HSMs: state DELETED. */
    public List<Entry> deleted() {
        return entries.stream().filter(e -> e.state() == KeyState.DELETED).toList();
    }

    public Optional<Entry> find(Fingerprint fp) {
        return entries.stream().filter(e -> e.key().fingerprint().equals(fp)).findFirst();
    }

    public boolean exists() {
        return version >= 0;
    }
}
