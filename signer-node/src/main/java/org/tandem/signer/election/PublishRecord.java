package org.tandem.signer.election;

import com.google.protobuf.ByteString;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.tandem.keysync.key.ZoneName;
import org.tandem.proto.signer.v1.PublishedZone;

/**
 * One committed publication of a zone, as the {@link PublishLedger} keeps it.
 *
 * @param zone the zone
 * @param serial the SOA serial, 0 .. 2^32-1
 * @param sha256Hex SHA-256 of the zone content, 64 lower-case hex digits
 * @param epoch the leadership epoch it was committed under (≥ 1)
 * @param node the committing node (election participant id)
 * @param committedAt when the leader committed it (the leader's clock, millisecond precision)
 * @param dnskeyFingerprints the fingerprints (SHA-256 DS digest, 64 lower-case hex digits) of every key
 *     in the published DNSKEY RRset, sorted and distinct; empty in records written before the field
 * @param dnskeyTtlSeconds the TTL of the published DNSKEY RRset, seconds; 0 when unknown
 */
public record PublishRecord(
        ZoneName zone,
        long serial,
        String sha256Hex,
        long epoch,
        String node,
        Instant committedAt,
        List<String> dnskeyFingerprints,
        long dnskeyTtlSeconds) {
    public PublishRecord {
        Objects.requireNonNull(zone, "zone");
        Serials.check(serial);
        Objects.requireNonNull(sha256Hex, "sha256Hex");
        sha256Hex = sha256Hex.toLowerCase(Locale.ROOT);
        if (!sha256Hex.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("sha256 must be 64 hex digits, got '" + sha256Hex + "'");
        }
        if (epoch < 1) {
            throw new IllegalArgumentException("epoch must be at least 1, got " + epoch);
        }
        Objects.requireNonNull(node, "node");
        if (node.isBlank()) {
            throw new IllegalArgumentException("node is blank");
        }
        Objects.requireNonNull(committedAt, "committedAt");
        dnskeyFingerprints = dnskeyFingerprints.stream()
                .map(f -> f.toLowerCase(Locale.ROOT))
                .distinct()
                .sorted()
                .toList();
        for (String f : dnskeyFingerprints) {
            if (!f.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("DNSKEY fingerprint must be 64 hex digits, got '" + f + "'");
            }
        }
        if (dnskeyTtlSeconds < 0) {
            throw new IllegalArgumentException("DNSKEY TTL must not be negative, got " + dnskeyTtlSeconds);
        }
    }

    /** A record without the published DNSKEY set (as written before the ledger recorded it). */
    public PublishRecord(ZoneName zone, long serial, String sha256Hex, long epoch, String node, Instant committedAt) {
        this(zone, serial, sha256Hex, epoch, node, committedAt, List.of(), 0);
    }

    /** Same serial and same content: the record stands for these bytes. */
    public boolean sameContent(long otherSerial, String otherSha256Hex) {
        return serial == otherSerial && sha256Hex.equalsIgnoreCase(otherSha256Hex);
    }

    PublishedZone toProto() {
        return PublishedZone.newBuilder()
                .setZone(zone.toString())
                .setSerial((int) serial)
                .setSha256(ByteString.copyFrom(HexFormat.of().parseHex(sha256Hex)))
                .setEpoch(epoch)
                .setNode(node)
                .setCommittedAtMillis(committedAt.toEpochMilli())
                .addAllDnskeyFingerprints(dnskeyFingerprints)
                .setDnskeyTtlSeconds(dnskeyTtlSeconds)
                .build();
    }

    /** @throws IllegalArgumentException if the message breaks a rule of this record */
    static PublishRecord fromProto(PublishedZone p) {
        return new PublishRecord(
                ZoneName.of(p.getZone()),
                Integer.toUnsignedLong(p.getSerial()),
                HexFormat.of().formatHex(p.getSha256().toByteArray()),
                p.getEpoch(),
                p.getNode(),
                Instant.ofEpochMilli(p.getCommittedAtMillis()),
                p.getDnskeyFingerprintsList(),
                p.getDnskeyTtlSeconds());
    }

    @Override
    public String toString() {
        return "zone=" + zone + " serial=" + serial + " sha256=" + sha256Hex.substring(0, 16) + " epoch=" + epoch
                + " node=" + node + " at=" + committedAt + " dnskeys=" + dnskeyFingerprints.size() + " dnskey-ttl="
                + dnskeyTtlSeconds;
    }
}
