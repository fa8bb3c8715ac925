package org.tandem.keysync.audit;

import java.util.List;
import java.util.Objects;

/**
 * The result of {@link AuditChain#verify}: {@code intact} exactly when there are no defects.
 *
 * @param lines the number of lines in the file, a torn last line included
 * @param headHash the hash field of the last parseable line, 64 zeros for an empty log
 * @param defects in line order; empty when intact
 * @param signedCheckpoints checkpoints whose signature verified (0 when checkpoints were not checked)
 * @param lastSignedCheckpoint the line of the newest of them, 0 for none
 * @param warnings what is not a defect but worth saying, e.g. "3 line(s) after the last signed
 *     checkpoint"
 */
public record AuditVerification(
        boolean intact,
        long lines,
        String headHash,
        List<AuditDefect> defects,
        long signedCheckpoints,
        long lastSignedCheckpoint,
        List<String> warnings) {
    public AuditVerification {
        AuditLine.requireHash(headHash, "headHash");
        defects = List.copyOf(Objects.requireNonNull(defects, "defects"));
        warnings = List.copyOf(Objects.requireNonNull(warnings, "warnings"));
        if (lines < 0 || signedCheckpoints < 0 || lastSignedCheckpoint < 0) {
            throw new IllegalArgumentException("lines and checkpoint counts must be >= 0");
        }
        if (intact != defects.isEmpty()) {
            throw new IllegalArgumentException("intact must be true exactly when there are no defects");
        }
    }

    /** A result without checkpoint checks. */
    public AuditVerification(boolean intact, long lines, String headHash, List<AuditDefect> defects) {
        this(intact, lines, headHash, defects, 0, 0, List.of());
    }
}
