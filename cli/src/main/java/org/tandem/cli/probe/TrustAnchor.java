package org.tandem.cli.probe;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.DSRecord;
import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

/**
 * The zone's trust anchor: DS or DNSKEY records in zone-file format, as in Unbound's
 * {@code trust-anchor-file}. Only records owned by the zone apex count.
 */
final class TrustAnchor {
    private final Name zone;
    private final List<Record> records;

    private TrustAnchor(Name zone, List<Record> records) {
        this.zone = Objects.requireNonNull(zone, "zone");
        this.records = List.copyOf(records);
    }

    /**
     * Reads {@code file}.
     *
     * @throws ProbeUnknownException the file cannot be read or parsed, or holds no DS or DNSKEY for the zone
     */
    static TrustAnchor read(Path file, Name zone) throws ProbeUnknownException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ProbeUnknownException("cannot read trust anchor file " + file + ": " + e, e);
        }
        return parse(text, zone, file.toString());
    }

    static TrustAnchor parse(String text, Name zone, String source) throws ProbeUnknownException {
        List<Record> found = new ArrayList<>();
        try (Master m = new Master(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), zone)) {
            Record r;
            while ((r = m.nextRecord()) != null) {
                if ((r instanceof DSRecord || r instanceof DNSKEYRecord)
                        && r.getName().equals(zone)) {
                    found.add(r);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new ProbeUnknownException("cannot parse trust anchor file " + source + ": " + e.getMessage(), e);
        }
        if (found.isEmpty()) {
            throw new ProbeUnknownException(
                    "trust anchor file " + source + " holds no DS or DNSKEY record for " + zone);
        }
        return new TrustAnchor(zone, found);
    }

    Name zone() {
        return zone;
    }

    /** The key tags the anchor names. */
    List<Integer> keyTags() {
        return records.stream()
                .map(r -> r instanceof DSRecord ds ? ds.getFootprint() : ((DNSKEYRecord) r).getFootprint())
                .distinct()
                .toList();
    }

    /** Whether {@code key} is a key the anchor names (DS digest or DNSKEY equal). */
    boolean matches(DNSKEYRecord key) {
        for (Record r : records) {
            if (r instanceof DNSKEYRecord k
                    && k.getAlgorithm() == key.getAlgorithm()
                    && Arrays.equals(k.getKey(), key.getKey())
                    && k.getFlags() == key.getFlags()) {
                return true;
            }
            if (r instanceof DSRecord ds
                    && ds.getFootprint() == key.getFootprint()
                    && ds.getAlgorithm() == key.getAlgorithm()
                    && digestMatches(ds, key)) {
                return true;
            }
        }
        return false;
    }

    private static boolean digestMatches(DSRecord ds, DNSKEYRecord key) {
        try {
            DSRecord computed = new DSRecord(key.getName(), key.getDClass(), 0, ds.getDigestID(), key);
            return Arrays.equals(computed.getDigest(), ds.getDigest());
        } catch (IllegalArgumentException e) {
            // an unsupported digest type cannot match
            return false;
        }
    }

    /** The anchor in zone-file format, for {@code ValidatingResolver.loadTrustAnchors}. */
    String zoneFileText() {
        StringBuilder b = new StringBuilder();
        records.forEach(r -> b.append(r).append('\n'));
        return b.toString();
    }
}
