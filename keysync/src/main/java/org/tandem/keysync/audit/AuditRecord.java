package org.tandem.keysync.audit;

import java.util.Objects;

/**
 * An event as it was appended: its place in the chain. Keep the newest {@code (seq, hash)} outside
 * the log host (manifest, ticket, monitoring) to detect truncation with {@link
 * AuditChain#verify(java.nio.file.Path, long, String)}.
 *
 * @param seq the 1-based sequence number, equal to the line number
 * @param prev the hash of the line before, 64 zeros for the first line
 * @param hash the hash of this line, see {@link AuditLog} for its definition
 */
public record AuditRecord(long seq, AuditEvent event, String prev, String hash) {
    public AuditRecord {
        Objects.requireNonNull(event, "event");
        if (seq < 1) {
            throw new IllegalArgumentException("seq must be >= 1, got " + seq);
        }
        AuditLine.requireHash(prev, "prev");
        AuditLine.requireHash(hash, "hash");
    }
}
