package org.tandem.keysync.audit;

import java.util.List;
import java.util.Objects;

/**
 * The result of {@link AuditChain#verify}: {@code intact} exactly when there are no defects.
 *
 * @param lines the number of lines in the file, a torn last line included
 * @param headHash the hash field of the last parseable line, 64 zeros for an empty log
 * @param defects in line order; empty when intact
 */
public record AuditVerification(boolean intact, long lines, String headHash, List<AuditDefect> defects) {
    public AuditVerification {
        AuditLine.requireHash(headHash, "headHash");
        defects = List.copyOf(Objects.requireNonNull(defects, "defects"));
        if (lines < 0) {
            throw new IllegalArgumentException("lines must be >= 0, got " + lines);
        }
        if (intact != defects.isEmpty()) {
            throw new IllegalArgumentException("intact must be true exactly when there are no defects");
        }
    }
}
