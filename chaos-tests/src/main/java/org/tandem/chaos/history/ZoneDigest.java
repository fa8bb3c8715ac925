package org.tandem.chaos.history;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import org.xbill.DNS.Record;

/**
 * The content digest the publish ledger records for a version: SHA-256 over every record in
 * canonical wire form, in canonical order (RFC 4034 §6: owner name, type, then RDATA), the zone's
 * SOA once. Computed on what the authoritative server served, it names the same content as the
 * ledger's {@code sha256Hex} whatever order the transfer came in.
 */
public final class ZoneDigest {
    private static final Comparator<Record> CANONICAL = Comparator.comparing(Record::getName)
            .thenComparingInt(Record::getType)
            .thenComparing((a, b) -> Arrays.compareUnsigned(a.rdataToWireCanonical(), b.rdataToWireCanonical()));

    private ZoneDigest() {}

    /** The canonical digest of {@code records} (a transfer without its closing SOA), 64 hex digits. */
    public static String sha256Hex(List<Record> records) {
        List<Record> sorted = new ArrayList<>(records);
        sorted.sort(CANONICAL);
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
        for (Record r : sorted) {
            sha.update(r.toWireCanonical());
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
