package org.tandem.signer.zone;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How much one zone source may make the loader read and keep ({@code zone-limits:} in {@code
 * node.yaml}): whoever can write a zone source must not be able to exhaust the node's memory or
 * tie up its worker. A source over any of these is rejected with a {@link ZoneLoadException} that
 * names the zone, file, line, the cap and the setting that raises it; the last good signed zone
 * stays published.
 *
 * @param maxFileBytes the largest file the loader reads, the source and every {@code $INCLUDE}d
 *     file alike ({@code zone-limits.max-file-size})
 * @param maxIncludedBytes the most bytes all {@code $INCLUDE}d files of one source may hold
 *     together ({@code zone-limits.max-include-size})
 * @param maxRecords the most records one zone may hold, {@code $GENERATE}d and included ones
 *     counted ({@code zone-limits.max-records})
 * @param maxGenerateRecords the most records one {@code $GENERATE} line may make ({@code
 *     zone-limits.max-generate-records})
 */
public record ZoneLimits(long maxFileBytes, long maxIncludedBytes, long maxRecords, long maxGenerateRecords) {
    /** 1 GiB: a zone of several million delegations fits. */
    public static final long DEFAULT_MAX_FILE_BYTES = 1L << 30;
    /** 1 GiB for all included files of one source together. */
    public static final long DEFAULT_MAX_INCLUDED_BYTES = 1L << 30;
    /** 20 million records. */
    public static final long DEFAULT_MAX_RECORDS = 20_000_000L;
    /** 65,536 records per {@code $GENERATE} (a /16 of PTRs). */
    public static final long DEFAULT_MAX_GENERATE_RECORDS = 65_536L;

    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(k|m|g)?");

    public ZoneLimits {
        positive(maxFileBytes, "maxFileBytes");
        positive(maxIncludedBytes, "maxIncludedBytes");
        positive(maxRecords, "maxRecords");
        positive(maxGenerateRecords, "maxGenerateRecords");
    }

    /** The defaults above. */
    public static ZoneLimits defaults() {
        return new ZoneLimits(
                DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_INCLUDED_BYTES, DEFAULT_MAX_RECORDS, DEFAULT_MAX_GENERATE_RECORDS);
    }

    /**
     * A size in bytes as written in {@code node.yaml} and on the command line: {@code 1048576}, {@code 64k},
     * {@code 512m}, {@code 2g} (binary units, case ignored).
     *
     * @throws IllegalArgumentException naming the text, when it is not such a size or is below one byte
     */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size like 1048576, 64k, 512m or 2g");
        }
        long v = Long.parseLong(m.group(1));
        int shift = m.group(2) == null
                ? 0
                : switch (m.group(2)) {
                    case "k" -> 10;
                    case "m" -> 20;
                    default -> 30;
                };
        if (v < 1 || v > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + text + "' must be at least 1 byte");
        }
        return v << shift;
    }

    /** A copy with {@code maxFileBytes} and {@code maxRecords} replaced (a large zone signed offline). */
    public ZoneLimits withMaxFileBytesAndRecords(long maxFileBytes, long maxRecords) {
        return new ZoneLimits(maxFileBytes, maxIncludedBytes, maxRecords, maxGenerateRecords);
    }

    private static void positive(long v, String what) {
        if (v < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, got " + v);
        }
    }
}
