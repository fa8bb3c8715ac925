package org.tandem.chaos.history;

import java.time.Instant;
import java.util.Objects;

/**
 * One commit of the publish ledger in ZooKeeper, as the cluster watch copied it: one line of {@code
 * ledger.jsonl}.
 *
 * @param serial the SOA serial
 * @param epoch the leadership epoch it was committed in
 * @param node the committing node
 * @param sha256Hex the zone content digest the node recorded
 * @param committedAt the committing node's clock
 * @param seenAt when the watch first saw it
 */
public record LedgerEntry(long serial, long epoch, String node, String sha256Hex, Instant committedAt, Instant seenAt) {
    public LedgerEntry {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(sha256Hex, "sha256Hex");
        Objects.requireNonNull(committedAt, "committedAt");
        Objects.requireNonNull(seenAt, "seenAt");
    }
}
