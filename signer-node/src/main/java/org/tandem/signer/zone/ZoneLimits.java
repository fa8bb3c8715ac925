package org.tandem.signer.zone;

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

    private static void positive(long v, String what) {
        if (v < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, got " + v);
        }
    }
}
