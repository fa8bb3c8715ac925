package org.tandem.signer.lifecycle;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * What resolvers' caches can hold while a zone rolls its keys, and whether every combination
 * validates. Pure: versions and the parent's DS history in, violations out.
 *
 * <p>A version's DNSKEY RRset (and each of its other RRsets with its RRSIGs) can be in a cache at
 * {@code t} when the version was published at or before {@code t} and either is the newest one
 * published by then, or {@code t} is before the next version was published plus the propagation
 * delay (secondaries may still serve it) plus the RRset's TTL. A DS set likewise, from when the
 * parent installed it until the next one was installed plus the DS TTL.
 *
 * <p>At every version's time the check takes every pair a resolver can hold (RFC 7583 §3: the DNSKEY
 * RRset cached at one version, an RRset and its RRSIGs cached at another, and the DS): each RRset must
 * carry an RRSIG by a key of the cached DNSKEY RRset (new signatures with an old DNSKEY RRset: the
 * pre-publication; old signatures with a new DNSKEY RRset: the retire interval), and a non-empty DS
 * set must name a KSK of the cached DNSKEY RRset that signs that RRset (the double-DS steps). An empty
 * DS set is an insecure delegation and is not checked.
 */
public final class CacheCheck {
    private CacheCheck() {}

    /** An RRSIG's signer: algorithm and key tag. */
    public record Signer(int algorithm, int tag) {}

    /**
     * One DNSKEY of a version.
     *
     * @param sep whether the SEP flag is set (KSK or CSK)
     * @param dsDigest the SHA-256 DS digest of the key, lower-case hex
     */
    public record Key(int algorithm, int tag, boolean sep, String dsDigest) {
        public Key {
            Objects.requireNonNull(dsDigest, "dsDigest");
        }

        Signer signer() {
            return new Signer(algorithm, tag);
        }

        String role() {
            return sep ? "KSK" : "ZSK";
        }
    }

    /** One RRset's TTL and the signers of its RRSIGs. */
    public record Rrset(long ttl, Set<Signer> signers) {
        public Rrset {
            signers = Set.copyOf(signers);
        }
    }

    /**
     * One published version.
     *
     * @param dnskeys its DNSKEY RRset
     * @param dnskeyTtl the DNSKEY RRset's TTL in seconds
     * @param dnskeySigners the signers of the DNSKEY RRset's RRSIGs
     * @param rrsets every other signed RRset by {@code owner/TYPE}
     */
    public record Version(
            long serial,
            Instant at,
            Set<Key> dnskeys,
            long dnskeyTtl,
            Set<Signer> dnskeySigners,
            Map<String, Rrset> rrsets) {
        public Version {
            Objects.requireNonNull(at, "at");
            dnskeys = Set.copyOf(dnskeys);
            dnskeySigners = Set.copyOf(dnskeySigners);
            rrsets = Map.copyOf(rrsets);
        }

        /** The version's facts from its records (a signed zone as published). */
        public static Version of(long serial, Instant at, Name apex, List<Record> records) {
            Set<Key> keys = new HashSet<>();
            long dnskeyTtl = 0;
            Set<Signer> dnskeySigners = new HashSet<>();
            Map<String, Long> ttls = new LinkedHashMap<>();
            Map<String, Set<Signer>> signers = new LinkedHashMap<>();
            for (Record r : records) {
                if (r instanceof DNSKEYRecord k && r.getName().equals(apex)) {
                    DSRecord ds = new DSRecord(apex, DClass.IN, 0, DNSSEC.Digest.SHA256, k);
                    keys.add(new Key(
                            k.getAlgorithm(),
                            k.getFootprint(),
                            (k.getFlags() & DNSKEYRecord.Flags.SEP_KEY) != 0,
                            HexFormat.of().formatHex(ds.getDigest())));
                    dnskeyTtl = r.getTTL();
                } else if (r instanceof RRSIGRecord sig) {
                    Signer s = new Signer(sig.getAlgorithm(), sig.getFootprint());
                    if (sig.getTypeCovered() == Type.DNSKEY) {
                        dnskeySigners.add(s);
                    } else {
                        signers.computeIfAbsent(key(r.getName(), sig.getTypeCovered()), x -> new TreeSetOfSigners())
                                .add(s);
                    }
                } else if (r.getType() != Type.DNSKEY) {
                    ttls.merge(key(r.getName(), r.getType()), r.getTTL(), Math::max);
                }
            }
            Map<String, Rrset> rrsets = new LinkedHashMap<>();
            signers.forEach((k, s) -> rrsets.put(k, new Rrset(ttls.getOrDefault(k, 0L), s)));
            return new Version(serial, at, keys, dnskeyTtl, dnskeySigners, rrsets);
        }

        private static String key(Name owner, int type) {
            return owner + "/" + Type.string(type);
        }

        Set<Signer> keySigners() {
            return dnskeys.stream().map(Key::signer).collect(Collectors.toSet());
        }
    }

    /** A set that keeps signers in a stable order for messages. */
    private static final class TreeSetOfSigners extends TreeSet<Signer> {
        private static final long serialVersionUID = 1L;

        TreeSetOfSigners() {
            super((a, b) -> a.algorithm() != b.algorithm()
                    ? Integer.compare(a.algorithm(), b.algorithm())
                    : Integer.compare(a.tag(), b.tag()));
        }
    }

