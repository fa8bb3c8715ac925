package org.tandem.signer.election;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.tandem.keysync.key.ZoneName;

/**
 * The outcome of one {@link KeySyncCheck}: whether this node's HSM holds, proven, every manifest key
 * of every zone it signs, and if not, why.
 *
 * @param checkedAt when the check ran
 * @param zones the zones checked
 * @param problems one line per problem, each naming zone, role, key tag, fingerprint and HSM where
 *     they apply ({@code zone example.com. ZSK 12345 fp 3f2a… on HSM dc2-hsm1: missing}); empty when
 *     synced
 */
public record KeySyncVerdict(Instant checkedAt, List<ZoneName> zones, List<String> problems) {
    public KeySyncVerdict {
        Objects.requireNonNull(checkedAt, "checkedAt");
        zones = List.copyOf(zones);
        problems = List.copyOf(problems);
        if (zones.isEmpty() && problems.isEmpty()) {
            throw new IllegalArgumentException("a verdict over no zones cannot be synced; name the problem");
        }
    }

    /** Every zone's keys present and proven on this node's HSM(s). */
    public static KeySyncVerdict synced(Instant checkedAt, List<ZoneName> zones) {
        return new KeySyncVerdict(checkedAt, zones, List.of());
    }

    /** Not synced, for the reasons given (at least one). */
    public static KeySyncVerdict notSynced(Instant checkedAt, List<ZoneName> zones, List<String> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a verdict that is not synced needs a problem");
        }
        return new KeySyncVerdict(checkedAt, zones, problems);
    }

    /** True when the node may take part in the election. */
    public boolean synced() {
        return problems.isEmpty();
    }

    /** One line for logs and status: "synced (2 zones)" or the problems joined by "; ". */
    public String describe() {
        return synced() ? "synced (" + zones.size() + (zones.size() == 1 ? " zone)" : " zones)") : String.join("; ", problems);
    }
}
