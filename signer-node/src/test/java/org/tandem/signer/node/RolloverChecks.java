package org.tandem.signer.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.tandem.keysync.key.DnssecKey;
import org.tandem.keysync.key.Fingerprint;
import org.tandem.keysync.key.KeyRole;
import org.tandem.keysync.key.KeyState;
import org.tandem.keysync.manifest.ZoneKeySet;
import org.tandem.keysync.testing.TestTiming;
import org.tandem.signer.election.PublishRecord;
import org.tandem.signer.lifecycle.CacheCheck;
import org.tandem.signer.lifecycle.ManifestParent;
import org.xbill.DNS.CDNSKEYRecord;
import org.xbill.DNS.CDSRecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DNSSEC;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Record;

/**
 * What the rollover ITs ({@code RolloverAgentIT}, {@code RolloverFailoverIT}) check on a {@link NodeCluster}: the
 * cache check over the published versions, the operator's {@code ds-seen}, the CDS the manifest and a version
 * carry, the algorithms of a version, the manifest's keys by role and state.
 */
final class RolloverChecks {
    /** The parent's DS TTL and the propagation delay of the rollover ITs' policies. */
    static final Duration DS_TTL = Duration.ofSeconds(1);

    static final Duration PROPAGATION_DELAY = Duration.ofSeconds(1);

    private RolloverChecks() {}

    /**
     * RFC 7583 §3: at each published version, every DNSKEY RRset, RRSIG and DS RRset a resolver may still
     * hold from an earlier version (by the TTLs and the propagation delay of the policy) validates it. The
     * parent's DS names the first version's KSK throughout (for tests whose KSK does not roll).
     */
    static void noCachedCombinationFailsToValidate(NodeCluster cluster, List<PublishRecord> committed)
            throws Exception {
        List<CacheCheck.Version> versions = versions(cluster, committed);
        Set<String> ds = versions.get(0).dnskeys().stream()
                .filter(CacheCheck.Key::sep)
                .map(CacheCheck.Key::dsDigest)
                .collect(Collectors.toSet());
        assertThat(ds).as("the first version's KSK").hasSize(1);
        noCachedCombinationFailsToValidate(
                versions, List.of(new CacheCheck.DsSet(versions.get(0).at(), ds)));
    }

    /**
     * As {@link #noCachedCombinationFailsToValidate(NodeCluster, List)}, with the parent's DS RRsets as the
     * test's parent had them (oldest first; before the first, the delegation is insecure).
     */
    static void noCachedCombinationFailsToValidate(
            NodeCluster cluster, List<PublishRecord> committed, List<CacheCheck.DsSet> parent) throws Exception {
        noCachedCombinationFailsToValidate(versions(cluster, committed), parent);
    }

    private static void noCachedCombinationFailsToValidate(
            List<CacheCheck.Version> versions, List<CacheCheck.DsSet> parent) {
        List<CacheCheck.Violation> violations = CacheCheck.check(versions, parent, DS_TTL, PROPAGATION_DELAY);
        assertThat(violations).as("versions " + versions.size()).isEmpty();
    }

    /** A version committed but never written (a leader killed in between) was never served, and is left out. */
    private static List<CacheCheck.Version> versions(NodeCluster cluster, List<PublishRecord> committed)
            throws Exception {
        List<CacheCheck.Version> versions = new ArrayList<>();
        for (PublishRecord r : committed) {
            if (Files.exists(cluster.versionFile(r))) {
                versions.add(CacheCheck.Version.of(
                        r.serial(), r.committedAt(), NodeCluster.ZONE.name(), cluster.records(r)));
            }
        }
        return versions;
    }

    /** The ledger's versions of the zone from {@code first} to {@code last}, both included. */
    static List<PublishRecord> between(NodeCluster cluster, PublishRecord first, PublishRecord last) throws Exception {
        return cluster.ledger.history(NodeCluster.ZONE).stream()
                .filter(r -> r.serial() >= first.serial() && r.serial() <= last.serial())
                .toList();
    }

    /**
     * What {@code signerctl keys ds-seen} writes: the parent's DS RRset names exactly these keys now. Returns the
     * DS RRset as the cache check takes it.
     */
    static CacheCheck.DsSet dsSeen(NodeCluster cluster, DnssecKey... keys) throws Exception {
        ZoneKeySet m = cluster.tokens.keySync().manifest(NodeCluster.ZONE);
        Set<Fingerprint> ds = Arrays.stream(keys).map(DnssecKey::fingerprint).collect(Collectors.toSet());
        Instant now = Instant.now();
        cluster.tokens.keySync().update(m, ManifestParent.dsSeen(m, ds, now), "ds-seen (test)");
        return new CacheCheck.DsSet(
                now, Arrays.stream(keys).map(RolloverChecks::dsDigest).collect(Collectors.toSet()));
    }