    /**
     * The parent's DS RRset from {@code since} on (until the next one).
     *
     * @param digests SHA-256 DS digests, lower-case hex; empty: no DS (insecure)
     */
    public record DsSet(Instant since, Set<String> digests) {
        public DsSet {
            Objects.requireNonNull(since, "since");
            digests = Set.copyOf(digests);
        }
    }

    /**
     * One combination a resolver can hold that does not validate.
     *
     * @param time the time of the version checked
     * @param serial the version checked
     * @param role the role of the key concerned ({@code ZSK}, {@code KSK})
     * @param tag its key tag
     */
    public record Violation(Instant time, long serial, String role, int tag, String message) {
        @Override
        public String toString() {
            return time + " serial " + serial + " " + role + " " + tag + ": " + message;
        }
    }

    /**
     * Every violation, at the time of each version.
     *
     * @param versions the published versions, oldest first
     * @param parent the parent's DS RRsets, oldest first
     * @param dsTtl the TTL of the parent's DS RRset
     * @param propagationDelay how long secondaries may serve a version after the next was published
     */
    public static List<Violation> check(
            List<Version> versions, List<DsSet> parent, Duration dsTtl, Duration propagationDelay) {
        Objects.requireNonNull(dsTtl, "dsTtl");
        Objects.requireNonNull(propagationDelay, "propagationDelay");
        Map<String, Key> byDigest = new LinkedHashMap<>();
        versions.forEach(v -> v.dnskeys().forEach(k -> byDigest.putIfAbsent(k.dsDigest(), k)));
        List<Violation> out = new ArrayList<>();
        for (int now = 0; now < versions.size(); now++) {
            Version current = versions.get(now);
            Instant t = current.at();
            List<Version> keySets = new ArrayList<>();
            for (int i = 0; i <= now; i++) {
                if (cached(
                        versions, i, now, t, Duration.ofSeconds(versions.get(i).dnskeyTtl()), propagationDelay)) {
                    keySets.add(versions.get(i));
                }
            }
            for (Version keys : keySets) {
                Set<Signer> known = keys.keySigners();
                for (int j = 0; j <= now; j++) {
                    Version data = versions.get(j);
                    for (Map.Entry<String, Rrset> r : new TreeMap<>(data.rrsets()).entrySet()) {
                        if (!cached(
                                versions,
                                j,
                                now,
                                t,
                                Duration.ofSeconds(r.getValue().ttl()),
                                propagationDelay)) {
                            continue;
                        }
                        if (r.getValue().signers().stream().noneMatch(known::contains)) {
                            Signer s =
                                    r.getValue().signers().stream().findFirst().orElse(new Signer(0, 0));
                            out.add(new Violation(
                                    t,
                                    current.serial(),
                                    role(versions, s),
                                    s.tag(),
                                    r.getKey() + " of serial " + data.serial() + " signed by "
                                            + tags(r.getValue().signers())
                                            + ", none in the cached DNSKEY RRset of serial " + keys.serial() + " "
                                            + tags(known)));
                        }
                    }
                }
                for (DsSet ds : cachedDs(parent, t, dsTtl)) {
                    boolean ok = keys.dnskeys().stream()
                            .anyMatch(k -> k.sep()
                                    && ds.digests().contains(k.dsDigest())
                                    && keys.dnskeySigners().contains(k.signer()));
                    if (!ok) {
                        Key named = ds.digests().stream()
                                .map(byDigest::get)
                                .filter(Objects::nonNull)
                                .findFirst()
                                .orElse(new Key(0, 0, true, ""));
                        out.add(new Violation(
                                t,
                                current.serial(),
                                "KSK",
                                named.tag(),
                                "the DS RRset at the parent since " + ds.since() + " (key tags "
                                        + ds.digests().stream()
                                                .map(d -> byDigest.containsKey(d)
                                                        ? Integer.toString(
                                                                byDigest.get(d).tag())
                                                        : d)
                                                .sorted()
                                                .collect(Collectors.joining(", "))
                                        + ") names no KSK signing the cached DNSKEY RRset of serial " + keys.serial()
                                        + " " + tags(keys.dnskeySigners())));
                    }
                }
            }
        }
        return out;
    }

    private static boolean cached(List<Version> versions, int i, int now, Instant t, Duration ttl, Duration dprp) {
        if (i == now) {
            return true;
        }
        Instant replaced = versions.get(i + 1).at();
        return t.isBefore(replaced.plus(dprp).plus(ttl));
    }

    private static List<DsSet> cachedDs(List<DsSet> parent, Instant t, Duration dsTtl) {
        List<DsSet> out = new ArrayList<>();
        for (int i = 0; i < parent.size(); i++) {
            DsSet d = parent.get(i);
            if (d.since().isAfter(t) || d.digests().isEmpty()) {
                continue;
            }
            boolean newest = i + 1 == parent.size() || parent.get(i + 1).since().isAfter(t);
            if (newest || t.isBefore(parent.get(i + 1).since().plus(dsTtl))) {
                out.add(d);
            }
        }
        return out;
    }

    private static String role(List<Version> versions, Signer s) {
        return versions.stream()
                .flatMap(v -> v.dnskeys().stream())
                .filter(k -> k.signer().equals(s))
                .map(Key::role)
                .findFirst()
                .orElse("key");
    }

    private static String tags(Set<Signer> signers) {
        return signers.stream()
                .map(s -> s.tag() + "/" + s.algorithm())
                .sorted()
                .collect(Collectors.joining(", ", "{", "}"));
    }
}
