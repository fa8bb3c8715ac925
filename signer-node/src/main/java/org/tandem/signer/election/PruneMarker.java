package org.tandem.signer.election;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * What the leader's pruning leaves in the data of a zone's history node ({@code
 * <root>/zones/<zone>/history}), written in the same transaction as the deletes: that the history was
 * pruned (its oldest record is no longer the zone's first publication) and the child from which on the
 * history holds every change of the published DNSKEY RRset and TTL. Text, one line: {@code
 * tandem-history-pruned contiguous-from=p-0000001234 pruned=5678}. Any other data (Curator writes the
 * creating host's address into a node it creates) means never pruned.
 *
 * @param contiguousFrom a child name, {@code p-NNNNNNNNNN}
 * @param pruned how many records were deleted in all
 */
record PruneMarker(String contiguousFrom, long pruned) {
    private static final String MAGIC = "tandem-history-pruned";

    PruneMarker {
        Objects.requireNonNull(contiguousFrom, "contiguousFrom");
        if (!contiguousFrom.matches("p-[0-9]{10}")) {
            throw new IllegalArgumentException("not a history child name: '" + contiguousFrom + "'");
        }
        if (pruned < 0) {
            throw new IllegalArgumentException("pruned must not be negative, got " + pruned);
        }
    }

    byte[] toBytes() {
        return (MAGIC + " contiguous-from=" + contiguousFrom + " pruned=" + pruned).getBytes(StandardCharsets.UTF_8);
    }

    /** The marker in a history node's data, empty when there is none (never pruned). */
    static Optional<PruneMarker> parse(byte[] data) {
        if (data == null) {
            return Optional.empty();
        }
        String text = new String(data, StandardCharsets.UTF_8).trim();
        if (!text.startsWith(MAGIC + " ")) {
            return Optional.empty();
        }
        String from = null;
        long pruned = -1;
        for (String field : text.substring(MAGIC.length() + 1).split(" ")) {
            if (field.startsWith("contiguous-from=")) {
                from = field.substring("contiguous-from=".length());
            } else if (field.startsWith("pruned=")) {
                pruned = Long.parseLong(field.substring("pruned=".length()));
            }
        }
        if (from == null || pruned < 0) {
            throw new IllegalArgumentException("a prune marker without contiguous-from or pruned: '" + text + "'");
        }
        return Optional.of(new PruneMarker(from, pruned));
    }
}