    /** The key's SHA-256 DS digest, lower-case hex. */
    static String dsDigest(DnssecKey key) {
        DNSKEYRecord k = key.dnskey(0);
        return HexFormat.of().formatHex(new DSRecord(k.getName(), DClass.IN, 0, DNSSEC.Digest.SHA256, k).getDigest());
    }

    /** Waits until the manifest's CDS request names exactly {@code keys}. */
    static void awaitCds(NodeCluster cluster, Set<Fingerprint> keys) throws Exception {
        TestTiming.until(NodeCluster.WAIT, "the CDS asks for " + keys, () -> {
            try {
                return ManifestParent.of(cluster.tokens.keySync().manifest(NodeCluster.ZONE))
                        .cds()
                        .equals(keys);
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** Waits until the key's manifest state is {@code state}. */
    static void awaitState(NodeCluster cluster, DnssecKey key, KeyState state, Duration wait) throws Exception {
        TestTiming.until(wait, key.role() + " " + key.keyTag() + " is " + state, () -> {
            try {
                return cluster.state(key) == state;
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** Whether the version has a CDS for the key (and a CDNSKEY beside it). */
    static boolean hasCds(NodeCluster cluster, PublishRecord r, DnssecKey key) {
        boolean cds = false;
        boolean cdnskey = false;
        List<Record> records;
        try {
            records = cluster.records(r);
        } catch (Exception e) {
            return false; // not written yet
        }
        for (Record rec : records) {
            if (rec instanceof CDSRecord c && c.getFootprint() == key.keyTag().value()) {
                cds = true;
            }
            if (rec instanceof CDNSKEYRecord c
                    && c.getFootprint() == key.keyTag().value()) {
                cdnskey = true;
            }
        }
        return cds && cdnskey;
    }

    /** Whether the version has any CDS or CDNSKEY record. */
    static boolean hasAnyCds(NodeCluster cluster, PublishRecord r) throws Exception {
        return cluster.records(r).stream().anyMatch(rec -> rec instanceof CDSRecord || rec instanceof CDNSKEYRecord);
    }

    /** The algorithms of the apex DNSKEY records ({@code dnskeys}) or of every RRSIG. */
    static Set<Integer> algorithms(List<Record> records, boolean dnskeys) {
        return records.stream()
                .filter(r -> dnskeys ? r instanceof DNSKEYRecord : r instanceof RRSIGRecord)
                .map(r -> dnskeys ? ((DNSKEYRecord) r).getAlgorithm() : ((RRSIGRecord) r).getAlgorithm())
                .collect(Collectors.toSet());
    }

    /** The first key of the role in the state. */
    static Optional<ZoneKeySet.Entry> key(ZoneKeySet m, KeyRole role, KeyState state) {
        return m.entries().stream()
                .filter(e -> e.key().role() == role && e.state() == state)
                .findFirst();
    }

    /**
     * The node whose rollover agent published {@code key} (GENERATED -> PUBLISHED) had proven it on the HSMs
     * of both nodes before, by its own log. Whichever node that was: on a loaded machine the lead may move
     * in the middle of a rollover, and the node that leads then proves the key itself before it publishes.
     * A failure quotes every node's lines about the key and its leadership.
     */
    static void provenOnBothBeforePublished(DnssecKey key, NodeProcess... nodes) throws Exception {
        String fp = key.fingerprint().shortHex();
        String publishedLine =
                "event=rollover-step " + key.role() + " " + key.keyTag() + " fp " + fp + ": GENERATED -> PUBLISHED";
        String provenLine = "key=" + fp + " .*event=key-proven-everywhere proven-on=\"(node-a \\(node-a\\), node-b"
                + " \\(node-b\\)|node-b \\(node-b\\), node-a \\(node-a\\))\"";
        StringBuilder seen = new StringBuilder();
        for (NodeProcess n : nodes) {
            String log = n.log();
            int published = log.indexOf(publishedLine);
            if (published >= 0) {
                assertThat(indexOf(log.substring(0, published), provenLine))
                        .as("%s published %s; proven on both HSMs before, by its log", n.name(), fp)
                        .isNotNegative();
                return;
            }
            log.lines()
                    .filter(l -> l.contains(fp) || l.contains("event=leader") || l.contains("event=leadership-lost"))
                    .forEach(l -> seen.append(n.name()).append(": ").append(l).append('\n'));
        }
        throw new AssertionError("no node's log has \"" + publishedLine + "\"; their lines about it:\n" + seen);
    }

    /** Where {@code regex} first matches in {@code text}; -1 when it does not. */
    static int indexOf(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? m.start() : -1;
    }
}
