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
 * @param pending one line per GENERATED key this node's HSMs lack or cannot prove ({@code zone
 *     example.com. ZSK 12345 fp 3f2a… on HSM dc2-hsm1: missing}): not a problem, such a key is neither
 *     published nor signs until every node holds it (pending replication)
 */
public record KeySyncVerdict(Instant checkedAt, List<ZoneName> zones, List<String> problems, List<String> pending) {
    public KeySyncVerdict {
        Objects.requireNonNull(checkedAt, "checkedAt");
        zones = List.copyOf(zones);
        problems = List.copyOf(problems);
        pending = List.copyOf(pending);
        if (zones.isEmpty() && problems.isEmpty()) {
            throw new IllegalArgumentException("a verdict over no zones cannot be synced; name the problem");
        }
    }

    /** A verdict without pending keys. */
    public KeySyncVerdict(Instant checkedAt, List<ZoneName> zones, List<String> problems) {
        this(checkedAt, zones, problems, List.of());
    }

    /** Every zone's keys present and proven on this node's HSM(s). */
    public static KeySyncVerdict synced(Instant checkedAt, List<ZoneName> zones) {
        return new KeySyncVerdict(checkedAt, zones, List.of());
    }

    /** Every zone's published keys present and proven; {@code pending} GENERATED keys not (yet) here. */
    public static KeySyncVerdict synced(Instant checkedAt, List<ZoneName> zones, List<String> pending) {
        return new KeySyncVerdict(checkedAt, zones, List.of(), pending);
    }

    /** Not synced, for the reasons given (at least one). */
    public static KeySyncVerdict notSynced(Instant checkedAt, List<ZoneName> zones, List<String> problems) {
        return notSynced(checkedAt, zones, problems, List.of());
    }

    /** Not synced, for the reasons given (at least one), with the GENERATED keys pending here. */
    public static KeySyncVerdict notSynced(
            Instant checkedAt, List<ZoneName> zones, List<String> problems, List<String> pending) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a verdict that is not synced needs a problem");
        }
        return new KeySyncVerdict(checkedAt, zones, problems, pending);
    }

    /** True when the node may take part in the election. */
    public boolean synced() {
        return problems.isEmpty();
    }

    /** One line for logs and status: "synced (2 zones)" or the problems joined by "; ". */
    public String describe() {
        return synced()
                ? "synced (" + zones.size() + (zones.size() == 1 ? " zone)" : " zones)")
                : String.join("; ", problems);
    }
}
